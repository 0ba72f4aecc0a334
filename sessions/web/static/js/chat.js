// The chat panel: messages, questions, and replies that link to their question.

import { byId, clock, h } from "./dom.js";

export class ChatPanel {
  /** `send(frame)`: posts a chat-message frame. */
  constructor({ send }) {
    this.log = byId("chat-log");
    this.form = byId("chat-form");
    this.text = byId("chat-text");
    this.question = byId("chat-question");
    this.replying = byId("chat-replying");
    this.replyTo = null;
    this.me = null; // this page's userId: no Reply on one's own question
    this.messages = new Map();
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.text.value.trim();
      if (!text) return;
      const frame = { type: "chat-message", text, kind: this.question.checked ? "question" : "message" };
      if (this.replyTo !== null) frame.replyTo = this.replyTo;
      if (send(frame)) {
        this.text.value = "";
        this.question.checked = false;
        this.setReply(null);
      }
    });
    this.text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
  }

  /** Replace the history (a join's session-state). */
  reset(messages) {
    this.messages.clear();
    this.log.replaceChildren();
    for (const message of messages) this.add(message);
  }

  add(message) {
    if (this.messages.has(message.id)) return;
    this.messages.set(message.id, message);
    const parent = message.replyTo ? this.messages.get(message.replyTo) : null;
    const item = h(
      "li",
      { class: `chat-${message.kind || "message"}`, id: `chat-${message.id}` },
      h("span", { class: "meta", text: `${message.name} · ${clock(message.at)}` }),
      message.kind === "question" ? h("strong", { class: "tag", text: "Question" }) : null,
      parent ? h("span", { class: "reply-to", text: `↳ re: ${parent.text.slice(0, 60)}` }) : null,
      h("p", { class: "text", text: message.text }),
    );
    if (message.kind === "question" && message.userId !== this.me) {
      const reply = h("button", { type: "button", class: "small", text: "Reply" });
      reply.addEventListener("click", () => this.setReply(message.id));
      item.append(reply);
    }
    this.log.append(item);
    this.log.scrollTop = this.log.scrollHeight;
  }

  setReply(id) {
    this.replyTo = id;
    if (id === null) {
      this.replying.hidden = true;
      this.replying.textContent = "";
      return;
    }
    this.replying.hidden = false;
    this.replying.textContent = `Replying to: ${this.messages.get(id)?.text.slice(0, 60) ?? ""}`;
    this.text.focus();
  }

  set enabled(value) {
    for (const el of this.form.elements) el.disabled = !value;
  }
}
