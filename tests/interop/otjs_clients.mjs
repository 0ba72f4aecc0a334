// Several ot.js clients (npm `ot`, its own `ot.Client` state machine) typing at once into one
// interview-server session over real WebSockets (npm `ws`), dropping connections mid-flight.
//
//   node otjs_clients.mjs --url http://127.0.0.1:PORT --session ID --seed 7
//                         [--clients 5] [--edits 300] [--drops 2] [--timeout 60]
//
// Each client types `--edits` random edits: insertions of unique tokens «c<i>.<n>…» that hold
// emoji (😀, 👍🏽), CJK (漢字) and newlines, filler text between them, and deletions of filler
// ranges (never a token's character, so every token must survive exactly once). Each client
// drops its socket `--drops` times, always with an operation in flight, and comes back with
// its revision, history id and client id; the drops alternate between one after the server
// applied the op (its ack is lost) and one before the op left (the op is lost). Now and then
// a client also resends its in-flight operation on the same socket, as a client whose ack
// timer fired would: the server must apply it once. When every client is idle and has every
// revision, the script prints one JSON line: each client's text, the tokens it inserted and
// the figures; the pytest side compares them with the server's document. Exit status 1 (with
// "error" in the line) on any failure.
//
// The OT happens in UTF-16 (ot.js); the wire counts code points. codepoints.mjs converts at
// the boundary, against the server text at the client's revision (see its header).

import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import ot from "ot";
import WebSocket from "ws";
import { codePointLength, toCodePoints, toUtf16 } from "./codepoints.mjs";

const { Client, TextOperation } = ot;

const FILLER = ["a", "b", "c", "x", "y", "z", " ", " ", "\n", "é", "🙂", "ß"];
const DECORATIONS = ["😀", "👍🏽", "漢字", "\n", "😀漢字", "👍🏽\n漢字", "字😀\n", "𝔘👍🏽"];
const OPEN = "«";
const CLOSE = "»";

function parseArgs(argv) {
  const args = { clients: 5, edits: 300, drops: 2, timeout: 60, maxDelayMs: 8 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    args[key] = ["url", "session"].includes(key) ? value : Number(value);
  }
  if (!args.url || !args.session || !Number.isInteger(args.seed)) {
    throw new Error("usage: otjs_clients.mjs --url URL --session ID --seed N [--clients N] ...");
  }
  return args;
}

/** mulberry32: a small seeded PRNG, so a failing seed can be run again. */
function prng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (items) => items[next.int(items.length)];
  return next;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class ProtocolFailure extends Error {}

/**
 * One participant: ot.js's Client with the two hooks filled in, a socket, the editor's text
 * and, beside it, the server's text at `this.revision` (see codepoints.mjs).
 */
class InteropClient extends Client {
  constructor(index, args, random) {
    super(0);
    this.index = index;
    this.args = args;
    this.random = random;
    this.clientId = randomBytes(16).toString("base64url"); // 22 characters, 128 bits
    this.text = ""; // the editor: UTF-16, with every local edit
    this.serverText = ""; // the server's document at this.revision
    this.ws = null;
    this.online = false;
    this.dropOnAck = null; // when set: lose frames up to the next ack, then drop for this many ms
    this.back = Promise.resolve(); // the reconnect after the last drop
    this.historyId = null;
    this.seq = 0;
    this.outstandingId = null; // the opId of the op in flight
    this.resending = false;
    this.tokens = [];
    this.changes = new EventEmitter();
    this.failure = null;
    this.stats = {
      edits: 0,
      drops: 0,
      ackedInMissed: 0, // an in-flight op found applied in `missed` after a drop
      ackedByUpdate: 0, // ... or in a code-update carrying its opId
      resentAfterDrop: 0, // an in-flight op the server had not got, sent again after a drop
      resentOnline: 0, // an in-flight op sent twice on the same socket
      staleAcks: 0, // acks for a revision already counted (the duplicate's ack)
      resets: 0,
      rejoinsWithHistory: 0,
    };
  }

  get awaiting() {
    return !(this.state instanceof Client.Synchronized);
  }

  // --- ot.Client hooks ----------------------------------------------------------------------

