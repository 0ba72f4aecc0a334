// The Vim keymap, built by build.mjs into sessions/web/static/vendor/vim.js: loaded by the room
// only when a person chooses it; it shares CodeMirror with codemirror.js (one chunk).
export { vim } from "@replit/codemirror-vim";
