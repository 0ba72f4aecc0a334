// Private notes: only for interviewers and observers. For a candidate the panel is removed
// from the page altogether (and the server never sends them notes).

import { byId, clock, h } from "./dom.js";

export class NotesPanel {
  constructor({ send }) {
    this.panel = byId("notes-panel");
    this.log = byId("notes-log");
    this.form = byId("notes-form");
    this.text = byId("notes-text");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.text.value.trim();
      if (text && send({ type: "note", text })) this.text.value = "";
    });
    this.panel.hidden = false;
  }

  reset(notes) {
    this.log.replaceChildren();
    for (const note of notes) this.add(note);
  }

  add(note) {
    if (document.getElementById(`note-${note.id}`)) return;
    this.log.append(
      h(
        "li",
        { id: `note-${note.id}` },
        h("span", { class: "meta", text: `${note.name} · ${clock(note.at)}` }),
        h("p", { class: "text", text: note.text }),
      ),
    );
  }

  set enabled(value) {
    for (const el of this.form.elements) el.disabled = !value;
  }
}

/** Take the notes panel out of the page (candidates). */
export function removeNotesPanel() {
  document.getElementById("notes-panel")?.remove();
}
