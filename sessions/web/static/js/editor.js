// The CodeMirror 6 editor of the room: language, read-only state, remote edits that never
// enter the local undo history, and other people's cursors and selections with their names.

import {
  Annotation, autocompletion, Compartment, completeAnyWord, completionKeymap, Decoration, EditorState, EditorView, StateEffect, StateField,
  Transaction, WidgetType, bracketMatching, closeBrackets, closeBracketsKeymap, cpp,
  defaultHighlightStyle, defaultKeymap, drawSelection, foldGutter, foldKeymap,
  highlightActiveLine, highlightActiveLineGutter, highlightSelectionMatches,
  highlightSpecialChars, history, historyKeymap, indentOnInput, indentUnit, indentWithTab, java,
  javascript, go, keymap, lineNumbers, python, rust, searchKeymap, sql, syntaxHighlighting,
} from "../vendor/codemirror.js";
import { compileMarks, setDiagnostics } from "./marks.js";
import { editorTheme, pageIsDark } from "./editor_theme.js";

/** Four spaces: the usual indent of Python, Java, C++ and most interview code. */
const INDENT = "    ";

/** Marks a transaction that applies someone else's edit (not the person's own). */
export const remote = Annotation.define();

const LANGUAGES = {
  python: () => python(),
  javascript: () => javascript(),
  typescript: () => javascript({ typescript: true }),
  java: () => java(),
  cpp: () => cpp(),
  c: () => cpp(),
  go: () => go(),
  rust: () => rust(),
  sql: () => sql(),
};

/** The editor extension highlighting `language`, or none (plain text). */
export function languageSupport(language) {
  const make = LANGUAGES[language];
  return make ? make() : [];
}

/** A remote caret with its person's name: above the line, or below it on the first line (where
 * above is outside the editor). The name shows while the person moves or types and fades after
 * a moment (editor.css), so it does not keep covering the code next to it; `stamp` changes with
 * each cursor update from them, which draws a fresh label. */
class NameWidget extends WidgetType {
  constructor(name, colour, firstLine, stamp) {
    super();
    this.name = name;
    this.colour = colour;
    this.firstLine = firstLine;
    this.stamp = stamp;
  }

