// The person's editor comfort, remembered per browser (localStorage): theme (the system's
// preference unless chosen), font size and keymap (Vim and Emacs are loaded only when chosen).
// `applyTheme()` sets <html data-theme>; `comfortExtensions(prefs)` gives the editor's
// extensions for the rest; `SettingsMenu` is the "Editor settings" menu in the top bar.

import { EditorView, HighlightStyle, syntaxHighlighting, tags } from "../vendor/codemirror.js";
import { h } from "./dom.js";
import { FONT_SIZES, isDark, KEYMAPS, savePrefs, THEMES } from "./prefs.js";

export { applyTheme, loadPrefs } from "./prefs.js";

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

const keymaps = new Map();

/** The Vim or Emacs extension, imported the first time it is chosen; [] for the default. */
export async function loadKeymap(name) {
  if (name === "default") return [];
  if (!keymaps.has(name)) {
    const module = name === "vim" ? await import("../vendor/vim.js") : await import("../vendor/emacs.js");
    keymaps.set(name, name === "vim" ? module.vim() : module.emacs());
  }
  return keymaps.get(name);
}

/** The editor extensions for `prefs` (the keymap loaded first when it is Vim or Emacs). */
export async function comfortExtensions(prefs) {
  const dark = isDark(prefs);
  return [
    await loadKeymap(prefs.keymap),
    EditorView.theme({ ".cm-scroller": { fontSize: `${prefs.fontSize}px` } }, { dark }),
    dark ? syntaxHighlighting(darkHighlight) : [],
  ];
}

/** The "Editor settings" menu: theme, font size, keymap; `onChange(prefs)` after each change
 * (already saved). */
export class SettingsMenu {
  constructor({ parent, prefs, onChange }) {
    this.prefs = prefs;
    const select = (id, label, values, current, text = (v) => String(v)) => {
      const el = h("select", { id }, ...values.map((v) => h("option", { value: String(v), text: text(v), selected: v === current })));
      return [h("label", { for: id, text: label }), el];
    };
    const [themeLabel, theme] = select("pref-theme", "Theme", THEMES, prefs.theme, (v) => ({ system: "As the system", light: "Light", dark: "Dark" })[v]);
    const [sizeLabel, size] = select("pref-font-size", "Font size", FONT_SIZES, prefs.fontSize, (v) => `${v} px`);
    const [keyLabel, keys] = select("pref-keymap", "Keys", KEYMAPS, prefs.keymap, (v) => ({ default: "Standard", vim: "Vim", emacs: "Emacs" })[v]);
    this.element = h(
      "details",
      { class: "settings", id: "editor-settings" },
      h("summary", { text: "Editor settings" }),
      h("div", { class: "settings-body" }, themeLabel, theme, sizeLabel, size, keyLabel, keys),
    );
    const changed = () => {
      this.prefs = { theme: theme.value, fontSize: Number(size.value), keymap: keys.value };
      savePrefs(this.prefs);
      onChange(this.prefs);
    };
    for (const el of [theme, size, keys]) el.addEventListener("change", changed);
    this.element.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.element.open = false;
    });
    parent.append(this.element);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
      if (this.prefs.theme === "system") onChange(this.prefs);
    });
  }
}
