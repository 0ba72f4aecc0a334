// The Emacs keymap, built by build.mjs into sessions/web/static/vendor/emacs.js: loaded by the
// room only when a person chooses it; it shares CodeMirror with codemirror.js (one chunk).
export { emacs } from "@replit/codemirror-emacs";
