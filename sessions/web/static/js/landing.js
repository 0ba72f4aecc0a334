// The landing page: create a session, then show the three links with copy buttons. Tokens go
// only in the links' fragments (`#interviewer=…`), which browsers never send to a server.

import { byId, h } from "./dom.js";
import { applyTheme, loadPrefs } from "./prefs.js";

applyTheme(loadPrefs());

let problems = [];
let selectedSlug = "";

function renderProblems(filter) {
  const needle = filter.trim().toLowerCase();
  const shown = problems.filter((p) =>
    !needle || [p.title, p.slug, p.difficulty, ...(p.tags || [])].some((s) => s.toLowerCase().includes(needle)),
  );
  const option = (value, ...label) =>
    h("li", {}, h("label", {}, h("input", { type: "radio", name: "problem", value, checked: value === selectedSlug }), ...label));
  byId("problem-list").replaceChildren(
    option("", h("span", { text: "No problem (free-form)" })),
    ...shown.map((p) => option(p.slug, h("span", { text: p.title }), h("span", { class: "difficulty", text: p.difficulty }))),
  );
}

async function load() {
  const [languages, bank] = await Promise.all([
    fetch("/api/languages").then((r) => r.json()),
    fetch("/api/problems").then((r) => r.json()),
  ]);
  byId("create-language").replaceChildren(
    ...languages.languages.map((id) => h("option", { value: id, text: id, selected: id === languages.default })),
  );
  problems = bank.problems;
  renderProblems("");
}

async function create(event) {
  event.preventDefault();
  const error = byId("create-error");
  error.hidden = true;
  const body = {
    language: byId("create-language").value,
    maxCandidates: Number(byId("max-candidates").value) || 1,
  };
  const title = byId("title").value.trim();
  if (title) body.name = title;
  if (selectedSlug) body.problem = selectedSlug;
  const button = byId("create");
  button.disabled = true;
  try {
    const response = await fetch("/api/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error?.message || `HTTP ${response.status}`);
    showLinks(answer);
  } catch (err) {
    error.textContent = `Could not create the interview: ${err.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function showLinks(session) {
  const room = `${location.origin}/s/${encodeURIComponent(session.id)}`;
  byId("link-candidate").value = room;
  byId("link-interviewer").value = `${room}#interviewer=${encodeURIComponent(session.interviewerToken)}`;
  byId("link-observer").value = `${room}#observer=${encodeURIComponent(session.observerToken)}`;
  byId("open-interviewer").href = byId("link-interviewer").value;
  byId("create-form").hidden = true;
  byId("created").hidden = false;
  byId("created-heading").focus();
}

async function copy(event) {
  const id = event.target.dataset.copy;
  if (!id) return;
  const text = id === "all" ? allLinks() : byId(id).value;
  let done = false;
  try {
    await navigator.clipboard.writeText(text);
    done = true;
  } catch {
    if (id !== "all") {
      byId(id).select();
      done = document.execCommand("copy");
    }
  }
  const what = id === "all" ? "All three links copied." : "Copied.";
  byId("copy-status").textContent = done ? what : "Select the link and copy it (Ctrl+C).";
}

/** The three links, labelled, one a line: to keep somewhere safe (they are shown once). */
function allLinks() {
  const title = byId("title").value.trim() || "Interview";
  return [
    `${title}`,
    `Candidate: ${byId("link-candidate").value}`,
    `Interviewer (private): ${byId("link-interviewer").value}`,
    `Observer (private): ${byId("link-observer").value}`,
  ].join("\n");
}

byId("create-form").addEventListener("submit", create);
byId("problem-list").addEventListener("change", (e) => { selectedSlug = e.target.value; });
byId("problem-search").addEventListener("input", (e) => renderProblems(e.target.value));
byId("created").addEventListener("click", copy);
load();
