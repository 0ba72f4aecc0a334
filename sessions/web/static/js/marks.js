// Compile errors marked on their lines in the editor: the compiler's diagnostics (lines of the
// candidate's file, 1-based) as line decorations with the message as a tooltip. The marks are
// cleared by the next run and by any edit of a marked line's text (a fixed line loses its mark).

import { Decoration, EditorView, StateEffect, StateField } from "../vendor/codemirror.js";

/** Replace the marks: a list of {line, column, severity, message}. */
export const setDiagnostics = StateEffect.define();

export const compileMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (effect.is(setDiagnostics)) next = decorations(tr.state.doc, effect.value);
    }
    if (tr.docChanged && next.size) {
      // A line that was edited drops its mark: the message no longer describes it.
      const touched = [];
      tr.changes.iterChangedRanges((_fromA, _toA, fromB, toB) => touched.push([fromB, toB]));
      next = next.update({
        filter: (from) => {
          const line = tr.state.doc.lineAt(from);
          return !touched.some(([a, b]) => a <= line.to && b >= line.from);
        },
      });
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function decorations(doc, diagnostics) {
  const byLine = new Map();
  for (const d of diagnostics) {
    if (!Number.isInteger(d.line) || d.line < 1 || d.line > doc.lines) continue;
    const messages = byLine.get(d.line) || [];
    messages.push(`${d.severity || "error"}: ${d.message}`);
    byLine.set(d.line, messages);
  }
  const ranges = [...byLine.keys()].sort((a, b) => a - b).map((n) => {
    const line = doc.line(n);
    return Decoration.line({
      class: "cm-compile-error",
      attributes: { title: byLine.get(n).join("\n"), "data-compile-error": String(n) },
    }).range(line.from);
  });
  return Decoration.set(ranges);
}
