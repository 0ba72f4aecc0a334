// Converting ot.js operations between UTF-16 code units and Unicode code points.
//
// An operation is a list walked left to right over a document: a positive integer retains
// that many characters, a negative one deletes that many, a string inserts itself. The
// server counts characters as code points ("😀" is 1); JavaScript strings, and so ot.js and
// every browser editor, count UTF-16 code units ("😀" is 2). Inserted strings are the same in
// both; only the retain and delete counts change, and how they change depends on the text
// they walk over.
//
// So a conversion needs the text the operation applies to, and that is NOT the editor's
// text. An operation sent at revision R applies to the server's document at R; while it is in
// flight (and edits are buffered behind it) the editor already shows more. An operation that
// arrives from the server applies to the server's document at the client's revision, before
// the client's own unconfirmed edits. A client therefore keeps, beside the editor's text, the
// SERVER TEXT at its revision:
//
//   - an incoming op (a `code-update`, or a `missed` entry): convert it to UTF-16 against the
//     server text, apply it to the server text, then hand it to the OT client (which
//     transforms it over the unconfirmed edits before it touches the editor);
//   - an ack: apply the acknowledged op (the OT client's outstanding op, which it has kept
//     transformed to the server text's revision) to the server text;
//   - an outgoing op, made at the client's revision: convert it to code points against the
//     server text at that moment.
//
// Positions inside a surrogate pair cannot be expressed in code points: an editor never puts
// a caret there, and the functions below refuse an operation that would.

/** The number of code points in `text` (`[...text].length`, without the array). */
export function codePointLength(text) {
  let count = 0;
  for (let i = 0; i < text.length; i += unitsAt(text, i)) count += 1;
  return count;
}

/**
 * `ops` (a JSON operation counted in UTF-16 code units, as ot.js's `TextOperation#toJSON`
 * gives) re-counted in code points, for the server. `base` is the text `ops` applies to.
 */
export function toCodePoints(ops, base) {
  const out = [];
  let index = 0; // UTF-16 position in base
  for (const component of ops) {
    if (typeof component === "string") {
      out.push(component);
      continue;
    }
    const end = index + Math.abs(component);
    if (end > base.length) throw new RangeError("the operation is longer than its base text");
    if (splitsPair(base, end)) throw new RangeError(`UTF-16 position ${end} splits a pair`);
    let points = 0;
    for (let i = index; i < end; i += unitsAt(base, i)) points += 1;
    out.push(component > 0 ? points : -points);
    index = end;
  }
  if (index !== base.length) throw new RangeError("the operation does not span its base text");
  return out;
}

/**
 * `ops` (a JSON operation counted in code points, as the server sends) re-counted in UTF-16
 * code units, for ot.js (`TextOperation.fromJSON`). `base` is the text `ops` applies to.
 */
export function toUtf16(ops, base) {
  const out = [];
  let index = 0; // UTF-16 position in base
  for (const component of ops) {
    if (typeof component === "string") {
      out.push(component);
      continue;
    }
    const start = index;
    for (let points = Math.abs(component); points > 0; points -= 1) {
      if (index >= base.length) throw new RangeError("the operation is longer than its base text");
      index += unitsAt(base, index);
    }
    out.push(component > 0 ? index - start : start - index);
  }
  if (index !== base.length) throw new RangeError("the operation does not span its base text");
  return out;
}

/** 2 when a surrogate pair (one code point above U+FFFF) starts at `i`, else 1. */
function unitsAt(text, i) {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return 2;
  }
  return 1;
}

/** Whether UTF-16 position `i` falls between the two halves of a surrogate pair. */
function splitsPair(text, i) {
  return i > 0 && i < text.length && unitsAt(text, i - 1) === 2;
}
