// The participants panel: names, roles, a live count, who is typing, and (for an
// interviewer) a button to remove someone.

import { byId, h } from "./dom.js";

const TYPING_MS = 2000;

export class PeoplePanel {
  /** `onRemove(userId)`: shown only when `canRemove`; `palette`: everyone's colours. */
  constructor({ canRemove, onRemove, palette }) {
    this.palette = palette;
    this.list = byId("people");
    this.count = byId("people-count");
    this.canRemove = canRemove;
    this.onRemove = onRemove;
    this.users = [];
    this.me = null;
    this.typing = new Map(); // userId -> timer
  }

  /** The users (with their `userId`, `name`, `role`) and this page's own userId. */
  update(users, me) {
    this.users = users;
    this.me = me;
    this.palette.assign(users);
    this.render();
  }

  nameOf(userId) {
    return this.users.find((u) => u.userId === userId)?.name ?? "someone";
  }

  /** `userId` just edited: show "typing…" for a moment. */
  typed(userId) {
    if (!userId || userId === this.me) return;
    clearTimeout(this.typing.get(userId));
    this.typing.set(userId, setTimeout(() => {
      this.typing.delete(userId);
      this.render();
    }, TYPING_MS));
    this.render();
  }

  set removable(value) {
    this.canRemove = value;
    this.render();
  }

  render() {
    const items = this.users.map((user) => {
      const you = user.userId === this.me;
      const remove = this.canRemove && !you
        ? h("button", { type: "button", class: "small", "aria-label": `Remove ${user.name}`, text: "Remove" })
        : null;
      remove?.addEventListener("click", () => this.onRemove(user.userId));
      return h(
        "li",
        { "data-user": user.userId },
        h("span", { class: `swatch ${this.palette.classFor(user.userId)}`, "aria-hidden": "true" }),
        h("span", { class: "name", text: user.name + (you ? " (you)" : "") }),
        h("span", { class: `role role-${user.role}`, text: user.role }),
        this.typing.has(user.userId) ? h("span", { class: "typing", text: "typing…" }) : null,
        remove,
      );
    });
    this.list.replaceChildren(...items);
    this.count.textContent = `(${this.users.length})`;
  }
}