  sendOperation(revision, operation) {
    if (revision !== this.revision) throw new ProtocolFailure("sent at a revision not ours");
    const ops = toCodePoints(operation.toJSON(), this.serverText);
    if (!this.resending) {
      this.seq += 1;
      this.outstandingId = `${this.clientId}:${this.seq}`;
    }
    this.send({ type: "code-change", revision, ops, opId: this.outstandingId });
  }

  applyOperation(operation) {
    this.text = operation.apply(this.text);
  }

  // --- connection ---------------------------------------------------------------------------

  wsUrl() {
    return `${this.args.url.replace(/^http/, "ws")}/ws`;
  }

  send(frame) {
    // Offline, the frame is lost in transit; the reconnect resends what is unconfirmed.
    if (this.online) this.ws.send(JSON.stringify(frame));
  }

  /** Open a socket and join; with `resume`, as a reconnect that catches up and resends. */
  async connect(resume) {
    const ws = new WebSocket(this.wsUrl());
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    ws.on("error", () => {}); // a terminated socket may report ECONNRESET; close follows
    const join = {
      type: "join-session",
      sessionId: this.args.session,
      name: `otjs-${this.index}`,
      role: "candidate",
      clientId: this.clientId,
      fullCode: false,
    };
    if (resume) {
      join.revision = this.revision;
      if (this.historyId !== null) {
        join.historyId = this.historyId; // from the last session-state, when the server sends one
        this.stats.rejoinsWithHistory += 1;
      }
    }
    await new Promise((resolve, reject) => {
      let joined = false;
      // One handler from the start: `ws` may emit several frames in one tick, and a frame
      // that follows session-state must not slip past before a second handler is attached.
      ws.on("message", (data) => {
        const frame = JSON.parse(data.toString());
        if (!joined) {
          joined = true;
          if (frame.type !== "session-state") {
            reject(new ProtocolFailure(`join answered with ${JSON.stringify(frame)}`));
            return;
          }
          this.ws = ws;
          this.online = true;
          this.historyId = frame.historyId ?? null;
          this.guard(() => (resume ? this.resume(frame) : this.resync(frame)));
          resolve();
        } else if (ws === this.ws && this.online && this.dropOnAck !== null) {
          // The in-flight op's ack (not a duplicate's) is lost too, with the socket.
          const applied = frame.type === "ack" && frame.revision > this.revision;
          if (applied) this.guard(() => this.drop(this.dropOnAck));
          else if (frame.type === "error") this.guard(() => this.onFrame(frame));
        } else if (ws === this.ws && this.online) {
          this.guard(() => this.onFrame(frame));
        }
      });
      ws.once("close", () => {
        if (!joined) reject(new ProtocolFailure("closed before session-state"));
      });
      ws.send(JSON.stringify(join));
    });
  }

  /** Lose the connection abruptly (no close handshake); come back after `offlineMs`. */
  drop(offlineMs) {
    this.online = false;
    this.dropOnAck = null;
    this.stats.drops += 1;
    this.ws.terminate();
    const back = sleep(offlineMs).then(() => this.connect(true));
    this.back = back.catch((error) => this.guard(() => (this.failure ??= error)));
  }

  /** Lose every frame up to the next ack, then the ack and the socket (see drop). */
  loseNextAck(offlineMs) {
    this.dropOnAck = offlineMs;
  }

  /** Catch up on a reconnect: the missed ops (one of them may be ours), then resend. */
  resume(state) {
    if (state.reset === true || !Array.isArray(state.missed)) {
      // Another history, or out of the op log: the snapshot is the new base.
      this.stats.resets += 1;
      this.resync(state);
      return;
    }
    const inFlight = this.outstandingId;
    for (const entry of state.missed) {
      this.onServerOp(entry.revision, entry.ops, entry.opId ?? null, "ackedInMissed");
    }
    // Still unconfirmed: the server never got it. (Had `missed` held it, its ack has sent the
    // buffered edits as a new op already.)
    if (this.awaiting && this.outstandingId === inFlight) {
      this.stats.resentAfterDrop += 1;
      this.resend();
    }
  }

  /** Take the server's document as the base; unconfirmed local edits are lost. */
  resync(state) {
    this.text = this.serverText = state.session.code;
    this.revision = state.session.revision;
    this.state = new Client.Synchronized();
    this.outstandingId = null;
  }

  /** Send the in-flight op again, transformed to the current revision, with the same opId. */
  resend() {
    this.resending = true;
    try {
      this.serverReconnect();
    } finally {
      this.resending = false;
    }
  }

