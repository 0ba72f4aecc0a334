// Tests of codepoints.mjs (node --test): exact cases, and randomized round trips checked
// against ot.js's own apply on UTF-16 strings and a code-point reference apply.

import assert from "node:assert/strict";
import { test } from "node:test";
import ot from "ot";
import { codePointLength, toCodePoints, toUtf16 } from "./codepoints.mjs";

const { TextOperation } = ot;
const ALPHABET = ["a", "b", "\n", "é", "漢", "字", "😀", "👍", "🏽", "𝔘"];

/** The server's apply: positions count code points. */
function applyCodePoints(ops, text) {
  const chars = [...text];
  let index = 0;
  let out = "";
  for (const c of ops) {
    if (typeof c === "string") out += c;
    else if (c > 0) out += chars.slice(index, (index += c)).join("");
    else index -= c;
  }
  assert.equal(index, chars.length);
  return out;
}

function prng(seed) {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
}

/** A random op over `text`, built in code points, as the server would send it. */
function randomCodePointOp(text, int) {
  const op = new TextOperation(); // its retain/delete/insert merge adjacent components
  let left = codePointLength(text);
  while (left > 0 || (op.ops.length < 20 && int(4) === 0)) {
    const n = 1 + int(Math.max(1, Math.min(left, 5)));
    const kind = left === 0 ? 2 : int(3);
    if (kind === 0) op.retain(Math.min(n, left));
    if (kind === 1) op.delete(Math.min(n, left));
    if (kind === 2) op.insert(ALPHABET[int(ALPHABET.length)]);
    if (kind !== 2) left -= Math.min(n, left);
  }
  return op.toJSON();
}

test("an emoji is one code point and two UTF-16 units", () => {
  assert.deepEqual(toCodePoints([2, "x", -2, 1], "😀👍é"), [1, "x", -1, 1]);
  assert.deepEqual(toUtf16([1, "x", -1, 1], "😀👍é"), [2, "x", -2, 1]);
});

test("a skin-tone emoji is two code points", () => {
  assert.equal(codePointLength("👍🏽"), 2);
  assert.deepEqual(toUtf16([-1, 1], "👍🏽"), [-2, 2]);
});

test("an op that splits a surrogate pair is refused", () => {
  assert.throws(() => toCodePoints([1, "x", 1], "😀"), /splits a pair/);
});

test("an op that does not span its base text is refused", () => {
  assert.throws(() => toCodePoints([1], "ab"), /does not span/);
  assert.throws(() => toUtf16([3], "ab"), /longer than/);
});

test("random ops convert both ways and apply alike", () => {
  const int = prng(20261130);
  for (let round = 0; round < 2000; round += 1) {
    let text = "";
    for (let i = int(12); i > 0; i -= 1) text += ALPHABET[int(ALPHABET.length)];
    const points = randomCodePointOp(text, int);
    const units = toUtf16(points, text);
    assert.deepEqual(toCodePoints(units, text), points);
    assert.equal(TextOperation.fromJSON(units).apply(text), applyCodePoints(points, text));
  }
});
