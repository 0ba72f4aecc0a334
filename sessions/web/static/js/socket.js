// The room's WebSocket: connects, joins, reconnects with backoff, and hands frames on.
//
// States: "connecting", "connected" (joined), "reconnecting" (waiting `retryIn` ms),
// "closed" (for good: removed, replaced by another tab, refused, or the session is gone).
// Every (re)join is built by `joinFrame()`, so it carries the revision and historyId the
// OT client holds at that moment; frames sent while not joined are dropped (the OT client
// keeps its unconfirmed op and resends it after the rejoin).

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
const FATAL_JOIN_ERRORS = new Set(["session-not-found", "forbidden", "session-full"]);
export const CLOSE_REMOVED = 4001;
export const CLOSE_REPLACED = 4002;

export class RoomSocket {
  /** `url()`: where to connect, built for each (re)join. `joinFrame()`: the frame to send
   * on each open, or null. `gone()`: after a socket that closed without opening, a promise of
   * the reason it never will (stop), or null (retry). `onFrame(frame)`: every frame once
   * joined (the session-state included). `onStatus({state, retryIn, reason})`. */
  constructor({ url, joinFrame, gone = async () => null, onFrame, onStatus }) {
    this.url = url;
    this.joinFrame = joinFrame;
    this.gone = gone;
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.ws = null;
    this.joined = false;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.open("connecting");
  }

  /** Send a frame if joined; returns whether it was sent. */
  send(frame) {
    if (!this.joined || this.ws === null || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drop the connection and rejoin at once (a resync after a refused edit). */
  reconnectNow() {
    if (this.ws !== null) this.ws.close(4000);
  }

  /** Stop for good with `reason` shown to the person. */
  stop(reason) {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws !== null) this.ws.close(1000);
    this.ws = null;
    this.joined = false;
    this.onStatus({ state: "closed", reason });
  }

  open(state) {
    this.onStatus({ state, retryIn: 0 });
    const ws = new WebSocket(this.url());
    this.ws = ws;
    this.joined = false;
    let opened = false;
    ws.addEventListener("open", () => {
      opened = true;
      const frame = this.joinFrame();
      if (frame !== null) ws.send(JSON.stringify(frame));
    });
    ws.addEventListener("message", (event) => this.receive(ws, event.data));
    ws.addEventListener("close", (event) => {
      if (opened) {
        this.closed(ws, event.code);
        return;
      }
      // Refused before the upgrade (an unknown session is a 404 then): ask why.
      this.gone().then((reason) => {
        if (ws !== this.ws || this.stopped) return;
        if (reason) this.stop(reason);
        else this.closed(ws, event.code);
      });
    });
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!this.joined) {
      if (frame.type === "session-state") {
        this.joined = true;
        this.attempt = 0;
        this.onStatus({ state: "connected" });
      } else if (frame.type === "error" && FATAL_JOIN_ERRORS.has(frame.code)) {
        this.stop(frame.message || frame.code);
        return;
      } else if (frame.type === "error") {
        // Refused for now (capacity, rate): say why, then try again with backoff.
        this.onFrame(frame);
        ws.close(4000);
        return;
      }
    }
    if (frame.type === "replaced") {
      this.stop("This room was opened again in another tab or window with your identity.");
      return;
    }
    this.onFrame(frame);
  }

  closed(ws, code) {
    if (ws !== this.ws || this.stopped) return;
    this.ws = null;
    this.joined = false;
    if (code === CLOSE_REMOVED) {
      this.stop("The interviewer removed you from this session.");
      return;
    }
    if (code === CLOSE_REPLACED) {
      this.stop("This room was opened again in another tab or window with your identity.");
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
    this.attempt += 1;
    this.onStatus({ state: "reconnecting", retryIn: jittered });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open("reconnecting"), jittered);
  }
}
