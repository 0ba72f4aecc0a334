// The whiteboard's sync with the server, with no DOM and no Excalidraw in it: which elements
// to send, what the server holds, and how a rejoin catches up (docs/protocol.md, "board-sync").
//
// Data model: a copy of an element is its [version, versionNonce]; of two copies the higher
// version wins, then the lower nonce (Excalidraw's rule, the server's too). `known` maps each
// element id to the copy the server holds, as far as this client has learned (from
// board-state, board-update and its own acked frames); `inflight` holds, per unanswered
// board-change (by ref), the copies it carried. An element is sent when its local copy beats
// both. Invariant: once every frame is answered and nothing changes locally, no local copy
// beats `known`'s (the scene keeps the winner of each pair it is given), so a flush sends
// nothing and every client shows the server's copies.
//
// The scene is an adapter: `elements()` gives every local element (deleted ones included),
// `apply(elements)` reconciles remote copies into it, `busy()` says whether the person is in
// the middle of a gesture. Excalidraw keeps its own copy of an element being dragged or
// edited whatever arrives; once the gesture ends, a local copy that still loses to the
// server's is replaced by it (`latest` keeps the server's copies this client was sent).

export const FLUSH_MS = 40;

/** Whether copy `a` ([version, nonce]) wins over copy `b` (undefined: none). */
export function beats(a, b) {
  return b === undefined || a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
}

const copyOf = (element) => [element.version, element.versionNonce];
const RETRY_MS = 1000;

export class BoardSync {
  constructor({ send, scene, schedule = (fn, ms) => setTimeout(fn, ms) }) {
    this.send = send;
    this.scene = scene;
    this.schedule = schedule;
    this.known = new Map();
    this.latest = new Map();
    this.inflight = new Map();
    this.refused = new Map();
    this.refs = 0;
    this.pending = false;
    this.synced = false;
  }

  ref() {
    this.refs += 1;
    return `b${this.refs}`;
  }

  /** Ask for the whole board (first open) or, after a rejoin, for what differs from `known`.
   * Frames in flight when the socket dropped are forgotten: the catch-up says what the
   * server got, and the next flush sends the rest. */
  sync() {
    this.inflight.clear();
    this.synced = false;
    const frame = { type: "board-sync", ref: this.ref() };
    if (this.known.size) frame.known = Object.fromEntries(this.known); // id -> [version, nonce]
    return this.send(frame);
  }

  /** Something changed locally: send it within FLUSH_MS (several changes, one frame). */
  changed() {
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => {
      this.pending = false;
      this.flush();
    }, FLUSH_MS);
  }

  /** The best copy of `id` the server has or is being sent. */
  serverCopy(id) {
    let copy = this.known.get(id);
    for (const copies of this.inflight.values()) {
      const sent = copies.get(id);
      if (sent !== undefined && beats(sent, copy)) copy = sent;
    }
    return copy;
  }

  /** Send every local element newer than what the server holds; returns how many. */
  flush() {
    if (!this.synced) return 0;
    const out = [];
    const copies = new Map();
    const behind = [];
    for (const element of this.scene.elements()) {
      const copy = copyOf(element);
      const known = this.known.get(element.id);
      if (known !== undefined && beats(known, copy) && this.latest.has(element.id)) {
        behind.push(this.latest.get(element.id));
      }
      if (!beats(copy, this.serverCopy(element.id))) continue;
      if (this.refused.get(element.id) === element.version) continue;
      out.push(element);
      copies.set(element.id, copy);
    }
    if (behind.length && !this.scene.busy()) this.scene.apply(behind);
    if (!out.length) return 0;
    const ref = this.ref();
    if (!this.send({ type: "board-change", elements: out, ref })) return 0; // offline: kept
    this.inflight.set(ref, copies);
    return out.length;
  }

  learn(elements) {
    for (const element of elements) {
      const copy = copyOf(element);
      if (beats(copy, this.known.get(element.id))) {
        this.known.set(element.id, copy);
        this.latest.set(element.id, element);
      }
    }
  }

  /** A board-* frame from the server. Returns true when it was one of ours to handle. */
  receive(frame) {
    switch (frame.type) {
      case "board-state":
        // What the server holds now, even older than what it had acknowledged (a restart
        // that lost the last fsync interval): the next flush sends what it lacks again.
        if (frame.whole) this.known.clear();
        for (const id of frame.missing || []) {
          this.known.delete(id);
          this.latest.delete(id);
        }
        for (const element of frame.elements) {
          this.known.set(element.id, copyOf(element));
          this.latest.set(element.id, element);
        }
        this.scene.apply(frame.elements);
        this.synced = true;
        this.flush();
        return true;
      case "board-update":
        this.learn(frame.elements);
        this.scene.apply(frame.elements);
        return true;
      case "board-ack": {
        const copies = this.inflight.get(frame.ref);
        if (copies === undefined) return true;
        this.inflight.delete(frame.ref);
        const stale = new Set(frame.stale || []);
        for (const [id, copy] of copies) {
          // A stale copy lost to one the server sent before this ack: `known` has it.
          if (!stale.has(id) && beats(copy, this.known.get(id))) {
            this.known.set(id, copy);
            this.latest.delete(id); // the server holds this client's own copy
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** An error answering one of our board-change frames: returns its message for people, or
   * null when the error was not ours. Refused elements are not sent again until they
   * change; a version regression takes the server's copies. */
  failed(frame) {
    const copies = this.inflight.get(frame.ref);
    if (copies === undefined) return null;
    this.inflight.delete(frame.ref);
    if (frame.code === "rate-limited") {
      this.schedule(() => this.flush(), RETRY_MS); // dropped unread: send it again later
      return null;
    }
    if (frame.code === "board-version-regression") {
      this.learn(frame.elements || []);
      this.scene.apply(frame.elements || []);
      return null;
    }
    if (frame.code === "invalid-board-element" && copies.has(frame.elementId)) {
      this.refused.set(frame.elementId, copies.get(frame.elementId)[0]);
      this.changed(); // the others in the frame go again
    } else {
      for (const [id, copy] of copies) this.refused.set(id, copy[0]);
    }
    return frame.message || frame.code;
  }
}
