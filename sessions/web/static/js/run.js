// The Run button and the output panel: streaming output, the compile and run phases, compiler
// messages marked on their lines, per-test results, and standard input for a run. The button
// is hidden for observers, and disabled with the server's reason when it cannot run the
// language; Ctrl/Cmd-Enter runs from anywhere in the room.

import { byId, h } from "./dom.js";
import { failureText, summary } from "./run_text.js";

const PHASE_TEXT = { compile: "Compiling", run: "Running" };

export class RunPanel {
  /** `editor()`: the room's editor, or null before it exists (compile errors mark it). */
  constructor({ send, visible, editor = () => null }) {
    this.button = byId("run");
    this.reason = byId("run-reason");
    this.panel = byId("output-panel");
    this.status = byId("run-status");
    this.output = byId("output");
    this.tests = byId("tests");
    this.diagnostics = byId("diagnostics");
    this.stdinBox = byId("stdin-box");
    this.stdin = byId("stdin");
    this.stdinBox.hidden = !visible;
    this.editor = editor;
    this.runnable = {};
    this.reasons = {};
    this.language = null;
    this.ended = false;
    this.running = null;
    this.visible = visible;
    this.button.hidden = !visible;
    this.button.addEventListener("click", () => {
      if (this.running !== null) send({ type: "cancel-run" });
      else send(this.stdin.value ? { type: "run-code", stdin: this.stdin.value } : { type: "run-code" });
    });
    // Capture phase: before CodeMirror, whose default keymap inserts a blank line on Mod-Enter.
    window.addEventListener("keydown", (event) => this.shortcut(event), true);
  }

  /** Ctrl-Enter (Cmd-Enter on a Mac) runs when Run is offered and enabled. */
  shortcut(event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (!this.visible || this.running !== null || this.button.disabled || this.button.hidden) return;
    event.preventDefault();
    event.stopPropagation();
    this.button.click();
  }

  async load() {
    try {
      const response = await fetch("/api/languages");
      const body = await response.json();
      this.runnable = body.runnable || {};
      this.reasons = body.reasons || {};
    } catch {
      this.runnable = {};
      this.reasons = {};
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
    else if (!this.runnable[this.language]) reason = notRunnable(this.language, this.reasons[this.language]);
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
      this.diagnostics.replaceChildren();
      this.editor()?.markDiagnostics([]);
      this.started = `${frame.language} (revision ${frame.revision}) for ${frame.name}`;
      this.status.textContent = `Running ${this.started}…`;
    } else if (frame.type === "run-phase") {
      this.status.textContent = `${PHASE_TEXT[frame.phase] ?? frame.phase} ${this.started ?? ""}…`;
      this.status.dataset.phase = frame.phase;
    } else if (frame.type === "run-output") {
      this.output.append(h("span", { class: frame.stream, text: frame.data }));
    } else if (frame.type === "run-result") {
      this.running = null;
      const { verdict, text } = summary(frame);
      this.status.textContent = text;
      this.status.dataset.verdict = verdict;
      delete this.status.dataset.phase;
      this.showDiagnostics(frame.compile?.diagnostics || []);
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

  /** The compiler's messages: a list under the status (each jumps to its line) and marks on
   * the lines in the editor. */
  showDiagnostics(diagnostics) {
    this.editor()?.markDiagnostics(diagnostics);
    this.diagnostics.replaceChildren(
      ...diagnostics.map((d) => {
        const where = d.line ? `line ${d.line}${d.column ? `:${d.column}` : ""}` : "";
        const text = `${where ? `${where}: ` : ""}${d.severity || "error"}: ${d.message}`;
        if (!d.line) return h("li", { text });
        const go = h("button", { type: "button", text });
        go.addEventListener("click", () => this.editor()?.goTo(d.line, d.column));
        return h("li", {}, go);
      }),
    );
  }

  error(message) {
    this.panel.hidden = false;
    this.running = null;
    this.status.textContent = message;
    this.refresh();
  }
}

/** Why `language` does not run here, as the room says it. */
export function notRunnable(language, reason) {
  return reason ? `${language} cannot be run on this server: ${reason}.` : `${language} cannot be run on this server.`;
}

/** The picker's entry for `language`: a language the server cannot run says so (and why, as
 * its tooltip) before anyone switches to it. Editing works either way. */
export function languageOption(language, runnable, reasons) {
  const runs = Boolean(runnable[language]) || !Object.values(runnable).some(Boolean);
  const text = runs ? language : `${language} (cannot run here)`;
  return h("option", { value: language, text, title: runs ? null : notRunnable(language, reasons[language]), "data-runnable": String(Boolean(runnable[language])) });
}