  // --- frames -------------------------------------------------------------------------------

  guard(action) {
    try {
      action();
    } catch (error) {
      this.failure ??= error;
    }
    this.changes.emit("change");
  }

  onFrame(frame) {
    if (frame.type === "code-update") {
      this.onServerOp(frame.revision, frame.ops, frame.opId ?? null, "ackedByUpdate");
    } else if (frame.type === "ack") {
      this.onAck(frame.revision);
    } else if (frame.type === "error") {
      throw new ProtocolFailure(`client ${this.index} got ${JSON.stringify(frame)}`);
    }
  }

  /** A server op at `revision`; `via` names the figure that counts it when it is ours. */
  onServerOp(revision, ops, opId, via) {
    if (revision <= this.revision) return; // already counted (came by another path)
    if (revision !== this.revision + 1) {
      const gap = `revision ${revision} after ${this.revision}`;
      throw new ProtocolFailure(`client ${this.index}: ${gap}`);
    }
    if (this.awaiting && opId !== null && opId === this.outstandingId) {
      this.stats[via] += 1; // our in-flight op, applied: its ack
      this.acknowledge();
      return;
    }
    const operation = TextOperation.fromJSON(toUtf16(ops, this.serverText));
    this.serverText = operation.apply(this.serverText);
    this.applyServer(operation);
  }

  onAck(revision) {
    if (revision <= this.revision) {
      this.stats.staleAcks += 1; // an op already counted: its duplicate's ack
      return;
    }
    if (!this.awaiting || revision !== this.revision + 1) {
      throw new ProtocolFailure(`client ${this.index}: ack ${revision} at ${this.revision}`);
    }
    this.acknowledge();
  }

  acknowledge() {
    this.serverText = this.state.outstanding.apply(this.serverText);
    this.outstandingId = null;
    this.serverAck(); // may send the buffer as the next op (a new opId)
  }

  // --- typing -------------------------------------------------------------------------------

  edit() {
    const operation = this.random() < 0.35 ? this.deletion() : null;
    const op = operation ?? this.insertion();
    this.text = op.apply(this.text);
    this.applyClient(op);
    this.stats.edits += 1;
  }

  insertion() {
    const { chars, depths } = this.layout();
    const free = [];
    for (let p = 0; p <= chars.length; p += 1) if (depths[p] === 0) free.push(p);
    const at = this.random.pick(free);
    let inserted = this.filler(1 + this.random.int(3));
    if (this.random() < 0.6) {
      const id = `c${this.index}.${this.tokens.length}`;
      const token = `${OPEN}${id}${this.random.pick(DECORATIONS)}${CLOSE}`;
      this.tokens.push(token);
      inserted = this.random() < 0.5 ? token : `${this.filler(1)}${token}${inserted}`;
    }
    const before = chars.slice(0, at).join("").length;
    return new TextOperation()
      .retain(before)
      .insert(inserted)
      .retain(this.text.length - before);
  }

  /** Delete the filler in a random range of code points, keeping every token character. */
  deletion() {
    const { chars, depths } = this.layout();
    if (chars.length === 0) return null;
    const start = this.random.int(chars.length);
    const end = Math.min(chars.length, start + 1 + this.random.int(12));
    const op = new TextOperation().retain(chars.slice(0, start).join("").length);
    for (let p = start; p < end; p += 1) {
      const units = chars[p].length;
      const filler = depths[p] === 0 && chars[p] !== OPEN;
      if (filler) op.delete(units);
      else op.retain(units);
    }
    op.retain(chars.slice(end).join("").length);
    return op.ops.some((c) => TextOperation.isDelete(c)) ? op : null;
  }

  /** The editor's code points, and at each boundary how many tokens are open there. */
  layout() {
    const chars = [...this.text];
    const depths = [0];
    for (const ch of chars) {
      const depth = depths[depths.length - 1];
      depths.push(ch === OPEN ? depth + 1 : ch === CLOSE ? depth - 1 : depth);
    }
    return { chars, depths };
  }

  filler(n) {
    let text = "";
    for (let i = 0; i < n; i += 1) text += this.random.pick(FILLER);
    return text;
  }

