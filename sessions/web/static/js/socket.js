// The room's WebSocket: connects, joins, reconnects with backoff, and hands frames on.
//
// States: "connecting", "connected" (joined), "reconnecting" (waiting `retryIn` ms),
// "closed" (for good: removed, replaced by another tab, refused, or the session is gone).
// Every (re)join is built by `joinFrame()`, so it carries the revision and historyId the
// OT client holds at that moment; frames sent while not joined are dropped (the OT client
// keeps its unconfirmed op and resends it after the rejoin).
//
// A connection can freeze without closing (Wi-Fi gone, a laptop lid): while joined, a `ping`
// goes out every HEARTBEAT_MS and any frame counts as an answer; nothing within PONG_MS means
// "frozen", and the socket is dropped and reopened. When the browser says it is `online`
// again, or the person presses "Retry now", a waiting reconnect starts at once.

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];
export const HEARTBEAT_MS = 4000;
export const PONG_MS = 3000;
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
    this.heartbeat = null;
    this.lastHeard = 0;
    this.pinged = 0;
    this.online = () => this.retryNow();
    window.addEventListener("online", this.online);
  }

  start() {
    this.open("connecting");
  }

  /** Reconnect now if a retry is waiting (the network is back, or the person asked); while
   * joined, check the connection at once instead (a ping, PONG_MS to answer). */
  retryNow() {
    if (this.stopped) return;
    if (this.ws !== null) {
      if (this.joined && this.ws.readyState === WebSocket.OPEN) {
        this.lastHeard = Math.min(this.lastHeard, performance.now() - HEARTBEAT_MS);
        this.pinged = performance.now();
        this.ws.send('{"type":"ping","ref":"heartbeat"}');
      }
      return;
    }
    clearTimeout(this.timer);
    this.attempt = 0;
    this.open("reconnecting");
  }

  /** While joined: ping, and drop a connection that stays silent for PONG_MS after one. */
  beat(ws) {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (ws !== this.ws) {
        clearInterval(this.heartbeat);
        return;
      }
      const silent = performance.now() - this.lastHeard;
      if (silent > HEARTBEAT_MS + PONG_MS) {
        clearInterval(this.heartbeat);
        this.onStatus({ state: "reconnecting", frozen: true, retryIn: 0 });
        ws.close(4000);
        this.closed(ws, 4000);
        return;
      }
      if (silent >= HEARTBEAT_MS - 50 && this.pinged <= this.lastHeard && ws.readyState === WebSocket.OPEN) {
        this.pinged = performance.now();
        ws.send('{"type":"ping","ref":"heartbeat"}');
      }
    }, PONG_MS / 3);
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
    clearInterval(this.heartbeat);
    window.removeEventListener("online", this.online);
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
    this.lastHeard = performance.now();
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
        this.lastHeard = performance.now();
        this.beat(ws);
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
    if (frame.type === "pong" && frame.ref === "heartbeat") return;
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
    clearInterval(this.heartbeat);
    if (code === CLOSE_REMOVED) {
      this.stop("The interviewer removed you from this session. You cannot rejoin it.");
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
