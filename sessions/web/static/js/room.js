// The interview room: wires the socket, the OT client, the editor and the panels together.
// Each piece has one job; this module only routes frames between them.

import { FollowCandidate, InterviewTimer, RoomNotices } from "./awareness.js";
import { CallPanel } from "./call.js";
import { ChatPanel } from "./chat.js";
import { closedForGood, ConnectionBadge, lockOut, REMOVED_TEXT, removedKey } from "./connection.js";
import { applyTheme, comfortExtensions, loadPrefs, SettingsMenu } from "./editor_prefs.js";
import { resizablePanes } from "./panes.js";
import { byId, h } from "./dom.js";
import { RoomEditor } from "./editor.js";
import { clientId, credentials, pageNonce, saveName, savedName } from "./identity.js";
import { NotesPanel, removeNotesPanel } from "./notes.js";
import { OTClient, OutOfStep } from "./ot_client.js";
import { Palette } from "./palette.js";
import { PeoplePanel } from "./people.js";
import { ProblemPanel } from "./problem.js";
import { RunPanel, languageOption } from "./run.js";
import { Signals } from "./signals.js";
import { RoomSocket } from "./socket.js";

const CURSOR_THROTTLE_MS = 60;
const RESYNC_ERRORS = new Set(["revision-too-old", "invalid-revision", "invalid-operation"]);
const RATE_LIMIT_RETRY_MS = 1000;

class Room {
  constructor({ sessionId, name, role, token }) {
    this.sessionId = sessionId;
    this.name = name;
    this.role = role;
    this.token = token;
    this.clientId = clientId();
    this.opPrefix = `${this.clientId}.${pageNonce()}`;
    this.client = null;
    this.editor = null;
    this.me = null;
    this.ended = false;
    this.language = null;
    this.refs = 0;
    this.cursorTimer = null;
    this.freshJoin = false;
    this.cursorUsers = new Set();
    const send = (frame) => this.sendWithRef(frame);
    this.palette = new Palette();
    this.people = new PeoplePanel({
      palette: this.palette,
      canRemove: role === "interviewer",
      onRemove: (userId) => send({ type: "remove-user", userId, block: true }),
      onDropped: (user) => this.notices.show(`${user.name} (${user.role}) disconnected`),
    });
    this.unsent = 0;
    this.badge = new ConnectionBadge({ retry: () => this.socket.retryNow() });
    this.notices = new RoomNotices({ after: byId("notice") });
    const controls = document.querySelector(".controls");
    this.timer = new InterviewTimer({ parent: controls, canSet: role === "interviewer", send });
    this.follow = role === "interviewer" ? new FollowCandidate({ parent: controls }) : null;
    this.prefs = loadPrefs();
    applyTheme(this.prefs);
    this.settings = new SettingsMenu({ parent: controls, prefs: this.prefs, onChange: (prefs) => this.comfort(prefs) });
    this.chat = new ChatPanel({ send });
    this.notes = role === "candidate" ? null : new NotesPanel({ send });
    if (this.notes === null) removeNotesPanel();
    this.problem = new ProblemPanel({ canPick: role === "interviewer", send });
    this.run = new RunPanel({ send, visible: role !== "observer", editor: () => this.editor });
    this.run.load();
    this.signals = new Signals({ role, send, editorHost: byId("editor") });
    this.call = new CallPanel({ send, listenOnly: role === "observer" });
    this.socket = new RoomSocket({
      url: () => this.joinUrl(),
      joinFrame: () => (this.token ? { type: "auth", token: this.token } : null),
      gone: () => this.sessionGone(),
      onFrame: (frame) => this.receive(frame),
      onStatus: (status) => this.showStatus(status),
    });
    this.board = null; // the whiteboard tab (board.js), loaded when first opened
    this.boardOpening = null;
    this.wireControls();
    this.wireTabs();
  }

  joinFrame() {
    const frame = {
      type: "join-session",
      sessionId: this.sessionId,
      name: this.name,
      role: this.role,
      clientId: this.clientId,
      fullCode: false,
    };
    if (this.token) frame.token = this.token;
    if (this.client !== null && !this.freshJoin) {
      frame.revision = this.client.revision;
      frame.historyId = this.client.historyId;
    }
    return frame;
  }

