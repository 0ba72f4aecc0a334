// The person's editor comfort, remembered per browser (localStorage): theme (the system's
// preference unless chosen), font size and keymap (Vim and Emacs are loaded only when chosen).
// `applyTheme()` sets <html data-theme>; `comfortExtensions(prefs)` gives the editor's
// extensions for the rest; `SettingsMenu` is the "Editor settings" menu in the top bar.

import { h } from "./dom.js";
import { editorTheme } from "./editor_theme.js";
import { FONT_SIZES, isDark, KEYMAPS, savePrefs, THEMES } from "./prefs.js";

export { applyTheme, loadPrefs } from "./prefs.js";

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
  return [await loadKeymap(prefs.keymap), editorTheme(isDark(prefs), prefs.fontSize)];
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
