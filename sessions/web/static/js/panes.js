// Resizable panes: two gutters between the problem, the code and the side column of the wide
// layout (room.css hides them on narrow screens), dragged with the pointer or moved with the
// arrow keys; the widths are remembered per browser (localStorage) as percentages.

import { h } from "./dom.js";

const KEY = "interview:panes";
const MIN = 12;
const MAX = 45;
const STEP = 2;

function clamp(value) {
  return Math.min(MAX, Math.max(MIN, Math.round(value)));
}

function load() {
  try {
    const { left, right } = JSON.parse(localStorage.getItem(KEY) || "{}") || {};
    return {
      left: Number.isFinite(left) ? clamp(left) : 22,
      right: Number.isFinite(right) ? clamp(right) : 24,
    };
  } catch {
    return { left: 22, right: 24 };
  }
}

/** Put the gutters into `layout` (the grid of three panes) and apply the remembered widths. */
export function resizablePanes(layout) {
  const widths = load();
  const apply = () => {
    layout.style.setProperty("--pane-left", `${widths.left}%`);
    layout.style.setProperty("--pane-right", `${widths.right}%`);
    for (const gutter of layout.querySelectorAll(".gutter")) {
      gutter.setAttribute("aria-valuenow", String(widths[gutter.dataset.side]));
    }
  };
  const gutter = (side, label) => {
    const el = h("div", {
      class: "gutter",
      role: "separator",
      tabindex: "0",
      "aria-orientation": "vertical",
      "aria-label": label,
      "aria-valuemin": String(MIN),
      "aria-valuemax": String(MAX),
      "data-side": side,
    });
    // Left gutter: dragging right widens the problem; right gutter: dragging left widens the side.
    const sign = side === "left" ? 1 : -1;
    el.addEventListener("keydown", (event) => {
      const delta = { ArrowLeft: -STEP, ArrowRight: STEP }[event.key];
      if (delta === undefined) return;
      event.preventDefault();
      widths[side] = clamp(widths[side] + sign * delta);
      apply();
      save(widths);
    });
    el.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      el.setPointerCapture(event.pointerId);
      el.classList.add("dragging");
      const box = layout.getBoundingClientRect();
      const move = (e) => {
        const percent = ((e.clientX - box.left) / box.width) * 100;
        widths[side] = clamp(side === "left" ? percent : 100 - percent);
        apply();
      };
      const up = () => {
        el.classList.remove("dragging");
        el.removeEventListener("pointermove", move);
        el.removeEventListener("pointerup", up);
        save(widths);
      };
      el.addEventListener("pointermove", move);
      el.addEventListener("pointerup", up);
    });
    return el;
  };
  const [problem, code] = layout.children;
  problem.after(gutter("left", "Resize the problem panel"));
  code.after(gutter("right", "Resize the side panel"));
  apply();
}

function save(widths) {
  localStorage.setItem(KEY, JSON.stringify(widths));
}