  /** `/ws/{sessionId}?…`: the join is in the URL, so a proxy in front of a cluster routes
   * the socket to the session's owner; the token goes in an `auth` frame, never in a URL. */
  joinUrl() {
    const { sessionId, token: _token, type: _type, ...fields } = this.joinFrame();
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && value !== null) query.set(key, String(value));
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws/${encodeURIComponent(sessionId)}?${query}`;
  }

  /** Why a socket refused before it opened will never open (the session does not exist),
   * or null when it may open on a retry. */
  async sessionGone() {
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(this.sessionId)}`);
      if (response.status !== 404) return null;
      const body = await response.json();
      return body?.error?.message || `no session with id '${this.sessionId}'`;
    } catch {
      return null;
    }
  }

  /** A non-editing frame, with a `ref` so its ack is not taken for an edit's ack. */
  sendWithRef(frame) {
    this.refs += 1;
    return this.socket.send({ ...frame, ref: `r${this.refs}` });
  }

  receive(frame) {
    if (frame.type.startsWith("board-") || (frame.type === "error" && /^b\d/.test(String(frame.ref)))) {
      this.board?.handle(frame);
      return undefined;
    }
    switch (frame.type) {
      case "session-state": return this.joined(frame);
      case "code-update": return this.remoteEdit(frame);
      case "ack": return this.acked(frame);
      case "users-update":
        this.board?.present(new Set(frame.users.map((u) => u.userId)));
        return this.people.update(frame.users, this.me);
      case "cursor-update": return this.remoteCursor(frame.userId, frame.revision, frame.ranges);
      case "language-change":
        this.notices.show(`${this.people.nameOf(frame.userId)} changed the language to ${frame.language}`);
        return this.setLanguage(frame.language);
      case "chat-message": return this.chat.add(frame);
      case "note": return this.notes?.add(frame);
      case "problem-update":
        this.notices.show(`${this.people.nameOf(frame.userId)} set the problem: ${frame.problem?.title ?? ""}`);
        return this.problem.show(frame.problem);
      case "timer-update": return this.timer.set(frame.timer);
      case "session-ended": return this.setEnded(true);
      case "error": return this.failed(frame);
      case "signal": return this.signals.show(frame);
      default:
        if (frame.type.startsWith("run-")) this.run.handle(frame);
        else if (frame.type.startsWith("call-")) this.call.handle(frame);
    }
    return undefined;
  }

  joined(frame) {
    const { session } = frame;
    this.me = frame.you.userId;
    this.chat.me = this.me;
    this.timer.set(frame.timer);
    this.call.joined(this.me);
    const historyId = frame.historyId ?? session.historyId ?? null;
    if (this.client === null || this.freshJoin) {
      this.freshJoin = false;
      this.client = new OTClient({ opPrefix: this.opPrefix, revision: session.revision, text: session.code, historyId });
      if (this.editor === null) this.createEditor(session.code);
      else this.editor.replaceAll(session.code);
    } else if (Array.isArray(frame.missed) && !frame.reset && historyId === this.client.historyId) {
      const { changes, send } = this.client.applyMissed(frame.missed);
      for (const step of changes) this.editor.applyRemote(step.changes);
      if (send !== null) this.socket.send(send);
    } else {
      const { text, send } = this.client.reset({ text: session.code, revision: session.revision, historyId });
      this.editor.replaceAll(text);
      if (send !== null) this.socket.send(send);
    }
    byId("session-title").textContent = session.name;
    document.title = `${session.name} · Interview room`;
    byId("you").textContent = `${frame.you.name} · ${frame.you.role}`;
    this.people.update(frame.users, this.me);
    this.chat.reset(frame.chat || []);
    this.notes?.reset(frame.notes || []);
    this.problem.show(frame.problem);
    this.setLanguage(session.language);
    const present = new Set(frame.users.map((u) => u.userId));
    for (const userId of this.cursorUsers) {
      if (!present.has(userId)) this.remoteCursor(userId, this.client.revision, []);
    }
    for (const cursor of frame.cursors || []) {
      if (cursor.userId !== this.me) this.remoteCursor(cursor.userId, session.revision, cursor.ranges);
    }
    this.setEnded(session.status === "ended");
    this.signals.joined(frame);
    this.sendCursor();
    this.board?.rejoined();
  }

  createEditor(text) {
    byId("name-form").hidden = true;
    byId("room").hidden = false;
    this.editor = new RoomEditor({
      parent: byId("editor"),
      text,
      language: this.language,
      readOnly: true,
      label: "Code editor",
      onLocalChange: (changes) => {
        const frame = this.client.applyLocal(changes);
        this.badge.setUnsent(++this.unsent);
        if (frame !== null) this.socket.send(frame);
      },
      onSelection: () => this.scheduleCursor(),
    });
    this.comfort(this.prefs);
    resizablePanes(byId("room"));
  }

  /** Apply the person's editor settings (theme, font size, keymap). */
  async comfort(prefs) {
    this.prefs = prefs;
    applyTheme(prefs);
    const extensions = await comfortExtensions(prefs);
    if (this.prefs === prefs) this.editor?.setComfort(extensions);
  }

  remoteEdit(frame) {
    if (this.client === null) return;
    const step = this.inStep(() => this.client.applyServer(frame.ops, frame.revision, frame.opId));
    if (step === null) return;
    this.editor.applyRemote(step.changes);
    if (step.send !== null) this.socket.send(step.send);
    this.people.typed(frame.userId);
  }

  acked(frame) {
    if (frame.ref !== undefined || typeof frame.revision !== "number" || this.client === null) return;
    const next = this.inStep(() => this.client.serverAck(frame.revision));
    if (next) this.socket.send(next);
    if (this.client.state === "synchronized") this.badge.setUnsent((this.unsent = 0));
    this.scheduleCursor();
  }

  /** `step()`'s result, or null when the frame was out of step with the OT client (one lost
   * or reordered): then nothing was applied, and a rejoin with the revision counted gets the
   * ops in between as `missed`. */
  inStep(step) {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof OutOfStep)) throw error;
      this.socket.reconnectNow();
      return null;
    }
  }

  remoteCursor(userId, revision, ranges) {
    if (this.editor === null || userId === this.me) return;
    const behind = revision !== this.client.revision;
    const local = behind ? [] : ranges.map(({ anchor, head }) => ({
      anchor: this.client.toLocalPosition(anchor),
      head: this.client.toLocalPosition(head),
    }));
    if (behind && ranges.length) return; // a stale position: the next update will place it
    const colour = this.palette.classFor(userId);
    this.editor.setRemoteCursor({ userId, name: this.people.nameOf(userId), colour, ranges: local });
    const role = this.people.users.find((u) => u.userId === userId)?.role;
    this.follow?.moved(this.editor, role, local[0]?.head);
    if (local.length) this.cursorUsers.add(userId);
    else this.cursorUsers.delete(userId);
  }

  scheduleCursor() {
    if (this.cursorTimer !== null) return;
    this.cursorTimer = setTimeout(() => {
      this.cursorTimer = null;
      this.sendCursor();
    }, CURSOR_THROTTLE_MS);
  }

  sendCursor() {
    if (this.editor === null || this.client === null || this.role === "observer") return;
    const ranges = this.editor.view.state.selection.ranges.map((r) => ({
      anchor: this.client.toServerPosition(r.anchor),
      head: this.client.toServerPosition(r.head),
    }));
    this.socket.send({ type: "cursor", revision: this.client.revision, ranges, ref: "cursor" });
  }

  /** An error without a `ref` answers a code-change (every other frame carries one). */
  failed(frame) {
    if (frame.ref === "cursor") return; // a stale cursor: the next one replaces it
    if (frame.code === "rate-limited" && frame.ref === undefined) {
      // The edit was dropped unread: send it again (same opId: never applied twice).
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        const again = this.client?.frame();
        if (again) this.socket.send(again);
      }, RATE_LIMIT_RETRY_MS);
      return;
    }
    if (RESYNC_ERRORS.has(frame.code) && frame.ref === undefined) {
      if (frame.code !== "revision-too-old") this.freshJoin = true; // our op is unusable
      this.socket.reconnectNow();
      return;
    }
    if (frame.code === "language-not-runnable" || frame.code === "exec-disabled" || frame.code === "run-in-progress") {
      this.run.error(frame.message);
      return;
    }
    const notice = byId("notice");
    notice.textContent = frame.message || frame.code;
    notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => { notice.hidden = true; }, 6000);
  }

  setLanguage(language) {
    this.language = language;
    byId("language").value = language;
    this.editor?.setLanguage(language);
    this.run.setLanguage(language);
  }

  setEnded(ended) {
    this.ended = ended;
    const readOnly = ended || this.role === "observer";
    this.editor?.setReadOnly(readOnly);
    const banner = byId("readonly");
    banner.hidden = !readOnly;
    if (ended) banner.textContent = "The interview has ended: the code is read-only.";
    else if (readOnly) banner.textContent = "You are observing: the code is read-only for you.";
    byId("language").disabled = readOnly;
    byId("end").hidden = ended || this.role !== "interviewer";
    byId("end-confirm").hidden = true;
    this.chat.enabled = !ended;
    if (this.notes !== null) this.notes.enabled = !ended;
    this.run.setEnded(ended);
    this.signals.ended = ended;
    this.board?.setReadOnly(readOnly);
    this.call.setEnded(ended);
    this.people.removable = !ended && this.role === "interviewer";
    this.badge.setEnded(ended);
    if (this.closed) lockOut(this, this.closed);
  }

  showStatus(status) {
    this.badge.show(status);
    if (status.state === "closed") closedForGood(this, status.reason);
  }

  wireControls() {
    const language = byId("language");
    language.addEventListener("change", () => {
      this.sendWithRef({ type: "language-change", language: language.value });
      this.setLanguage(language.value);
    });
    const end = byId("end");
    const confirm = byId("end-confirm");
    end.addEventListener("click", () => {
      confirm.hidden = false;
      byId("end-no").focus();
    });
    byId("end-no").addEventListener("click", () => {
      confirm.hidden = true;
      end.focus();
    });
    byId("end-yes").addEventListener("click", () => this.sendWithRef({ type: "end-session" }));
    if (this.role === "interviewer") {
      const replay = byId("replay-link");
      replay.href = `/s/${encodeURIComponent(this.sessionId)}/replay`;
      replay.hidden = false;
    }
  }

  /** The Code and Whiteboard tabs; the board's code is fetched on its first opening. */
  wireTabs() {
    const tabs = [byId("tab-code"), byId("tab-board")];
    const show = (tab) => {
      for (const t of tabs) {
        const selected = t === tab;
        t.setAttribute("aria-selected", String(selected));
        t.tabIndex = selected ? 0 : -1;
        byId(t.getAttribute("aria-controls")).hidden = !selected;
      }
      if (tab.id === "tab-board") this.boardOpening ??= this.openBoard();
    };
    for (const tab of tabs) {
      tab.addEventListener("click", () => show(tab));
      tab.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
        const next = tabs[(tabs.indexOf(tab) + 1) % tabs.length];
        next.focus();
        show(next);
      });
    }
  }

  async openBoard() {
    const { BoardTab } = await import("./board.js");
    const board = new BoardTab({
      container: byId("board"),
      send: (frame) => this.socket.send(frame),
      readOnly: this.ended || this.role === "observer",
      palette: this.palette,
      onError: (message) => this.failed({ code: "board", message, ref: "board" }),
    });
    await board.open();
    this.board = board; // from now on board frames reach it (open() asked for the board)
  }

  async start() {
    try {
      const response = await fetch("/api/languages");
      const { languages, runnable = {}, reasons = {} } = await response.json();
      byId("language").replaceChildren(...languages.map((id) => languageOption(id, runnable, reasons)));
    } catch {
      // the session-state still names the language; the selector stays as it is
    }
    this.socket.start();
  }
}

function main() {
  const sessionId = decodeURIComponent(location.pathname.split("/")[2] || "");
  const { role, token } = credentials(sessionId);
  if (sessionStorage.getItem(removedKey(sessionId)) !== null) {
    const room = new Room({ sessionId, name: savedName() || "", role, token });
    room.socket.stop(REMOVED_TEXT);
    return;
  }
  const begin = (name) => {
    const room = new Room({ sessionId, name, role, token });
    window.addEventListener("pagehide", () => room.socket.stop(""));
    // Back to a page kept in the back/forward cache: its socket is gone, start afresh.
    window.addEventListener("pageshow", (event) => {
      if (event.persisted) location.reload();
    });
    room.start();
  };
  const name = savedName();
  if (name) {
    begin(name);
    return;
  }
  const form = byId("name-form");
  const input = byId("name-input");
  form.hidden = false;
  input.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    saveName(value);
    form.hidden = true;
    begin(value);
  });
}

main();
