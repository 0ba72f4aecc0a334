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
//
// The server numbers what it sends a socket consecutively. A `code-update` or an `ack` that
// does not follow the revision counted (a frame lost or reordered) would be applied to a text
// it was not made for, so it is refused with `OutOfStep` and changes nothing: the room rejoins
// with the revision it counted, and the `missed` ops fill the gap. An ack at or below that
// revision is for an op already counted (recognised by its opId on another path): ignored.
//
// tests/otclient.py is this machine in Python, for the tests' randomized clients;
// tests/test_ot_client_parity.py runs both on the same random scripts and requires the same
// state and output after every step.

import * as ot from "./ot.js";

export const SYNCHRONIZED = "synchronized";
export const AWAITING_CONFIRM = "awaiting-confirm";
export const AWAITING_WITH_BUFFER = "awaiting-with-buffer";

/** A server frame that does not follow the revision this client counted: rejoin with it. */
export class OutOfStep extends Error {
  constructor(message) {
    super(message);
    this.name = "OutOfStep";
  }
}

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

  /** The op with `opId`, applied by the server as `revision`. Someone else's is rebased over
   * the pending ops (they over it); ours (our in-flight opId, seen again after a rejoin) is
   * our ack. Returns {changes, send}: the editor changes (UTF-16 against the editor's current
   * text) and the frame to send next, or null. Throws OutOfStep for a revision that does not
   * follow `revision`. */
  applyServer(ops, revision, opId = null) {
    if (this.inflight !== null && opId === this.inflight.opId) {
      return { changes: [], send: this.serverAck(revision) };
    }
    this.checkNext(revision);
    let incoming = ops;
    let inflight = this.inflight;
    let buffer = this.buffer;
    if (inflight !== null) {
      const [mine, over] = ot.transform(inflight.ops, incoming);
      inflight = { ops: mine, opId: inflight.opId };
      incoming = over;
    }
    if (buffer !== null) [buffer, incoming] = ot.transform(buffer, incoming);
    const server = ot.apply(this.server, ops);
    const changes = ot.toChanges(this.local, incoming);
    const local = ot.apply(this.local, incoming);
    Object.assign(this, { server, local, inflight, buffer, revision });
    return { changes, send: null };
  }

  /** The server applied our in-flight op as `revision`. Returns the next frame to send (the
   * buffer), or null. An ack for a revision already counted is ignored; one with nothing in
   * flight, or past the next revision, throws OutOfStep. */
  serverAck(revision) {
    if (revision <= this.revision) return null;
    if (this.inflight === null) {
      throw new OutOfStep(`an acknowledgement of revision ${revision} with nothing sent`);
    }
    this.checkNext(revision);
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

  /** A rejoin's `missed` entries (oldest first), each an ack of our op (by its opId) or
   * someone else's op. Returns {changes, send}: editor changes to apply, each with the text
   * `before` it, and the in-flight op to resend with its opId unchanged (the server applies
   * it once), or null. Entries that do not follow `revision` one by one throw OutOfStep
   * before any is applied. */
  applyMissed(missed) {
    missed.forEach((entry, k) => this.checkNext(entry.revision, this.revision + k));
    const changes = [];
    for (const entry of missed) {
      const before = this.local;
      const step = this.applyServer(entry.ops, entry.revision, entry.opId);
      if (step.changes.length) changes.push({ before, changes: step.changes });
    }
    return { changes, send: this.frame() };
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
    return { text: this.local, send: this.frame() };
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

  /** Throw OutOfStep unless `revision` is the one after `counted`. */
  checkNext(revision, counted = this.revision) {
    if (revision !== counted + 1) {
      throw new OutOfStep(`expected revision ${counted + 1} from the server, got ${revision}`);
    }
  }

  nextOpId() {
    this.seq += 1;
    return `${this.opPrefix}:${this.seq}`;
  }
}
