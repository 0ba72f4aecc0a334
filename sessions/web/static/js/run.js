// The Run button and the output panel: streaming output and per-test results. The button is
// hidden for observers, and disabled with the reason when the server cannot run the language.

import { byId, h } from "./dom.js";
import { failureText, summary } from "./run_text.js";

export class RunPanel {
  constructor({ send, visible }) {
    this.button = byId("run");
    this.reason = byId("run-reason");
    this.panel = byId("output-panel");
    this.status = byId("run-status");
    this.output = byId("output");
    this.tests = byId("tests");
    this.runnable = {};
    this.language = null;
    this.ended = false;
    this.running = null;
    this.visible = visible;
    this.button.hidden = !visible;
    this.button.addEventListener("click", () => {
      if (this.running !== null) send({ type: "cancel-run" });
      else send({ type: "run-code" });
    });
  }

  async load() {
    try {
      const response = await fetch("/api/languages");
      const body = await response.json();
      this.runnable = body.runnable || {};
    } catch {
      this.runnable = {};
    }
    this.refresh();
  }

  setLanguage(language) {
    this.language = language;
    this.refresh();
  }

  /** No more runs from this page: the interview ended, or `why` (removed, disconnected). */
  setEnded(ended, why = "The interview has ended.") {
    this.ended = ended;
    this.endedWhy = why;
    this.refresh();
  }

  refresh() {
    if (!this.visible) return;
    let reason = "";
    if (this.ended) reason = this.endedWhy ?? "The interview has ended.";
    else if (!Object.values(this.runnable).some(Boolean)) reason = "Running code is off on this server.";
    else if (!this.runnable[this.language]) reason = `${this.language} cannot be run on this server.`;
    this.button.disabled = reason !== "" && this.running === null;
    this.button.textContent = this.running !== null ? "Stop" : "Run";
    this.reason.hidden = reason === "";
    this.reason.textContent = reason;
    this.button.setAttribute("aria-describedby", reason ? "run-reason" : "");
  }

  /** A run-* frame. */
  handle(frame) {
    this.panel.hidden = false;
    if (frame.type === "run-queued") {
      this.status.textContent = `Queued (position ${frame.position})…`;
    } else if (frame.type === "run-started") {
      this.running = frame.runId;
      this.runLanguage = frame.language;
      this.output.textContent = "";
      this.tests.replaceChildren();
      this.status.textContent = `Running ${frame.language} (revision ${frame.revision}) for ${frame.name}…`;
    } else if (frame.type === "run-output") {
      this.output.append(h("span", { class: frame.stream, text: frame.data }));
    } else if (frame.type === "run-result") {
      this.running = null;
      const { verdict, text } = summary(frame);
      this.status.textContent = text;
      this.status.dataset.verdict = verdict;
      this.tests.replaceChildren(
        ...(frame.tests || []).map((t) =>
          h(
            "li",
            { class: t.passed ? "pass" : "fail" },
            h("strong", { text: `${t.passed ? "✓ passed" : "✗ failed"}: ${t.name}` }),
            t.passed ? null : h("span", { text: ` ${failureText(t, this.runLanguage)}` }),
          ),
        ),
      );
    }
    this.refresh();
  }

  error(message) {
    this.panel.hidden = false;
    this.running = null;
    this.status.textContent = message;
    this.refresh();
  }
}
