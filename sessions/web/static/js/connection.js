// The connection badge in the top bar: connected, reconnecting (with the countdown, the
// number of edits not yet confirmed by the server, and a "Retry now" button), closed with the
// reason, or "session ended" (its own neutral state, never the green "connected").

import { byId, h } from "./dom.js";
import { renewClientId } from "./identity.js";

export const REMOVED_TEXT = "The interviewer removed you from this session. You cannot rejoin it.";

/** Where a tab remembers it was removed from `sessionId` (a reload does not rejoin). */
export const removedKey = (sessionId) => `interview:removed:${sessionId}`;

export class ConnectionBadge {
  /** `retry()`: reconnect now (the "Retry now" button). */
  constructor({ retry }) {
    this.el = byId("connection");
    this.button = h("button", { id: "retry-now", type: "button", class: "small secondary", text: "Retry now", hidden: true });
    this.button.addEventListener("click", retry);
    this.el.after(this.button);
    this.ended = false;
    this.unsent = 0;
    this.status = { state: "connecting" };
    this.countdown = null;
  }

  /** The edits typed here that the server has not confirmed yet (0 when in step). */
  setUnsent(count) {
    if (count === this.unsent) return;
    this.unsent = count;
    if (this.status.state !== "connected") this.render();
  }

  setEnded(ended) {
    this.ended = ended;
    this.render();
  }

  /** A socket status: {state, retryIn, reason} (socket.js). */
  show(status) {
    this.status = status;
    clearInterval(this.countdown);
    this.left = status.retryIn > 0 ? Math.ceil(status.retryIn / 1000) : 0;
    if (this.left > 0) {
      this.countdown = setInterval(() => {
        this.left -= 1;
        if (this.left <= 0) clearInterval(this.countdown);
        this.render();
      }, 1000);
    }
    this.render();
  }

  render() {
    const { state, reason } = this.status;
    const waiting = state === "reconnecting" || (state === "connecting" && this.unsent > 0);
    const unsent = this.unsent > 0 ? ` · ${this.unsent} unsent edit${this.unsent === 1 ? "" : "s"}` : "";
    let text;
    if (state === "connected") text = this.ended ? "session ended" : "connected";
    else if (state === "closed") text = reason ? `disconnected: ${reason}` : "disconnected";
    else if (state === "connecting") text = "connecting…";
    else text = this.left > 0 ? `reconnecting… (retry in ${this.left} s)` : "reconnecting…";
    this.el.dataset.state = state === "connected" && this.ended ? "ended" : state;
    this.el.textContent = state === "closed" || state === "connected" ? text : text + unsent;
    this.button.hidden = !waiting;
  }
}

/** The room's socket stopped for good with `reason`: the code is read-only, and Run,
 * Language, Send and notes are disabled saying why, instead of silently doing nothing; a
 * page replaced by another tab may take the session back. */
export function closedForGood(room, reason) {
  room.editor?.setReadOnly(true);
  lockOut(room, reason || "You are disconnected.");
  const banner = byId("readonly");
  if (reason) {
    banner.textContent = `${reason} The code is read-only here now.`;
    banner.hidden = false;
  }
  if (!reason || !reason.includes("another tab")) return;
  const button = h("button", { type: "button", text: "Use this tab instead" });
  button.addEventListener("click", () => {
    room.clientId = renewClientId();
    room.closed = null;
    room.socket.stopped = false;
    room.socket.start();
    banner.hidden = true;
  });
  banner.replaceChildren(h("span", { text: `${reason} ` }), button);
  banner.hidden = false;
}

/** Disable what this page can no longer do (`why` says why); `room.closed` keeps it so a
 * later session-state does not turn them back on. */
export function lockOut(room, why) {
  room.closed = why;
  if (why.includes("removed")) sessionStorage.setItem(removedKey(room.sessionId), "1");
  byId("language").disabled = true;
  room.run.setEnded(true, why);
  room.chat.enabled = false;
  if (room.notes !== null) room.notes.enabled = false;
  room.people.removable = false;
  byId("end").hidden = true;
}
