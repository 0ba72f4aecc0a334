// The person's editor preferences, remembered per browser (localStorage), and the page theme
// they imply: <html data-theme="light|dark"> (theme.css), the system's preference unless the
// person chose one. No CodeMirror here, so the landing page can use it cheaply.

const KEY = "interview:editor";
export const FONT_SIZES = [12, 13, 14, 16, 18, 20, 24];
export const THEMES = ["system", "light", "dark"];
export const KEYMAPS = ["default", "vim", "emacs"];
const DEFAULTS = { theme: "system", fontSize: 14, keymap: "default" };

/** The stored preferences, every field checked (a damaged entry gives the defaults). */
export function loadPrefs() {
  let stored = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) || "{}") || {};
  } catch {
    stored = {};
  }
  return {
    theme: THEMES.includes(stored.theme) ? stored.theme : DEFAULTS.theme,
    fontSize: FONT_SIZES.includes(stored.fontSize) ? stored.fontSize : DEFAULTS.fontSize,
    keymap: KEYMAPS.includes(stored.keymap) ? stored.keymap : DEFAULTS.keymap,
  };
}

export function savePrefs(prefs) {
  localStorage.setItem(KEY, JSON.stringify(prefs));
}

/** Whether `prefs` come out dark here (the system's preference for "system"). */
export function isDark(prefs) {
  if (prefs.theme === "system") return matchMedia("(prefers-color-scheme: dark)").matches;
  return prefs.theme === "dark";
}

/** Set the page's theme: <html data-theme="light|dark"> (theme.css). */
export function applyTheme(prefs) {
  document.documentElement.dataset.theme = isDark(prefs) ? "dark" : "light";
}
