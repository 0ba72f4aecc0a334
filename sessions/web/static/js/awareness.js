// What everyone in the room should notice: the interview timer (elapsed, and the planned length
// an interviewer sets), a notice when someone changes the language or the problem or drops,
// and for an interviewer "Follow the candidate" (the editor scrolls to the candidate's cursor).

import { EditorView } from "../vendor/codemirror.js";
import { clock, h } from "./dom.js";

const NOTICE_MS = 20000;

/** "m:ss" or "h:mm:ss" for `seconds` (never negative). */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** The timer in the top bar; an interviewer also gets a "planned minutes" field. */
export class InterviewTimer {
  constructor({ parent, canSet, send }) {
    this.timer = null;
    this.display = h("p", { id: "timer", class: "timer", role: "timer", "aria-label": "Interview time" });
    parent.append(this.display);
    if (canSet) {
      const input = h("input", { id: "timer-minutes", type: "number", min: "1", max: "1440", inputmode: "numeric" });
      this.input = input;
      const form = h("form", { id: "timer-form", class: "timer-form" },
        h("label", { for: "timer-minutes", text: "Planned minutes" }), input,
        h("button", { type: "submit", class: "small", text: "Set" }));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const minutes = Number(input.value);
        send({ type: "set-timer", plannedSeconds: input.value && minutes > 0 ? Math.round(minutes * 60) : null });
      });
      parent.append(form);
    }
    this.tick = setInterval(() => this.render(), 1000);
  }

  /** The session's `timer` ({startedAt, endedAt, plannedSeconds}). */
  set(timer) {
    this.timer = timer || null;
    if (this.input && document.activeElement !== this.input) {
      this.input.value = timer?.plannedSeconds ? String(Math.round(timer.plannedSeconds / 60)) : "";
    }
    this.render();
  }

  render() {
    if (this.timer === null) return;
    const start = Date.parse(this.timer.startedAt);
    const end = this.timer.endedAt ? Date.parse(this.timer.endedAt) : Date.now();
    const elapsed = (end - start) / 1000;
    const planned = this.timer.plannedSeconds;
    this.display.textContent = planned ? `${duration(elapsed)} of ${duration(planned)}` : duration(elapsed);
    this.display.classList.toggle("over", Boolean(planned) && elapsed > planned);
  }
}

/** One line in the room saying what just changed, who changed it and when. */
export class RoomNotices {
  constructor({ after }) {
    this.element = h("p", { id: "room-notice", class: "room-notice", role: "status", "aria-live": "polite", hidden: true });
    after.after(this.element);
  }

  show(text) {
    this.element.textContent = `${text} (${clock(new Date().toISOString())})`;
    this.element.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.element.hidden = true; }, NOTICE_MS);
  }
}

/** "Follow the candidate": a checkbox for the interviewer; while it is on, each move of a
 * candidate's cursor scrolls the editor to it. */
export class FollowCandidate {
  constructor({ parent }) {
    this.box = h("input", { id: "follow", type: "checkbox" });
    parent.append(h("label", { class: "follow", for: "follow" }, this.box, "Follow the candidate"));
  }

  get on() {
    return this.box.checked;
  }

  /** `editor` (a RoomEditor) shows `position`, when following and `role` is a candidate's. */
  moved(editor, role, position) {
    if (!this.on || role !== "candidate" || position === undefined) return;
    editor.view.dispatch({ effects: EditorView.scrollIntoView(position, { y: "center" }) });
  }
}
