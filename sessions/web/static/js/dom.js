// Tiny DOM helpers: text is always set as textContent, never parsed as HTML.

/** An element with attributes (`class`, `text`, others as attributes) and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

/** The element with id `id` (it must exist). */
export function byId(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`no element #${id}`);
  return el;
}

/** A time as HH:MM:SS. */
export function clock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
