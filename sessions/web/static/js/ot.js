// Text operations in ot.js's JSON form, the same model as the server's sessions/ot.py.
//
// An operation is an array walked over a document from start to end: a positive integer n
// retains n characters, a non-empty string inserts it, a negative integer -n deletes n.
// Characters are Unicode CODE POINTS, as on the server ("😀" has length 1), not the UTF-16
// units JavaScript strings count; the `offsets` helpers at the end convert.
//
// Every operation returned here is in normal form: no zero or empty item, no two adjacent
// items of one kind, and no insert directly after a delete (written insert-then-delete), so
// results compare equal to the server's item for item. Invariants (checked against the
// server's implementation over random cases by tests/browser/test_ot_js.py):
//   apply(apply(S, A), B) == apply(S, compose(A, B))
//   apply(apply(S, A), B') == apply(apply(S, B), A')   where [A', B'] = transform(A, B)

/** Number of code points in `text`. */
export function cpLength(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index of code point `cp` in `text` (clamped to the text's end). */
export function utf16Index(text, cp) {
  let i = 0;
  for (let n = 0; n < cp && i < text.length; n++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** The code-point index of UTF-16 index `index` in `text`. */
export function cpIndex(text, index) {
  return cpLength(text.slice(0, index));
}

function isLow(c) {
  return c >= 0xdc00 && c <= 0xdfff;
}

function isRetain(item) {
  return typeof item === "number" && item > 0;
}

function isDelete(item) {
  return typeof item === "number" && item < 0;
}

function isInsert(item) {
  return typeof item === "string";
}

/** Accumulates items into normal form. */
class Builder {
  constructor() {
    this.ops = [];
    this.retained = 0;
    this.inserted = "";
    this.deleted = 0;
  }

  retain(n) {
    if (n <= 0) return;
    if (this.inserted || this.deleted) this.flush();
    this.retained += n;
  }

  insert(text) {
    if (!text) return;
    if (this.retained) this.flush();
    this.inserted += text;
  }

  delete(n) {
    if (n <= 0) return;
    if (this.retained) this.flush();
    this.deleted += n;
  }

  flush() {
    if (this.retained) this.ops.push(this.retained);
    if (this.inserted) this.ops.push(this.inserted);
    if (this.deleted) this.ops.push(-this.deleted);
    this.retained = 0;
    this.inserted = "";
    this.deleted = 0;
  }

  result() {
    this.flush();
    return this.ops;
  }
}

/** Walks an operation, handing out pieces of its items (inserts as arrays of code points). */
class Reader {
  constructor(ops) {
    this.ops = ops.map((item) => (isInsert(item) ? Array.from(item) : item));
    this.index = 0;
    this.offset = 0;
  }

  get done() {
    return this.index >= this.ops.length;
  }

  atInsert() {
    return !this.done && Array.isArray(this.ops[this.index]);
  }

  atDelete() {
    return !this.done && isDelete(this.ops[this.index]);
  }

  size(item) {
    return Array.isArray(item) ? item.length : Math.abs(item);
  }

  remaining() {
    return this.size(this.ops[this.index]) - this.offset;
  }

  take(n) {
    const item = this.ops[this.index];
    const start = this.offset;
    if (start + n >= this.size(item)) {
      this.index++;
      this.offset = 0;
    } else {
      this.offset += n;
    }
    if (Array.isArray(item)) return item.slice(start, start + n).join("");
    return item > 0 ? n : -n;
  }

  takeRest() {
    return this.take(this.remaining());
  }
}

/** Retained plus deleted characters: the length of every document `op` applies to. */
export function baseLength(op) {
  let n = 0;
  for (const item of op) if (!isInsert(item)) n += Math.abs(item);
  return n;
}

/** Retained plus inserted characters: the length of every document `op` produces. */
export function targetLength(op) {
  let n = 0;
  for (const item of op) n += isInsert(item) ? cpLength(item) : Math.max(item, 0);
  return n;
}

/** Whether `op` changes nothing. */
export function isNoop(op) {
  return op.length === 0 || (op.length === 1 && isRetain(op[0]));
}

/** `op` in normal form. */
export function normalize(op) {
  const out = new Builder();
  for (const item of op) {
    if (isInsert(item)) out.insert(item);
    else if (item > 0) out.retain(item);
    else out.delete(-item);
  }
  return out.result();
}

/** `doc` changed by `op`; `op`'s base length must be the document's length in code points. */
export function apply(doc, op) {
  const chars = Array.from(doc);
  if (baseLength(op) !== chars.length) {
    throw new Error(`operation spans ${baseLength(op)} characters, document has ${chars.length}`);
  }
  const parts = [];
  let position = 0;
  for (const item of op) {
    if (isInsert(item)) {
      parts.push(item);
    } else if (item > 0) {
      parts.push(chars.slice(position, position + item).join(""));
      position += item;
    } else {
      position -= item;
    }
  }
  return parts.join("");
}

/** The operation undoing `op` on `doc`: apply(apply(doc, op), invert(op, doc)) == doc. */
export function invert(op, doc) {
  const chars = Array.from(doc);
  const out = new Builder();
  let position = 0;
  for (const item of op) {
    if (isInsert(item)) {
      out.delete(cpLength(item));
    } else if (item > 0) {
      out.retain(item);
      position += item;
    } else {
      out.insert(chars.slice(position, position - item).join(""));
      position -= item;
    }
  }
  return out.result();
}

/** `a` then `b` as one operation. */
export function compose(a, b) {
  if (targetLength(a) !== baseLength(b)) {
    throw new Error(`cannot compose: ${targetLength(a)} characters vs ${baseLength(b)}`);
  }
  const first = new Reader(a);
  const second = new Reader(b);
  const out = new Builder();
  for (;;) {
    if (first.atDelete()) {
      out.delete(-first.takeRest());
    } else if (second.atInsert()) {
      out.insert(second.takeRest());
    } else if (first.done || second.done) {
      return out.result();
    } else {
      const n = Math.min(first.remaining(), second.remaining());
      const x = first.take(n);
      const y = second.take(n);
      if (y > 0) {
        if (isInsert(x)) out.insert(x);
        else out.retain(x);
      } else if (!isInsert(x)) {
        out.delete(-y); // b deletes what a retained; what a inserted just vanishes
      }
    }
  }
}

/** For concurrent `a` and `b`, [a', b'] with apply(apply(S, a), b') == apply(apply(S, b), a').
 * When both insert at one position, `a`'s text comes first (the ot.js tie-break). */
export function transform(a, b) {
  if (baseLength(a) !== baseLength(b)) {
    throw new Error(`cannot transform: ${baseLength(a)} characters vs ${baseLength(b)}`);
  }
  const left = new Reader(a);
  const right = new Reader(b);
  const aPrime = new Builder();
  const bPrime = new Builder();
  for (;;) {
    if (left.atInsert()) {
      const text = left.takeRest();
      aPrime.insert(text);
      bPrime.retain(cpLength(text));
    } else if (right.atInsert()) {
      const text = right.takeRest();
      aPrime.retain(cpLength(text));
      bPrime.insert(text);
    } else if (left.done || right.done) {
      return [aPrime.result(), bPrime.result()];
    } else {
      const n = Math.min(left.remaining(), right.remaining());
      const x = left.take(n);
      const y = right.take(n);
      if (x > 0 && y > 0) {
        aPrime.retain(n);
        bPrime.retain(n);
      } else if (x < 0 && y > 0) {
        aPrime.delete(n);
      } else if (y < 0 && x > 0) {
        bPrime.delete(n);
      }
    }
  }
}

/** Where position `index` of `op`'s base document lands once `op` is applied (an insert
 * exactly at the index pushes it right, as on the server). */
export function transformIndex(index, op) {
  const clamped = Math.min(Math.max(index, 0), baseLength(op));
  let position = 0;
  let moved = clamped;
  for (const item of op) {
    if (position > clamped) break;
    if (isInsert(item)) {
      moved += cpLength(item);
    } else if (item > 0) {
      position += item;
    } else {
      moved -= Math.min(-item, clamped - position);
      position -= item;
    }
  }
  return moved;
}

/** The operation turning `before` into `after` (common prefix and suffix kept). */
export function diff(before, after) {
  const a = Array.from(before);
  const b = Array.from(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++;
  }
  const out = new Builder();
  out.retain(prefix);
  out.insert(b.slice(prefix, b.length - suffix).join(""));
  out.delete(a.length - prefix - suffix);
  out.retain(suffix);
  return out.result();
}

/** Editor changes [{from, to, insert}] (UTF-16 offsets into `doc`, ascending, not
 * overlapping, all against `doc`) as one operation in code points. */
export function fromChanges(doc, changes) {
  const out = new Builder();
  let at = 0; // UTF-16 position in doc reached so far
  for (const { from, to, insert } of changes) {
    out.retain(cpLength(doc.slice(at, from)));
    out.insert(insert);
    out.delete(cpLength(doc.slice(from, to)));
    at = to;
  }
  out.retain(cpLength(doc.slice(at)));
  return out.result();
}

/** An operation on `doc` as editor changes [{from, to, insert}] in UTF-16 offsets into `doc`. */
export function toChanges(doc, op) {
  const changes = [];
  let index = 0; // UTF-16 position in doc
  for (const item of op) {
    if (isInsert(item)) {
      changes.push({ from: index, to: index, insert: item });
    } else if (item > 0) {
      index += utf16Index(doc.slice(index), item);
    } else {
      const end = index + utf16Index(doc.slice(index), -item);
      const last = changes[changes.length - 1];
      if (last && last.to === index && last.from === index) last.to = end;
      else changes.push({ from: index, to: end, insert: "" });
      index = end;
    }
  }
  return changes;
}
