// The problem panel: the statement and examples, and for an interviewer a picker over the bank.

import { byId, h } from "./dom.js";

/** A problem statement (a little Markdown) as elements: headings, code blocks, paragraphs.
 * Text only, never HTML. */
export function renderStatement(text) {
  const out = [];
  const blocks = text.split(/```[a-z]*\n?/);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      out.push(h("pre", { class: "example", tabindex: "0", text: block.replace(/\n$/, "") }));
      return;
    }
    for (const para of block.split(/\n{2,}/)) {
      const trimmed = para.trim();
      if (!trimmed) continue;
      const heading = trimmed.match(/^#{1,6}\s+(.*)$/);
      out.push(heading ? h("h4", { text: heading[1] }) : h("p", { text: trimmed.replace(/[*`]/g, "") }));
    }
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
