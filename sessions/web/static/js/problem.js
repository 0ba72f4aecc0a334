// The problem panel: the statement and examples, and for an interviewer a picker over the bank.

import { byId, h } from "./dom.js";

const LIST_ITEM = /^\s*(?:([-*+])|(\d+)[.)])\s+(.*)$/;

/** Inline Markdown as nodes: `code` spans as <code>, **bold** as <strong>; text only. */
export function inline(text) {
  const nodes = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(match[1] !== undefined ? h("code", { text: match[1] }) : h("strong", { text: match[2] }));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/** One block of lines between blank lines: a heading, lists (`-`, `*`, `1.`) and paragraphs,
 * a list item's continuation lines joined onto it. */
function renderLines(block, out) {
  let paragraph = [];
  let list = null;
  const flush = () => {
    if (paragraph.length) out.push(h("p", {}, ...inline(paragraph.join(" "))));
    paragraph = [];
  };
  for (const raw of block.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const heading = line.match(/^#{1,6}\s+(.*)$/);
    const item = line.match(LIST_ITEM);
    if (heading) {
      flush();
      list = null;
      out.push(h("h4", {}, ...inline(heading[1])));
    } else if (item) {
      flush();
      const ordered = item[2] !== undefined;
      if (list === null || list.ordered !== ordered) {
        list = { ordered, el: h(ordered ? "ol" : "ul") };
        out.push(list.el);
      }
      list.el.append(h("li", {}, ...inline(item[3])));
    } else if (list !== null && /^\s/.test(raw)) {
      list.el.lastChild.append(" ", ...inline(line));
    } else {
      list = null;
      paragraph.push(line);
    }
  }
  flush();
}

/** A problem statement (a little Markdown) as elements: headings, lists, code blocks and
 * paragraphs with `code` and **bold**. Text only, never HTML. */
export function renderStatement(text) {
  const out = [];
  const blocks = text.split(/```[a-z]*\n?/);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      out.push(h("pre", { class: "example", tabindex: "0", text: block.replace(/\n$/, "") }));
      return;
    }
    for (const para of block.split(/\n{2,}/)) renderLines(para, out);
  });
  return out;
}

export class ProblemPanel {
  /** `canPick`: show the bank picker; `send(frame)` posts set-problem. */
  constructor({ canPick, send }) {
    this.title = byId("problem-title");
    this.meta = byId("problem-meta");
    this.body = byId("problem-body");
    this.picker = byId("problem-picker");
    this.select = byId("problem-select");
    if (canPick) this.loadBank(send);
  }

  async loadBank(send) {
    const response = await fetch("/api/problems");
    if (!response.ok) return;
    const { problems } = await response.json();
    this.select.replaceChildren(
      ...problems.map((p) => h("option", { value: p.slug, text: `${p.title} (${p.difficulty})` })),
    );
    this.picker.hidden = false;
    byId("problem-set").addEventListener("click", () => {
      if (this.select.value) send({ type: "set-problem", slug: this.select.value });
    });
  }

  show(problem) {
    if (!problem) {
      this.title.textContent = "No problem set";
      this.meta.textContent = "";
      this.body.replaceChildren(h("p", { class: "hint", text: "Free-form coding: the interviewer explains the task." }));
      return;
    }
    this.title.textContent = problem.title;
    this.meta.textContent = [problem.difficulty, ...(problem.tags || [])].join(" · ");
    const examples = (problem.tests || []).slice(0, 3).map((t) =>
      h("li", { text: `${JSON.stringify(t.input)} → ${JSON.stringify(t.expected)}` }),
    );
    this.body.replaceChildren(
      ...renderStatement(problem.description || ""),
      examples.length ? h("h4", { text: "Tests" }) : null,
      examples.length ? h("ul", { class: "examples" }, ...examples) : null,
    );
    if (this.select.querySelector(`option[value="${CSS.escape(problem.slug)}"]`)) {
      this.select.value = problem.slug;
    }
  }
}
