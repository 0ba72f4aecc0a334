// Signals: the candidate's page tells the interviewer when it loses focus or is hidden (and
// for how long) and when text is pasted into the editor (its size, and whether it was copied
// inside the room; never the text). The candidate's page says so plainly; interviewers and
// observers see a badge per person and a line per signal. Candidates never receive signals.

import { byId, clock, h } from "./dom.js";

const REMEMBERED_COPIES = 20;
const PENDING_MAX = 50;

function normalise(text) {
  return text.replace(/\r\n?/g, "\n");
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "12 s", "3 min 5 s". */
export function duration(seconds) {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  return whole % 60 ? `${minutes} min ${whole % 60} s` : `${minutes} min`;
}

/** A signal (frame or timeline event) in words, after the person's name. */
export function describeSignal(signal) {
  if (signal.kind === "paste") {
    const where = signal.fromRoom ? "copied inside the room" : "from outside the room";
    return `pasted ${plural(signal.chars, "character")} (${plural(signal.lines, "line")}) ${where}`;
  }
  if (signal.kind === "focus-lost") {
    return signal.hidden ? "hid the room (another tab or window)" : "left the room's page (focus lost)";
  }
  if (signal.kind === "focus-back") return `came back after ${duration(signal.seconds)}`;
  return signal.kind;
}

/** The candidate's side: watches focus, visibility, copies and pastes, and sends signals. */
class Reporter {
  constructor({ send, editorHost, now = () => performance.now() }) {
    this.send = send;
    this.now = now;
    this.away = null; // {since, hidden} while the page is away
    this.copies = [];
    this.pending = [];
    this.ended = false;
    this.active = false;
    window.addEventListener("blur", () => this.leave(false));
    window.addEventListener("focus", () => {
      if (document.visibilityState !== "hidden") this.back();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.leave(true);
      else if (document.hasFocus()) this.back();
    });
    const remember = () => {
      const text = normalise(String(window.getSelection?.() ?? ""));
      if (text) this.remember(text);
    };
    document.addEventListener("copy", (event) => this.copied(event, remember));
    document.addEventListener("cut", (event) => this.copied(event, remember));
    editorHost.addEventListener("paste", (event) => this.pasted(event));
  }

  copied(event, fallback) {
    const data = event.clipboardData?.getData("text/plain");
    if (data) this.remember(normalise(data));
    else queueMicrotask(fallback);
  }

  remember(text) {
    this.copies.push(text);
    if (this.copies.length > REMEMBERED_COPIES) this.copies.shift();
  }

  pasted(event) {
    const text = normalise(event.clipboardData?.getData("text/plain") ?? "");
    if (!text) return;
    this.emit({
      kind: "paste",
      chars: [...text].length,
      lines: text.split("\n").length,
      fromRoom: this.copies.includes(text),
    });
  }

  leave(hidden) {
    if (this.away === null) {
      this.away = { since: this.now(), hidden };
      this.emit({ kind: "focus-lost", hidden });
    } else if (hidden) {
      this.away.hidden = true;
    }
  }

  back() {
    if (this.away === null) return;
    const seconds = Math.round((this.now() - this.away.since) / 100) / 10;
    const { hidden } = this.away;
    this.away = null;
    this.emit({ kind: "focus-back", hidden, seconds });
  }

  emit(signal) {
    if (this.ended || !this.active) return;
    this.pending.push({ type: "signal", ...signal });
    if (this.pending.length > PENDING_MAX) this.pending.shift();
    this.flush();
  }

  /** Send what could not be sent while the socket was down. */
  flush() {
    while (this.pending.length > 0 && this.send(this.pending[0])) this.pending.shift();
  }
}

/** The interviewer's and observer's side: a Signals panel and a badge per person. */
class Viewer {
  constructor() {
    this.counts = new Map(); // userId -> {pastes, pastesFromOutside, focusLosses, awaySeconds, away}
    this.log = h("ol", { id: "signals-log", class: "log signals-log", "aria-live": "polite" });
    const panel = h(
      "section",
      { id: "signals-panel", class: "panel signals", "aria-labelledby": "signals-heading" },
      h("h2", { id: "signals-heading", text: "Signals" }),
      h("p", { class: "hint", text: "From the candidate's page: focus lost or page hidden, and pastes into the editor (sizes only). The candidate is told these are shared. A signal is a prompt to ask, not proof of anything." }),
      this.log,
    );
    const people = byId("people").closest("section");
    people.after(panel);
    this.people = byId("people");
    new MutationObserver(() => this.decorate()).observe(this.people, { childList: true });
  }

  joined(frame) {
    this.counts.clear();
    for (const [userId, c] of Object.entries(frame.signals || {})) this.counts.set(userId, { ...c, away: false });
    this.decorate();
  }

  show(frame) {
    const c = this.counts.get(frame.userId) ?? { pastes: 0, pastedChars: 0, pastesFromOutside: 0, focusLosses: 0, awaySeconds: 0, away: false };
    if (frame.kind === "paste") {
      c.pastes += 1;
      c.pastedChars += frame.chars;
      if (!frame.fromRoom) c.pastesFromOutside += 1;
    } else if (frame.kind === "focus-lost") {
      c.focusLosses += 1;
      c.away = true;
    } else if (frame.kind === "focus-back") {
      c.awaySeconds += frame.seconds;
      c.away = false;
    }
    this.counts.set(frame.userId, c);
    this.log.append(
      h("li", { class: `signal signal-${frame.kind}`, "data-user": frame.userId },
        h("span", { class: "meta", text: `${frame.name} · ${clock(frame.at)}` }),
        h("p", { class: "text", text: `${frame.name} ${describeSignal(frame)}` })),
    );
    this.log.scrollTop = this.log.scrollHeight;
    this.decorate();
  }

  badgeText(c) {
    const parts = [];
    if (c.away) parts.push("away now");
    if (c.focusLosses) parts.push(`away ${c.focusLosses}× (${duration(c.awaySeconds)})`);
    if (c.pastes) parts.push(`${plural(c.pastes, "paste")}${c.pastesFromOutside ? `, ${c.pastesFromOutside} from outside` : ""}`);
    return parts.join(" · ");
  }

  decorate() {
    for (const li of this.people.querySelectorAll("li[data-user]")) {
      const c = this.counts.get(li.dataset.user);
      const text = c ? this.badgeText(c) : "";
      let badge = li.querySelector(".signal-badge");
      if (!text) {
        badge?.remove();
        continue;
      }
      if (badge === null) {
        badge = h("span", { class: "signal-badge" });
        li.append(badge);
      }
      if (badge.textContent !== text) {
        badge.textContent = text;
        badge.title = `Signals: ${text}`;
      }
      badge.classList.toggle("away", Boolean(c.away));
    }
  }
}

/** What a room page does about signals, by role: a candidate reports, others view. */
export class Signals {
  constructor({ role, send, editorHost }) {
    this.reporter = role === "candidate" ? new Reporter({ send, editorHost }) : null;
    this.viewer = role === "candidate" ? null : new Viewer();
    if (this.reporter !== null) {
      editorHost.closest("section")?.querySelector(".editor-help")?.after(
        h("p", { id: "signals-notice", class: "hint signals-notice", text: "Shared with the interviewer and observers: when this page loses focus or is hidden, and for how long, and the size of anything pasted into the editor (never its text)." }),
      );
    }
  }

  /** A `session-state`: counts so far (viewers), and the reporter may send again. */
  joined(frame) {
    this.viewer?.joined(frame);
    if (this.reporter !== null) {
      this.reporter.active = true;
      this.reporter.flush();
    }
  }

  /** A `signal` frame (only interviewers and observers get them). */
  show(frame) {
    this.viewer?.show(frame);
  }

  set ended(value) {
    if (this.reporter !== null) this.reporter.ended = value;
  }
}
