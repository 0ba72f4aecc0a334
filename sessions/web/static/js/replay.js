// The replay: the interview's timeline with a slider and a play button over every code
// change, the chat, notes and other events beside it, and the report. Interviewers only
// (the timeline holds private notes): the token comes from the fragment, as in the room.

import { EditorState, EditorView, lineNumbers, syntaxHighlighting, defaultHighlightStyle } from "../vendor/codemirror.js";
import { byId, clock, h } from "./dom.js";
import { languageSupport, shadowMount } from "./editor.js";
import { credentials } from "./identity.js";
import * as ot from "./ot.js";

const PLAY_STEP_MS = 120;

/** The code after each code change: `texts[i]` is the text after `edits[i - 1]`. */
export function buildTexts(base, edits) {
  const texts = [base];
  for (const edit of edits) texts.push(ot.apply(texts[texts.length - 1], edit.ops));
  return texts;
}

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
    default:
      if (event.type.startsWith("run")) return `ran the code${event.status ? `: ${event.status}` : ""}`;
      return event.type;
  }
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
    ["Duration", `${Math.round(report.durationSeconds / 60)} min`],
    ["Revisions", String(report.revision)],
    ["Languages", (report.languagesUsed || []).join(", ")],
    ["Problems", (report.problems || []).join(", ") || "none"],
    ["Chat messages", String(report.chatMessages)],
    ["First edit after", report.timeToFirstEditSeconds == null ? "–" : `${Math.round(report.timeToFirstEditSeconds)} s`],
  ];
  byId("report").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]));
  byId("report-people").replaceChildren(
    ...(report.participants || []).map((p) =>
      h("li", {}, h("span", { class: "name", text: p.name }), h("span", { class: "role", text: `${p.role} · ${p.edits} edits · ${p.chatMessages} messages` }))),
  );
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
  let timeline;
  let base;
  let report;
  try {
    timeline = await getJson(`/api/sessions/${encodeURIComponent(sessionId)}/timeline`, token);
    base = await getJson(`/api/sessions/${encodeURIComponent(sessionId)}/replay?at=${timeline.baseRevision}`, token);
    report = await getJson(`/api/sessions/${encodeURIComponent(sessionId)}/report`, token);
  } catch (err) {
    status.textContent = "failed";
    byId("replay-error").textContent = `Could not load the replay: ${err.message}`;
    byId("replay-error").hidden = false;
    return;
  }
  byId("replay-title").textContent = `Replay: ${report.name}`;
  document.title = `Replay: ${report.name}`;
  renderReport(report);
  const edits = timeline.events.filter((e) => e.type === "code-change");
  const texts = buildTexts(base.code, edits);
  const others = timeline.events.filter((e) => e.type !== "code-change");
  // The language at each step: the last language change at or before that edit.
  const languageAt = (i) => {
    const until = i === 0 ? base.at : edits[i - 1].at;
    let language = base.language;
    for (const e of others) if (e.type === "language-change" && e.at <= until) language = e.language;
    return language;
  };
  const { root, wrap } = shadowMount(byId("replay-editor"));
  const view = new EditorView({
    parent: wrap,
    root,
    state: EditorState.create({ doc: texts[0], extensions: [EditorState.readOnly.of(true), EditorView.editable.of(false), lineNumbers(), syntaxHighlighting(defaultHighlightStyle)] }),
  });
  let language = null;
  const items = others.map((e) => {
    const li = h("li", { "data-at": e.at }, h("span", { class: "meta", text: `${clock(e.at)} · ${e.name ?? "server"}` }), h("p", { class: "text", text: describe(e) }));
    return { at: e.at, li };
  });
  byId("events").replaceChildren(...items.map((i) => i.li));

  const scrub = byId("scrub");
  scrub.max = String(edits.length);
  const show = (i) => {
    const text = texts[i];
    const lang = languageAt(i);
    if (lang !== language) {
      language = lang;
      view.setState(EditorState.create({ doc: text, extensions: [EditorState.readOnly.of(true), EditorView.editable.of(false), lineNumbers(), syntaxHighlighting(defaultHighlightStyle), languageSupport(lang), EditorView.contentAttributes.of({ "aria-label": "Code at this moment", tabindex: "0" })] }));
    } else {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    }
    byId("code-language").textContent = `(${lang})`;
    const revision = i === 0 ? timeline.baseRevision : edits[i - 1].revision;
    const moment = i === 0 ? base.at : edits[i - 1].at;
    byId("position").textContent = `revision ${revision} · ${clock(moment)} · step ${i} of ${edits.length}`;
    scrub.setAttribute("aria-valuetext", `revision ${revision}`);
    const now = new Date(moment).getTime();
    for (const item of items) item.li.classList.toggle("current", new Date(item.at).getTime() <= now);
  };
  scrub.addEventListener("input", () => show(Number(scrub.value)));
  let timer = null;
  const play = byId("play");
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  };
  play.addEventListener("click", () => {
    if (timer !== null) return stop();
    if (Number(scrub.value) >= edits.length) scrub.value = "0";
    play.textContent = "Pause";
    timer = setInterval(() => {
      const next = Number(scrub.value) + 1;
      if (next > edits.length) return stop();
      scrub.value = String(next);
      show(next);
      return undefined;
    }, PLAY_STEP_MS);
    return undefined;
  });
  byId("replay-main").hidden = false;
  status.textContent = `${edits.length} changes`;
  scrub.value = String(edits.length);
  show(edits.length);
}

main();
