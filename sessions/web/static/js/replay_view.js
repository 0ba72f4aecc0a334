// The replay's editor: read-only CodeMirror showing one state of the code (replay_model.js)
// with author tints, the last change outlined and a heat strip per line. Moving between
// states dispatches only the differing middle of the text, so highlighting stays incremental
// and scrubbing a long interview stays smooth.

import {
  Compartment, Decoration, EditorState, EditorView, StateEffect, StateField, defaultHighlightStyle,
  lineNumbers, syntaxHighlighting,
} from "../vendor/codemirror.js";
import { languageSupport, shadowMount } from "./editor.js";
import { editorTheme, pageIsDark } from "./editor_theme.js";
import { heatLevel } from "./replay_model.js";

const setDecorations = StateEffect.define();
const decorations = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setDecorations)) return effect.value;
    return value.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

// Decorations are made once per kind and reused: CodeMirror compares the new set with the
// old on every update, and the same object compares equal at once.
const authorMarks = new Map();
const heatLines = new Map();
const LAST_CHANGE = Decoration.mark({ class: "last-change" });

function authorMark(who) {
  if (!authorMarks.has(who)) authorMarks.set(who, Decoration.mark({ class: `author user-c${who}` }));
  return authorMarks.get(who);
}

function heatLine(level, count) {
  const key = `${level}:${count}`;
  if (!heatLines.has(key)) {
    const attributes = { "data-edits": String(count), title: `edited ${count}×` };
    heatLines.set(key, Decoration.line({ class: `heat heat-${level}`, attributes }));
  }
  return heatLines.get(key);
}

/** The change turning `before` into `after`: the differing middle only. */
function middle(before, after) {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  return { from: start, to: before.length - end, insert: after.slice(start, after.length - end) };
}

export class ReplayEditor {
  /** `colourOf(authorIndex)`: the palette index of an author (as the room shows them). */
  constructor(parent) {
    const { root, wrap } = shadowMount(parent);
    const sheet = document.createElement("link");
    sheet.rel = "stylesheet";
    sheet.href = "/static/css/replay-editor.css";
    root.append(sheet);
    this.language = new Compartment();
    this.currentLanguage = null;
    this.showAuthors = true;
    this.showHeat = true;
    this.view = new EditorView({
      parent: wrap,
      root,
      state: EditorState.create({
        doc: "",
        extensions: [
          EditorState.readOnly.of(true),
          EditorView.editable.of(false),
          lineNumbers(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          editorTheme(pageIsDark()),
          this.language.of([]),
          decorations,
          EditorView.contentAttributes.of({ "aria-label": "Code at this moment", tabindex: "0" }),
        ],
      }),
    });
  }

  /** Show `state` (text, runs, heat, last) in `language`; `changes` (optional) turn the
   * text shown now into the state's, else they are found by comparing the texts. */
  show(state, language, changes = null) {
    const effects = [];
    if (language !== this.currentLanguage) {
      this.currentLanguage = language;
      effects.push(this.language.reconfigure(languageSupport(language)));
    }
    if (changes === null) {
      const before = this.view.state.doc.toString();
      changes = before === state.text ? [] : [middle(before, state.text)];
    }
    effects.push(setDecorations.of(this.decorate(state)));
    this.view.dispatch({ changes, effects });
  }

  decorate(state) {
    const ranges = [];
    if (this.showAuthors) {
      let at = 0;
      for (const { len, who } of state.runs) {
        if (who >= 0 && len > 0) ranges.push(authorMark(who).range(at, at + len));
        at += len;
      }
      if (state.last !== null) {
        for (const { from, to } of state.last.ranges) {
          if (to > from) ranges.push(LAST_CHANGE.range(from, to));
        }
      }
    }
    if (this.showHeat) {
      const max = state.heat.reduce((a, b) => Math.max(a, b), 0);
      state.heat.forEach((count, line) => {
        const level = heatLevel(count, max);
        if (level > 0) ranges.push(heatLine(level, count).range(state.starts[line]));
      });
    }
    return Decoration.set(ranges, true);
  }
}
