// The editor's colours for the page's theme: CodeMirror's dark base theme and token colours
// that pass AA on the dark background, or the default light ones. The replay and the room use
// the page's theme (theme.css) unless the room's settings say otherwise.

import { EditorView, HighlightStyle, syntaxHighlighting, tags } from "../vendor/codemirror.js";

// Token colours on the dark editor background (#1f2026), each at least 4.5:1.
const darkHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.moduleKeyword, tags.operatorKeyword], color: "#d7a6f5" },
  { tag: [tags.string, tags.special(tags.string), tags.regexp], color: "#c3e88d" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "#a3a9b7", fontStyle: "italic" },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: "#f9a47e" },
  { tag: [tags.typeName, tags.className, tags.namespace], color: "#ffcb6b" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName), tags.definition(tags.variableName)], color: "#8fb8ff" },
  { tag: [tags.propertyName, tags.attributeName], color: "#9cdcfe" },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: "#c8ccd6" },
  { tag: tags.invalid, color: "#ff8f8f" },
]);

/** Whether the page is dark: <html data-theme>, else the system's preference. */
export function pageIsDark() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen === "dark";
  return matchMedia("(prefers-color-scheme: dark)").matches;
}

/** The editor extensions of a theme at a font size (px). */
export function editorTheme(dark, fontSize = 14) {
  return [
    EditorView.theme({ ".cm-scroller": { fontSize: `${fontSize}px` } }, { dark }),
    dark ? syntaxHighlighting(darkHighlight) : [],
  ];
}
