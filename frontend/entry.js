// What the room's modules import from CodeMirror: one ES module, built by build.mjs into
// sessions/web/static/vendor/codemirror.js (make vendor). Only names used here are bundled.
export { EditorState, EditorSelection, StateEffect, StateField, Annotation, Transaction, Compartment, RangeSetBuilder } from "@codemirror/state";
export {
  EditorView, Decoration, WidgetType, ViewPlugin, keymap, lineNumbers, highlightActiveLine,
  highlightActiveLineGutter, highlightSpecialChars, drawSelection, dropCursor, rectangularSelection,
  crosshairCursor,
} from "@codemirror/view";
export { defaultKeymap, history, historyKeymap, indentWithTab, undo, redo } from "@codemirror/commands";
export {
  bracketMatching, indentOnInput, foldGutter, foldKeymap, syntaxHighlighting, defaultHighlightStyle,
  HighlightStyle, StreamLanguage, indentUnit,
} from "@codemirror/language";
export { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
export {
  closeBrackets, closeBracketsKeymap, autocompletion, completeAnyWord, completionKeymap,
} from "@codemirror/autocomplete";
export { python } from "@codemirror/lang-python";
export { javascript } from "@codemirror/lang-javascript";
export { java } from "@codemirror/lang-java";
export { cpp } from "@codemirror/lang-cpp";
export { go } from "@codemirror/lang-go";
export { rust } from "@codemirror/lang-rust";
export { sql } from "@codemirror/lang-sql";
export { tags } from "@lezer/highlight";