  eq(other) {
    return other.name === this.name && other.colour === this.colour
      && other.firstLine === this.firstLine && other.stamp === this.stamp;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `remote-caret ${this.colour}`;
    caret.setAttribute("aria-hidden", "true");
    if (this.name) {
      const label = document.createElement("span");
      label.className = this.firstLine ? "remote-name below" : "remote-name";
      label.textContent = this.name;
      caret.append(label);
    }
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

/** Set one person's cursor: {userId, name, colour, ranges: [{anchor, head}]} in UTF-16
 * offsets, `colour` a palette class (empty ranges: they left). */
export const setRemoteCursor = StateEffect.define();

// Other people's selections, kept in editor offsets and moved through every change (theirs,
// yours, anyone's) by CodeMirror's own position mapping.
let stamps = 0;
const remoteCursors = StateField.define({
  create: () => new Map(),
  update(cursors, tr) {
    let next = cursors;
    if (tr.docChanged) {
      next = new Map();
      for (const [userId, cursor] of cursors) {
        next.set(userId, {
          ...cursor,
          ranges: cursor.ranges.map(({ anchor, head }) => ({
            anchor: tr.changes.mapPos(anchor, 1),
            head: tr.changes.mapPos(head, 1),
          })),
        });
      }
    }
    for (const effect of tr.effects) {
      if (!effect.is(setRemoteCursor)) continue;
      if (next === cursors) next = new Map(cursors);
      const { userId, ranges } = effect.value;
      stamps += 1;
      if (ranges.length) next.set(userId, { ...effect.value, stamp: stamps });
      else next.delete(userId);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.compute([field], (state) => build(state.field(field), state.doc)),
});

function build(cursors, doc) {
  const { length } = doc;
  const ranges = [];
  for (const { name, colour, ranges: selections, stamp } of cursors.values()) {
    selections.forEach(({ anchor, head }, i) => {
      const from = Math.min(Math.max(Math.min(anchor, head), 0), length);
      const to = Math.min(Math.max(anchor, head), length);
      if (from < to) {
        ranges.push(Decoration.mark({ class: `remote-selection ${colour}` }).range(from, to));
      }
      const at = Math.min(Math.max(head, 0), length);
      const widget = new NameWidget(i === 0 ? name : "", colour, doc.lineAt(at).number === 1, stamp);
      ranges.push(Decoration.widget({ widget, side: 1 }).range(at));
    });
  }
  return Decoration.set(ranges, true);
}

/** A shadow root under `parent` holding the editor: CodeMirror then adds its styles as
 * constructed style sheets, which a strict Content-Security-Policy (no 'unsafe-inline')
 * allows, where it would otherwise add a <style> element that the policy blocks. */
export function shadowMount(parent) {
  const host = document.createElement("div");
  host.className = "editor-host";
  parent.append(host);
  const root = host.attachShadow({ mode: "open" });
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = "/static/css/editor.css";
  const wrap = document.createElement("div");
  wrap.className = "wrap";
  root.append(sheet, wrap);
  return { root, wrap };
}

export class RoomEditor {
  /** `onLocalChange(changes)`: the person's own edits, UTF-16 {from, to, insert} against the
   * text before them. `onSelection(ranges)`: their selection moved. */
  constructor({ parent, text, language, readOnly, onLocalChange, onSelection, label, comfort = null }) {
    this.language = new Compartment();
    this.editable = new Compartment();
    this.comfort = new Compartment();
    const listener = EditorView.updateListener.of((update) => {
      const own = update.transactions.filter((tr) => !tr.annotation(remote));
      if (update.docChanged) {
        for (const tr of own) {
          if (!tr.docChanged) continue;
          const changes = [];
          tr.changes.iterChanges((from, to, _fromB, _toB, inserted) => {
            changes.push({ from, to, insert: inserted.toString() });
          });
          onLocalChange(changes, tr.startState.doc.toString());
        }
      }
      if (own.some((tr) => tr.selection !== undefined || tr.docChanged)) {
        onSelection(update.state.selection.ranges.map((r) => ({ anchor: r.anchor, head: r.head })));
      }
    });
    const { root, wrap } = shadowMount(parent);
    this.view = new EditorView({
      parent: wrap,
      root,
      state: EditorState.create({
        doc: text,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          foldGutter(),
          drawSelection(),
          EditorState.allowMultipleSelections.of(true),
          indentUnit.of(INDENT),
          indentOnInput(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          this.comfort.of(comfort ?? editorTheme(pageIsDark())),
          autocompletion({ override: [completeAnyWord], activateOnTyping: false, interactionDelay: 0 }),
          keymap.of([
            ...closeBracketsKeymap,
            ...completionKeymap,
            ...defaultKeymap,
            ...searchKeymap,
            ...historyKeymap,
            ...foldKeymap,
            indentWithTab,
          ]),
          this.language.of(languageSupport(language)),
          this.editable.of(editability(readOnly)),
          remoteCursors,
          compileMarks,
          listener,
          EditorView.contentAttributes.of({
            "aria-label": label,
            "aria-describedby": "editor-help",
            tabindex: "0",
          }),
        ],
      }),
    });
  }

  text() {
    return this.view.state.doc.toString();
  }

  /** Someone else's edit: not undoable here, and the person's selection maps over it. */
  applyRemote(changes) {
    if (!changes.length) return;
    this.view.dispatch({
      changes,
      annotations: [remote.of(true), Transaction.addToHistory.of(false)],
    });
  }

  /** Make the text `text` (a reset), outside the undo history: only what differs between
   * the common start and end is replaced, so the person's caret stays where it was. */
  replaceAll(text) {
    const old = this.text();
    let start = 0;
    while (start < old.length && start < text.length && old[start] === text[start]) start++;
    let end = 0;
    while (
      end < old.length - start &&
      end < text.length - start &&
      old[old.length - 1 - end] === text[text.length - 1 - end]
    ) {
      end++;
    }
    if (start === old.length && start === text.length) return;
    this.applyRemote([{ from: start, to: old.length - end, insert: text.slice(start, text.length - end) }]);
  }

  setLanguage(language) {
    this.view.dispatch({ effects: this.language.reconfigure(languageSupport(language)) });
  }

  setReadOnly(readOnly) {
    this.view.dispatch({ effects: this.editable.reconfigure(editability(readOnly)) });
  }

  /** One person's selection ({userId, name, colour, ranges} in UTF-16; no ranges: remove). */
  setRemoteCursor(cursor) {
    this.view.dispatch({ effects: setRemoteCursor.of(cursor) });
  }

  focus() {
    this.view.focus();
  }

  /** Mark compile errors on their lines ([] clears them). */
  markDiagnostics(diagnostics) {
    this.view.dispatch({ effects: setDiagnostics.of(diagnostics) });
  }

  /** Put the caret on `line` (1-based), column `column`, and scroll it into view. */
  goTo(line, column) {
    const doc = this.view.state.doc;
    const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
    const pos = Math.min(at.from + Math.max((column || 1) - 1, 0), at.to);
    this.view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    this.view.focus();
  }

  /** The person's own comfort settings (theme, font size, keymap: editor_prefs.js). */
  setComfort(extensions) {
    this.view.dispatch({ effects: this.comfort.reconfigure(extensions) });
  }
}

function editability(readOnly) {
  return [EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
}
