// The replay: the interview's timeline played back at 0.5× to 32× (idle gaps skipped), a
// slider over every moment with markers for runs, chat, notes, joins and signals, events to
// click and jump to, author colours and an edit heatmap on the code, the last run's output at
// each moment, and the report. Interviewers only (the timeline holds private notes): the
// token comes from the fragment, as in the room.

import { byId, h } from "./dom.js";
import { credentials } from "./identity.js";
import { ReplayModel, elapsed } from "./replay_model.js";
import { ReplayEditor } from "./replay_view.js";
import { summary } from "./run_text.js";
import { MomentRun, fillRun } from "./replay_run.js";
import { describeSignal } from "./signals.js";
import { boardAt, replayBoard } from "./replay_board.js";

const IDLE_MS = 3000; // a gap longer than this (in interview time) is skipped when asked
const LEAD_MS = 500; // skipping lands this long before the next event
const MARKED = new Set(["run-result", "chat-message", "note", "join", "leave", "signal", "language-change", "problem-change", "session-ended"]);

function describe(event) {
  switch (event.type) {
    case "chat-message": return `${event.kind === "question" ? "asked" : "said"}: ${event.text}`;
    case "note": return `noted (private): ${event.text}`;
    case "join": return `joined as ${event.role}`;
    case "leave": return "left";
    case "language-change": return `switched the language to ${event.language}`;
    case "problem-change": return `set the problem to ${event.problem}`;
    case "call-started": return "started a call (audio and video are not recorded)";
    case "call-joined": return event.listenOnly ? "joined the call, listening" : "joined the call";
    case "call-left": return "left the call";
    case "call-ended": return `the call ended after ${Math.round(event.durationSeconds || 0)} s`;
    case "session-ended": return "ended the interview";
    case "signal": return describeSignal(event);
    case "run-result": return `ran the code: ${summary(event).text}`;
    case "board-change": return `drew on the whiteboard (${event.elements.length} element${event.elements.length === 1 ? "" : "s"})`;
    default: return event.type;
  }
}

const TIME_OF_DAY = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A time of day to the second. */
function wallClock(ms) {
  return TIME_OF_DAY.format(ms);
}

async function getJson(url, token) {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message || `HTTP ${response.status}`);
  return body;
}

function renderReport(report) {
  const rows = [
    ["Status", report.status],
    ["Duration", elapsed(report.durationSeconds * 1000)],
    ["Revisions", String(report.revision)],
    ["Languages", (report.languagesUsed || []).join(", ")],
    ["Problems", (report.problems || []).join(", ") || "none"],
    ["Chat messages", String(report.chatMessages)],
    ["First edit after", report.timeToFirstEditSeconds == null ? "–" : `${Math.round(report.timeToFirstEditSeconds)} s`],
  ];
  byId("report").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
  byId("report-people").replaceChildren(
    ...(report.participants || []).map((p) => {
      const s = p.signals;
      const signals = s ? ` · ${s.pastes} pastes (${s.pastesFromOutside} from outside) · away ${s.focusLosses}× (${Math.round(s.awaySeconds)} s)` : "";
      return h("li", {}, h("span", { class: `swatch user-c${p.colour ?? 0}`, "aria-hidden": "true" }), h("span", { class: "name", text: p.name }),
        h("span", { class: "role", text: `${p.role} · ${p.edits} edits · ${p.chatMessages} messages${signals}` }));
    }),
  );
}

class Player {
  constructor(model, editor, { baseLanguage, baseRevision, board = null, momentRun = null }) {
    this.model = model;
    this.board = board;
    this.momentRun = momentRun;
    this.editor = editor;
    this.baseLanguage = baseLanguage;
    this.baseRevision = baseRevision;
    this.position = -1;
    this.playing = false;
    this.speed = 1;
    this.skipIdle = true;
    this.playAt = 0;
    this.shownRun = undefined;
    this.scrub = byId("scrub");
    this.scrub.max = String(model.length);
    this.play = byId("play");
    this.items = [];
    this.wire();
  }

  wire() {
    this.scrub.addEventListener("input", () => {
      this.show(Number(this.scrub.value));
      this.playAt = this.model.timeAt(this.position);
    });
    this.play.addEventListener("click", () => (this.playing ? this.pause() : this.start()));
    byId("speed").addEventListener("change", (e) => { this.speed = Number(e.target.value); });
    byId("skip-idle").addEventListener("change", (e) => { this.skipIdle = e.target.checked; });
    byId("show-authors").addEventListener("change", (e) => { this.editor.showAuthors = e.target.checked; this.redraw(); });
    byId("show-heat").addEventListener("change", (e) => { this.editor.showHeat = e.target.checked; this.redraw(); });
  }

  listEvents() {
    const list = [];
    const markers = [];
    const span = Math.max(1, this.model.length);
    this.model.moments.forEach(({ event, at }, i) => {
      if (!MARKED.has(event.type)) return;
      const position = this.model.positionOf(i);
      const button = h("button", { type: "button", class: "jump" },
        h("span", { class: "meta", text: `${wallClock(at)} · +${elapsed(at - this.model.start)} · ${event.name ?? "server"}` }),
        h("span", { class: "text", text: describe(event) }));
      button.addEventListener("click", () => this.jump(position));
      const li = h("li", { "data-type": event.type, "data-position": position }, button);
      list.push({ li, position });
      const marker = h("span", { class: `marker marker-${event.type}`, title: describe(event) });
      marker.style.setProperty("left", `${(100 * position) / span}%`);
      markers.push(marker);
    });
    this.items = list;
    byId("events").replaceChildren(...list.map((item) => item.li));
    byId("markers").replaceChildren(...markers);
  }