  /** Resolve when `predicate()` holds (checked on every frame), fail after `ms`. */
  until(predicate, what, ms) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) finish(this.failure);
        else if (predicate()) finish(null);
      };
      const finish = (error) => {
        clearTimeout(timer);
        this.changes.off("change", check);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new ProtocolFailure(`client ${this.index}: not ${what} within ${ms} ms`)),
        ms,
      );
      this.changes.on("change", check);
      check();
    });
  }
}

/** One client's typing: edits with small random pauses, drops and duplicate sends. */
async function type(client, args, random) {
  const dropAt = new Set();
  const drops = Math.min(args.drops, args.edits - 1);
  while (dropAt.size < drops) dropAt.add(1 + random.int(args.edits - 1));
  let dropsDone = 0;
  for (let i = 0; i < args.edits; i += 1) {
    await sleep(random.int(args.maxDelayMs + 1));
    if (client.failure) throw client.failure;
    if (dropAt.has(i)) {
      // In turn: the server applies the op in flight and its ack is lost with the socket (the
      // reconnect finds the op in `missed`; the edit is that op, or buffered behind it), or
      // the socket dies first and the op sent now is lost (the reconnect resends it).
      const ackLost = dropsDone % 2 === 0;
      const ready = () =>
        client.online && client.dropOnAck === null && (ackLost || !client.awaiting);
      await client.until(ready, "ready to drop", 10_000);
      const offlineMs = 5 + random.int(60);
      if (ackLost) {
        client.edit();
        client.loseNextAck(offlineMs);
      } else {
        client.drop(offlineMs);
        client.edit();
      }
      dropsDone += 1;
      continue;
    }
    client.edit();
    if (client.online && client.awaiting && random() < 0.03) {
      // As a client whose ack timer fired: the same op, same opId, on the same socket.
      client.stats.resentOnline += 1;
      client.resend();
    }
  }
  await client.until(() => client.dropOnAck === null, "dropped", 10_000);
  await client.back;
  if (client.failure) throw client.failure;
  await client.until(() => client.online && !client.awaiting, "idle", 10_000);
}

async function serverDocument(args) {
  const response = await fetch(`${args.url}/api/sessions/${args.session}`);
  if (!response.ok) throw new ProtocolFailure(`GET session: ${response.status}`);
  return response.json();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const clients = [];
  for (let i = 0; i < args.clients; i += 1) {
    clients.push(new InteropClient(i, args, prng(args.seed * 1000 + i)));
  }
  const deadline = setTimeout(
    () => exit(1, report(args, clients, null, new Error(`not done within ${args.timeout} s`))),
    args.timeout * 1000,
  );
  try {
    for (const client of clients) await client.connect(false);
    await Promise.all(clients.map((c, i) => type(c, args, prng(args.seed * 7919 + i))));
    // Everyone is idle, so the server has every op: wait until each client has them all.
    const { revision } = await serverDocument(args);
    const caughtUp = (c) => c.until(() => c.revision === revision, "caught up", 10_000);
    await Promise.all(clients.map(caughtUp));
    for (const client of clients) client.ws.close();
    clearTimeout(deadline);
    exit(0, report(args, clients, revision, null));
  } catch (error) {
    clearTimeout(deadline);
    exit(1, report(args, clients, null, error));
  }
}

/** Exit once `line` is written: stdout may be a pipe, and exit() would cut it short. */
function exit(status, line) {
  process.stdout.write(line, () => process.exit(status));
}

/** The JSON line the pytest side reads. */
function report(args, clients, revision, error) {
  const total = (key) => clients.reduce((sum, c) => sum + c.stats[key], 0);
  const line = {
    seed: args.seed,
    clients: clients.length,
    edits: total("edits"),
    drops: total("drops"),
    ackedInMissed: total("ackedInMissed"),
    ackedByUpdate: total("ackedByUpdate"),
    resentAfterDrop: total("resentAfterDrop"),
    resentOnline: total("resentOnline"),
    staleAcks: total("staleAcks"),
    resets: total("resets"),
    rejoinsWithHistory: total("rejoinsWithHistory"),
    revision,
    texts: clients.map((c) => c.text),
    lengths: clients.map((c) => codePointLength(c.text)),
    tokens: clients.flatMap((c) => c.tokens),
  };
  if (error) line.error = String(error.stack ?? error);
  return `${JSON.stringify(line)}\n`;
}

await main();
