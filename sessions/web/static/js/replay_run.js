// Runs in the replay: the run recorded at each moment, and "Run this moment's code", which
// sends the revision shown to POST /api/sessions/{id}/replay/run and shows what it does now,
// against the problem of that moment. Nobody in the room sees such a run; it is not recorded.

import { byId, h } from "./dom.js";
import { failureText, summary } from "./run_text.js";

/** Fill the run panel whose ids start with `prefix` (`replay-run`, `moment-run`). */
export function fillRun(prefix, run, heading) {
  const { verdict, text } = summary(run);
  const status = byId(`${prefix}-status`);
  status.textContent = `${heading}: ${text}`;
  status.dataset.verdict = verdict;
  byId(`${prefix}-output`).textContent = run.output || "";
  byId(`${prefix}-tests`).replaceChildren(
    ...(run.tests || []).map((t) => h("li", { class: t.passed ? "pass" : "fail" },
      h("strong", { text: `${t.passed ? "✓ passed" : "✗ failed"}: ${t.name}` }),
      t.passed ? null : h("span", { text: ` ${failureText(t, run.language)}` }))),
  );
}

/** The button under the code: enabled when the language shown runs on this server. */
export class MomentRun {
  constructor({ api, token, runnable, reasons }) {
    this.api = api;
    this.token = token;
    this.runnable = runnable; // language -> true when it runs here
    this.reasons = reasons; // language -> why it does not
    this.busy = false;
    this.moment = null;
    this.button = byId("moment-run-button");
    this.note = byId("moment-run-note");
    byId("moment-run-row").hidden = !Object.values(runnable).some(Boolean);
    this.button.addEventListener("click", () => this.run());
  }

  /** The moment shown: its revision and language. */
  show(revision, language) {
    if (this.moment?.revision === revision && this.moment.language === language) return;
    this.moment = { revision, language }; // the slider calls this every frame: DOM only on a change
    this.update();
  }

  update() {
    if (this.moment === null) return;
    const { revision, language } = this.moment;
    const runs = Boolean(this.runnable[language]);
    this.button.disabled = this.busy || !runs;
    this.button.textContent = `Run revision ${revision}'s code`;
    this.note.textContent = runs
      ? "Runs it now against the problem of that moment; nobody in the room sees it."
      : this.reasons[language] || `${language} code cannot run on this server`;
  }

  async run() {
    const { revision, language } = this.moment;
    const panel = byId("moment-run");
    const status = byId("moment-run-status");
    panel.hidden = false;
    status.textContent = `Running revision ${revision} (${language})…`;
    delete status.dataset.verdict;
    byId("moment-run-output").textContent = "";
    byId("moment-run-tests").replaceChildren();
    this.busy = true;
    this.update();
    try {
      const response = await fetch(`${this.api}/replay/run`, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ revision }),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error?.message || `HTTP ${response.status}`);
      const against = body.problem ? ` against ${body.problem}` : "";
      fillRun("moment-run", { ...body.result, language: body.language }, `Revision ${body.revision} (${body.language}) run now${against}`);
    } catch (err) {
      status.textContent = `Could not run revision ${revision}: ${err.message}`;
      status.dataset.verdict = "failed";
    } finally {
      this.busy = false;
      this.update();
    }
  }
}