  jump(position) {
    this.pause();
    this.show(position);
    this.playAt = this.model.timeAt(position);
  }

  start() {
    if (this.position >= this.model.length) this.show(0);
    this.playing = true;
    this.play.textContent = "Pause";
    this.playAt = this.model.timeAt(this.position);
    let last = performance.now();
    const frame = (now) => {
      if (!this.playing) return;
      this.playAt += (now - last) * this.speed;
      last = now;
      const next = this.model.moments[this.position];
      if (this.skipIdle && next && next.at - this.playAt > IDLE_MS) this.playAt = next.at - LEAD_MS;
      const position = this.model.positionAtTime(this.playAt);
      if (position !== this.position) this.show(position);
      if (this.position >= this.model.length) this.pause();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  pause() {
    this.playing = false;
    this.play.textContent = "Play";
  }

  redraw() {
    const p = this.position;
    this.position = -1;
    this.show(p);
  }

  show(position) {
    const p = Math.max(0, Math.min(position, this.model.length));
    if (p === this.position) return;
    this.position = p;
    this.scrub.value = String(p);
    const shown = this.shownCount;
    const state = this.model.stateAt(p);
    const language = this.model.lastBefore(p, "language-change")?.language ?? this.baseLanguage;
    const changes = shown === undefined ? null : this.model.changesBetween(shown, state.count, state.text);
    this.editor.show(state, language, changes);
    this.shownCount = state.count;
    byId("code-language").textContent = `(${language})`;
    const revision = state.count === 0 ? this.baseRevision : this.model.edits[state.count - 1].revision;
    const at = this.model.timeAt(p);
    const text = `${wallClock(at)} · +${elapsed(at - this.model.start)} of ${elapsed(this.model.end - this.model.start)} · revision ${revision}`;
    byId("position").textContent = text;
    this.scrub.setAttribute("aria-valuetext", text);
    const from = Math.min(this.lastShown ?? 0, p);
    const to = Math.max(this.lastShown ?? this.model.length, p);
    for (const item of this.items) { // only those the move passed over change
      if (item.position < from || item.position > to) continue;
      item.li.classList.toggle("current", item.position <= p);
      item.li.classList.toggle("at", item.position === p);
    }
    this.lastShown = p;
    this.showRun(this.model.lastBefore(p, "run-result"));
    this.momentRun?.show(revision, language);
    this.showBoard(at);
  }

  /** The whiteboard as it was at `at` (ms), when the session used it. */
  showBoard(at) {
    if (this.board === null) return;
    const elements = boardAt(this.board.events, at);
    this.board.view.show(elements);
    byId("board-count").textContent = `(${elements.length} element${elements.length === 1 ? "" : "s"})`;
  }

  showRun(run) {
    if (run === this.shownRun) return;
    this.shownRun = run;
    const panel = byId("replay-run");
    panel.hidden = run === null;
    if (run === null) return;
    fillRun("replay-run", run, `${run.name ?? "someone"} ran revision ${run.revision} (${run.language})`);
  }
}

async function main() {
  const sessionId = decodeURIComponent(location.pathname.split("/")[2] || "");
  const { role, token } = credentials(sessionId);
  const status = byId("replay-status");
  if (role !== "interviewer" || !token) {
    status.textContent = "no access";
    byId("replay-error").textContent = "The replay is for the interviewer: open it from the interviewer link (or from the room's Replay link).";
    byId("replay-error").hidden = false;
    return;
  }
  const api = `/api/sessions/${encodeURIComponent(sessionId)}`;
  let timeline;
  let report;
  let languages;
  const timings = { start: Math.round(performance.now()) };
  try {
    [timeline, report, languages] = await Promise.all([
      getJson(`${api}/timeline`, token), getJson(`${api}/report`, token), getJson("/api/languages"),
    ]);
  } catch (err) {
    status.textContent = "failed";
    byId("replay-error").textContent = `Could not load the replay: ${err.message}`;
    byId("replay-error").hidden = false;
    return;
  }
  const { base } = timeline;
  byId("replay-title").textContent = `Replay: ${report.name}`;
  document.title = `Replay: ${report.name}`;
  renderReport(report);
  const authors = new Map((report.participants || []).map((p) => [p.userId, p.colour ?? 0]));
  byId("authors").replaceChildren(...(report.participants || []).filter((p) => p.edits > 0).map((p) =>
    h("li", {}, h("span", { class: `swatch user-c${p.colour ?? 0}`, "aria-hidden": "true" }), h("span", { text: `${p.name} (${p.role})` }))));
  timings.fetched = Math.round(performance.now());
  const model = new ReplayModel({ baseText: base.code, baseAt: base.at, events: timeline.events, authors });
  timings.model = Math.round(performance.now());
  byId("replay-main").hidden = false;
  const editor = new ReplayEditor(byId("replay-editor"));
  // The whiteboard at each moment, beside the code (shown only when the board was used).
  const boardEvents = timeline.events.filter((e) => e.type === "board-change");
  const board = boardEvents.length ? { view: await replayBoard(byId("replay-board")), events: boardEvents } : null;
  byId("replay-board-panel").hidden = board === null;
  const momentRun = new MomentRun({ api, token, runnable: languages.runnable || {}, reasons: languages.reasons || {} });
  const player = new Player(model, editor, { baseLanguage: base.language, baseRevision: timeline.baseRevision, board, momentRun });
  player.listEvents();
  player.show(model.length);
  status.dataset.loadMs = String(Math.round(performance.now())); // since the navigation began
  status.dataset.timings = JSON.stringify(timings);
  status.textContent = `${model.edits.length} changes · ${elapsed(model.end - model.start)}`;
  status.dataset.ready = "true";
}

main();
