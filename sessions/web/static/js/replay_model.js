// The replay's data, without the DOM: the interview as a list of moments (every timeline
// event: each code change, run, chat message, note, join, leave, signal…), and the state of the
// code after any number of code changes: its text, who wrote each part (author runs), which
// ranges the last change touched, and how often each line was edited (the heatmap).
//
// A long interview has tens of thousands of changes: the state is kept at a checkpoint every
// CHECKPOINT changes, so any moment is at most CHECKPOINT - 1 changes away from a kept state,
// and stepping forward one change (playback) applies one change to the current state.
// Positions are UTF-16 offsets (the editor's); the server's operations count code points and
// are turned into editor changes with ot.toChanges.

import * as ot from "./ot.js";

export const CHECKPOINT = 256;
const MAX_COMPOSED = 4096; // a longer jump is shown through a diff of the texts
const NOBODY = -1;

/** Runs after `changes` ({from, to, insert}, ascending, against the old text) by `author`. */
export function applyRuns(runs, changes, author) {
  const out = [];
  const push = (len, who) => {
    if (len <= 0) return;
    const last = out[out.length - 1];
    if (last && last.who === who) last.len += len;
    else out.push({ len, who });
  };
  let r = 0; // index into runs
  let offset = 0; // consumed length of runs[r]
  let position = 0; // old-text position reached
  const copy = (until) => {
    while (position < until && r < runs.length) {
      const take = Math.min(runs[r].len - offset, until - position);
      push(take, runs[r].who);
      offset += take;
      position += take;
      if (offset === runs[r].len) { r += 1; offset = 0; }
    }
  };
  const skip = (until) => {
    while (position < until && r < runs.length) {
      const take = Math.min(runs[r].len - offset, until - position);
      offset += take;
      position += take;
      if (offset === runs[r].len) { r += 1; offset = 0; }
    }
  };
  for (const { from, to, insert } of changes) {
    copy(from);
    push(insert.length, author);
    skip(to);
  }
  copy(Infinity);
  return out;
}

function newlines(text) {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}

/** The line holding `position`: the last line starting at or before it. */
function lineOf(starts, position) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Update the line starts and each line's heat for `changes` (against a text of `length`):
 * each line a change touches gains one; in place. */
export function applyLines(state, changes) {
  const { starts, heat } = state;
  let length = state.length;
  for (let c = changes.length - 1; c >= 0; c--) { // from the end: earlier offsets hold
    const { from, to, insert } = changes[c];
    const first = lineOf(starts, from);
    const last = lineOf(starts, to);
    let merged = 0;
    for (let line = first; line <= last; line++) merged = Math.max(merged, heat[line]);
    const added = [];
    for (let i = insert.indexOf("\n"); i !== -1; i = insert.indexOf("\n", i + 1)) added.push(from + i + 1);
    const lines = new Array(added.length + 1).fill(1);
    lines[0] = merged + 1;
    // The last new line holds the rest of the old line `last`: it keeps that line's history
    // when there is such a rest; a line break typed at a line's end makes a fresh line.
    const lineEnd = last + 1 < starts.length ? starts[last + 1] - 1 : length;
    if (added.length > 0 && to < lineEnd) lines[added.length] = heat[last] + 1;
    heat.splice(first, last - first + 1, ...lines);
    starts.splice(first + 1, last - first, ...added);
    const delta = insert.length - (to - from);
    for (let j = first + 1 + added.length; j < starts.length; j++) starts[j] += delta;
    length += delta;
  }
  state.length = length;
}

function applyText(text, changes) {
  let out = "";
  let at = 0;
  for (const { from, to, insert } of changes) {
    out += text.slice(at, from) + insert;
    at = to;
  }
  return out + text.slice(at);
}

