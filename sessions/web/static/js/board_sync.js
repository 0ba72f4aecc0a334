// The whiteboard's sync with the server, with no DOM and no Excalidraw in it: which elements
// to send, what the server holds, and how a rejoin catches up (docs/protocol.md, "board-sync").
//
// Data model: `known` maps each element id to the version of the copy the server holds, as
// far as this client has learned (from board-state, board-update and its own acked frames);
// `inflight` holds, per unanswered board-change (by ref), the versions it carried. An
// element is sent when its local version is above both. Invariant: after every frame is
// answered and nothing changes locally, every local element's version equals `known`'s,
// so a flush sends nothing; copies are reconciled by the scene (Excalidraw's own rule,
// the server's too), so every client converges on the server's copies.
//
// The scene is an adapter: `elements()` gives every local element (deleted ones included),
// `apply(elements)` reconciles remote copies into it.

export const FLUSH_MS = 40;
const RETRY_MS = 1000;

export class BoardSync {
  constructor({ send, scene, schedule = (fn, ms) => setTimeout(fn, ms) }) {
    this.send = send;
    this.scene = scene;
    this.schedule = schedule;
    this.known = new Map();
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
    if (this.known.size) frame.known = Object.fromEntries(this.known);
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

  serverVersion(id) {
    let version = this.known.get(id) ?? 0;
    for (const versions of this.inflight.values()) {
      const sent = versions.get(id);
      if (sent !== undefined && sent > version) version = sent;
    }
    return version;
  }

  /** Send every local element newer than what the server holds; returns how many. */
  flush() {
    if (!this.synced) return 0;
    const out = [];
    const versions = new Map();
    for (const element of this.scene.elements()) {
      if (element.version <= this.serverVersion(element.id)) continue;
      if (this.refused.get(element.id) === element.version) continue;
      out.push(element);
      versions.set(element.id, element.version);
    }
    if (!out.length) return 0;
    const ref = this.ref();
    if (!this.send({ type: "board-change", elements: out, ref })) return 0; // offline: kept
    this.inflight.set(ref, versions);
    return out.length;
  }

  learn(elements) {
    for (const element of elements) {
      if (element.version > (this.known.get(element.id) ?? 0)) this.known.set(element.id, element.version);
    }
  }

  /** A board-* frame from the server. Returns true when it was one of ours to handle. */
  receive(frame) {
    switch (frame.type) {
      case "board-state":
        if (frame.whole) this.known.clear();
        for (const id of frame.missing || []) this.known.delete(id);
        this.learn(frame.elements);
        this.scene.apply(frame.elements);
        this.synced = true;
        this.flush();
        return true;
      case "board-update":
        this.learn(frame.elements);
        this.scene.apply(frame.elements);
        return true;
      case "board-ack": {
        const versions = this.inflight.get(frame.ref);
        if (versions === undefined) return true;
        this.inflight.delete(frame.ref);
        const stale = new Set(frame.stale || []);
        for (const [id, version] of versions) {
          // A stale copy lost to one the server sent before this ack: `known` has it.
          if (!stale.has(id) && version > (this.known.get(id) ?? 0)) this.known.set(id, version);
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
    const versions = this.inflight.get(frame.ref);
    if (versions === undefined) return null;
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
    if (frame.code === "invalid-board-element" && versions.has(frame.elementId)) {
      this.refused.set(frame.elementId, versions.get(frame.elementId));
      this.changed(); // the others in the frame go again
    } else {
      for (const [id, version] of versions) this.refused.set(id, version);
    }
    return frame.message || frame.code;
  }
}
