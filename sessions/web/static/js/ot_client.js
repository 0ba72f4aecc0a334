// The ot.js client state machine, with no DOM and no socket: it is told what happened and
// returns what to send or what to apply to the editor.
//
// The client keeps two texts: `server`, the document at `revision` as the server has it, and
// `local`, what the person sees: `server` with the in-flight op and the buffer applied.
// Operations from the server are in code points against `server`; they are transformed over
// the pending ops and converted to UTF-16 editor changes against `local`, never against the
// editor's text at another moment.
//
// States (docs/protocol.md, "Concurrency"):
//   synchronized          inflight == null, buffer == null
//   awaiting confirm      inflight != null, buffer == null
//   awaiting with buffer  inflight != null, buffer != null
// Invariants: apply(server, compose(inflight, buffer)) == local; every op has a unique opId.

import * as ot from "./ot.js";

export const SYNCHRONIZED = "synchronized";
export const AWAITING_CONFIRM = "awaiting-confirm";
export const AWAITING_WITH_BUFFER = "awaiting-with-buffer";

export class OTClient {
  /** `opPrefix`: unique to this page load (the tab's clientId plus a random part, since a
   * reloaded tab keeps its clientId and must not reuse an opId), the prefix of every opId. */
  constructor({ opPrefix, revision, text, historyId }) {
    this.opPrefix = opPrefix;
    this.revision = revision;
    this.historyId = historyId;
    this.server = text;
    this.local = text;
    this.inflight = null; // {ops, opId}
    this.buffer = null; // ops
    this.seq = 0;
  }

  get state() {
    if (this.inflight === null) return SYNCHRONIZED;
    return this.buffer === null ? AWAITING_CONFIRM : AWAITING_WITH_BUFFER;
  }

  /** The unconfirmed ops composed (against `server`), or null. */
  pending() {
    if (this.inflight === null) return null;
    return this.buffer === null ? this.inflight.ops : ot.compose(this.inflight.ops, this.buffer);
  }

  /** The person changed the text: `changes` are UTF-16 {from, to, insert} against `local`.
   * Returns the code-change frame to send now, or null (it waits in the buffer). */
  applyLocal(changes) {
    const ops = ot.fromChanges(this.local, changes);
    if (ot.isNoop(ops)) return null;
    this.local = ot.apply(this.local, ops);
    if (this.inflight === null) {
      this.inflight = { ops, opId: this.nextOpId() };
      return this.frame();
    }
    this.buffer = this.buffer === null ? ops : ot.compose(this.buffer, ops);
    return null;
  }

  /** Someone else's op at `revision` (the server's new revision). Returns the editor changes
   * (UTF-16 against the editor's current text) that apply it locally. */
  applyServer(ops, revision) {
    if (revision !== undefined && revision <= this.revision) return []; // already counted
    let incoming = ops;
    if (this.inflight !== null) {
      const [inflight, over] = ot.transform(this.inflight.ops, incoming);
      this.inflight = { ops: inflight, opId: this.inflight.opId };
      incoming = over;
      if (this.buffer !== null) {
        const [buffer, over2] = ot.transform(this.buffer, incoming);
        this.buffer = buffer;
        incoming = over2;
      }
    }
    this.server = ot.apply(this.server, ops);
    this.revision = revision ?? this.revision + 1;
    const changes = ot.toChanges(this.local, incoming);
    this.local = ot.apply(this.local, incoming);
    return changes;
  }

  /** The server applied our in-flight op as `revision`. Returns the next frame to send (the
   * buffer), or null. An ack for a revision already counted is ignored. */
  serverAck(revision) {
    if (this.inflight === null || revision <= this.revision) return null;
    this.server = ot.apply(this.server, this.inflight.ops);
    this.revision = revision;
    if (this.buffer === null) {
      this.inflight = null;
      return null;
    }
    this.inflight = { ops: this.buffer, opId: this.nextOpId() };
    this.buffer = null;
    return this.frame();
  }

  /** A rejoin's `missed` entries: each is an ack of our op (its opId) or someone else's op.
   * Returns {changes, send}: editor changes to apply, and the frame to (re)send, with the
   * in-flight op's original opId when the server has not applied it yet. */
  applyMissed(missed) {
    const changes = [];
    let send = null;
    for (const entry of missed) {
      if (this.inflight !== null && entry.opId === this.inflight.opId) {
        send = this.serverAck(entry.revision) ?? send;
      } else {
        const local = this.local;
        const step = this.applyServer(entry.ops, entry.revision);
        if (step.length) changes.push({ before: local, changes: step });
      }
    }
    return { changes, send: this.inflight !== null ? this.frame() : send };
  }

  /** The server's history is not the one our revision was counted in (or is out of its
   * log): `text`/`revision` become the base, and our unconfirmed edits are re-applied on top
   * as one new operation (rebased over the difference between the two texts). Returns
   * {text, send}: the editor's new text and the frame to send, or null. */
  reset({ text, revision, historyId }) {
    const pending = this.pending();
    let mine = null;
    if (pending !== null) {
      const [rebased] = ot.transform(pending, ot.diff(this.server, text));
      if (!ot.isNoop(rebased)) mine = rebased;
    }
    this.server = text;
    this.revision = revision;
    this.historyId = historyId;
    this.buffer = null;
    this.inflight = mine === null ? null : { ops: mine, opId: this.nextOpId() };
    this.local = mine === null ? text : ot.apply(text, mine);
    return { text: this.local, send: mine === null ? null : this.frame() };
  }

  /** The in-flight op as a code-change frame (also what a reconnect resends). */
  frame() {
    if (this.inflight === null) return null;
    return {
      type: "code-change",
      revision: this.revision,
      ops: this.inflight.ops,
      opId: this.inflight.opId,
    };
  }

  /** A local UTF-16 position as a code-point position in `server` at `revision` (for a
   * cursor frame): positions inside our unconfirmed text fall back to where it was inserted. */
  toServerPosition(index) {
    const cp = ot.cpIndex(this.local, index);
    const pending = this.pending();
    if (pending === null) return cp;
    return ot.transformIndex(cp, ot.invert(pending, this.server));
  }

  /** A code-point position in `server` as a UTF-16 position in `local`. */
  toLocalPosition(cp) {
    const pending = this.pending();
    const moved = pending === null ? cp : ot.transformIndex(cp, pending);
    return ot.utf16Index(this.local, moved);
  }

  nextOpId() {
    this.seq += 1;
    return `${this.opPrefix}:${this.seq}`;
  }
}