/** Where `changes` put new text, as ranges of the new text. */
function touched(changes) {
  const ranges = [];
  let shift = 0;
  for (const { from, to, insert } of changes) {
    const start = from + shift;
    ranges.push({ from: start, to: start + insert.length, deleted: to > from });
    shift += insert.length - (to - from);
  }
  return ranges;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** `op` as editor changes, while code points are UTF-16 units (no character outside the BMP
 * in the text): no need to read the text. */
function changesOf(op) {
  const changes = [];
  let index = 0;
  for (const item of op) {
    if (typeof item === "string") {
      changes.push({ from: index, to: index, insert: item });
    } else if (item > 0) {
      index += item;
    } else {
      const end = index - item;
      const last = changes[changes.length - 1];
      if (last && last.from === index && last.to === index) last.to = end;
      else changes.push({ from: index, to: end, insert: "" });
      index = end;
    }
  }
  return changes;
}

/** `a` then `b` as one operation, for texts where code points are UTF-16 units (strings
 * sliced as they are; ot.compose splits every insert into code points). */
export function composeNarrow(a, b) {
  const out = [];
  const push = (item) => {
    const last = out[out.length - 1];
    const kind = (v) => (typeof v === "string" ? 0 : v > 0 ? 1 : 2);
    if (out.length && kind(last) === kind(item)) out[out.length - 1] = last + item;
    else out.push(item);
  };
  let i = 0;
  let j = 0;
  let x = a[0];
  let y = b[0];
  while (x !== undefined || y !== undefined) {
    if (typeof x === "number" && x < 0) { push(x); x = a[++i]; continue; }
    if (typeof y === "string") { push(y); y = b[++j]; continue; }
    if (x === undefined || y === undefined) throw new Error("compose: the operations' lengths differ");
    if (typeof x === "string") {
      const n = Math.min(x.length, Math.abs(y));
      if (y > 0) push(x.slice(0, n));
      x = n === x.length ? a[++i] : x.slice(n);
      y = n === Math.abs(y) ? b[++j] : y > 0 ? y - n : y + n;
    } else {
      const n = Math.min(x, Math.abs(y));
      push(y > 0 ? n : -n);
      x = n === x ? a[++i] : x - n;
      y = n === Math.abs(y) ? b[++j] : y > 0 ? y - n : y + n;
    }
  }
  return out;
}

/** The state's text, with the operations not yet applied to it applied (as one). */
export function textOf(state) {
  if (state.pending !== null) {
    state.text = applyText(state.text, changesOf(state.pending));
    state.pending = null;
  }
  return state.text;
}

function clone(state) {
  return { ...state, starts: state.starts.slice(), heat: state.heat.slice() };
}

/** Apply `edit` (a timeline code change) to `state`, in place. The text itself is brought up
 * to date only when read (textOf): the edits in between are composed into one operation, so
 * a long document is not copied once per keystroke. */
function advance(state, edit, author) {
  let changes;
  if (state.wide) {
    changes = ot.toChanges(textOf(state), edit.ops);
    state.text = applyText(state.text, changes);
  } else {
    changes = changesOf(edit.ops);
    state.pending = state.pending === null ? edit.ops : composeNarrow(state.pending, edit.ops);
    if (changes.some((c) => SURROGATE.test(c.insert))) {
      textOf(state);
      state.wide = true;
    }
  }
  state.runs = applyRuns(state.runs, changes, author);
  applyLines(state, changes);
  state.last = { userId: edit.userId, ranges: touched(changes) };
  state.count += 1;
}

/** The interview to replay, built once from the timeline's events and the base text. */
export class ReplayModel {
  constructor({ baseText, baseAt, events, authors = new Map() }) {
    this.authors = authors; // userId -> author index (colour)
    this.moments = events.map((event) => ({ event, at: Date.parse(event.at) }));
    this.edits = events.filter((e) => e.type === "code-change");
    // editsBefore[p]: the code changes among the first p moments (p = 0: none).
    this.editsBefore = new Uint32Array(this.moments.length + 1);
    // lastOf[type][p]: the index of the last moment of that type among the first p (or -1).
    this.lastOf = { "run-result": new Int32Array(this.moments.length + 1), "language-change": new Int32Array(this.moments.length + 1) };
    this.lastOf["run-result"][0] = -1;
    this.lastOf["language-change"][0] = -1;
    let count = 0;
    this.moments.forEach(({ event }, i) => {
      if (event.type === "code-change") count += 1;
      this.editsBefore[i + 1] = count;
      for (const [type, last] of Object.entries(this.lastOf)) last[i + 1] = event.type === type ? i : last[i];
    });
    const startAt = Date.parse(baseAt);
    this.start = Number.isNaN(startAt) ? (this.moments[0]?.at ?? 0) : Math.min(startAt, this.moments[0]?.at ?? startAt);
    this.end = this.moments.length ? this.moments[this.moments.length - 1].at : this.start;
    const starts = [0];
    for (let i = baseText.indexOf("\n"); i !== -1; i = baseText.indexOf("\n", i + 1)) starts.push(i + 1);
    const base = {
      count: 0, wide: SURROGATE.test(baseText), text: baseText, pending: null, length: baseText.length,
      runs: baseText ? [{ len: baseText.length, who: NOBODY }] : [], starts, heat: new Array(starts.length).fill(0), last: null,
    };
    this.checkpoints = [base];
    const state = clone(base);
    for (const edit of this.edits) {
      advance(state, edit, this.authorOf(edit.userId));
      if (state.count % CHECKPOINT === 0) {
        textOf(state);
        this.checkpoints.push(clone(state));
      }
    }
    textOf(state);
    this.final = state;
    this.current = clone(base);
  }

  authorOf(userId) {
    return this.authors.has(userId) ? this.authors.get(userId) : NOBODY;
  }

  /** The number of positions: 0 (before every event) to `moments.length` (after all). */
  get length() {
    return this.moments.length;
  }

  /** The code's state after the first `p` moments ({text, runs, heat, starts, last}; read
   * it before the next call: the model reuses it). */
  stateAt(p) {
    const count = this.editsBefore[Math.max(0, Math.min(p, this.moments.length))];
    if (count === this.final.count) return this.final;
    let state = this.current;
    if (!(state.count <= count && count - state.count < CHECKPOINT)) {
      state = clone(this.checkpoints[Math.floor(count / CHECKPOINT)]);
    }
    while (state.count < count) {
      const edit = this.edits[state.count];
      advance(state, edit, this.authorOf(edit.userId));
    }
    textOf(state);
    this.current = state;
    return state;
  }

  /** Editor changes turning the text after `from` code changes into the text after `to`
   * (`textTo`), as the edits in between made them: two small changes far apart stay two
   * small changes, where a diff of the texts would span everything between them. Null when
   * that would cost more than a diff (a long jump, or text outside the BMP). */
  changesBetween(from, to, textTo) {
    if (from === to || this.final.wide || Math.abs(to - from) > MAX_COMPOSED) return null;
    const [low, high] = from < to ? [from, to] : [to, from];
    let op = this.edits[low].ops;
    for (let i = low + 1; i < high; i++) op = composeNarrow(op, this.edits[i].ops);
    if (from < to) return changesOf(op);
    // Backwards: undo `op`, which turned `textTo` into the shown text.
    const undo = [];
    let index = 0; // in textTo
    for (const item of op) {
      if (typeof item === "string") undo.push(-item.length);
      else if (item > 0) { undo.push(item); index += item; }
      else { undo.push(textTo.slice(index, index - item)); index -= item; }
    }
    return changesOf(undo);
  }

  /** The time of position `p` (ms since the epoch): that of its last event, else the start. */
  timeAt(p) {
    return p === 0 ? this.start : this.moments[p - 1].at;
  }

  /** The position just after moment index `i` (the state the event left). */
  positionOf(i) {
    return i + 1;
  }

  /** The next position from `p` in time when playing: the first moment after `at`. */
  positionAtTime(at) {
    let lo = 0;
    let hi = this.moments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.moments[mid].at <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The last event of `type` (`run-result` or `language-change`) among the first `p`
   * moments, or null. */
  lastBefore(p, type) {
    const i = this.lastOf[type][Math.max(0, Math.min(p, this.moments.length))];
    return i < 0 ? null : this.moments[i].event;
  }
}

/** Elapsed time as H:MM:SS (or M:SS under an hour). */
export function elapsed(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** A heat level 1–5 for `n` edits when the hottest line has `max` (0 for none). */
export function heatLevel(n, max) {
  if (!n || !max) return 0;
  return Math.max(1, Math.ceil((5 * n) / max));
}
