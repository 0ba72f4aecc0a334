// The participants panel: names, roles, a live count, who is typing, who dropped, and (for an
// interviewer) a Remove button that asks first: removing keeps the person out (`block`).

import { byId, clock, h } from "./dom.js";

const TYPING_MS = 2000;

export class PeoplePanel {
  /** `onRemove(userId)`: shown only when `canRemove`, after a confirmation; `palette`:
   * everyone's colours; `onDropped(user)`: a candidate left without saying so (their
   * connection dropped), shown in the list until they return. */
  constructor({ canRemove, onRemove, palette, onDropped = () => {} }) {
    this.palette = palette;
    this.list = byId("people");
    this.count = byId("people-count");
    this.canRemove = canRemove;
    this.onRemove = onRemove;
    this.onDropped = onDropped;
    this.users = [];
    this.me = null;
    this.typing = new Map(); // userId -> timer
    this.confirming = null; // userId asked about
    this.dropped = new Map(); // `${name}\u0000${role}` -> {name, role, at}
    this.removed = new Set(); // userIds removed by this page (they did not drop)
  }

  /** The users (with their `userId`, `name`, `role`) and this page's own userId. */
  update(users, me) {
    const before = this.users;
    const present = new Set(users.map((u) => u.userId));
    for (const user of users) this.dropped.delete(key(user));
    for (const user of before) {
      if (present.has(user.userId) || user.userId === me || this.removed.has(user.userId)) continue;
      if (user.role !== "candidate" || this.me === null) continue;
      const gone = { name: user.name, role: user.role, at: new Date().toISOString() };
      this.dropped.set(key(user), gone);
      this.onDropped(gone);
    }
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

  removeControls(user) {
    if (this.confirming !== user.userId) {
      const remove = h("button", { type: "button", class: "small", "aria-label": `Remove ${user.name}`, text: "Remove" });
      remove.addEventListener("click", () => {
        this.confirming = user.userId;
        this.render();
        this.list.querySelector(`[data-user="${CSS.escape(user.userId)}"] .cancel`)?.focus();
      });
      return remove;
    }
    const yes = h("button", { type: "button", class: "small danger", text: "Remove and keep out" });
    const no = h("button", { type: "button", class: "small secondary cancel", text: "Cancel" });
    yes.addEventListener("click", () => {
      this.confirming = null;
      this.removed.add(user.userId);
      this.onRemove(user.userId);
      this.render();
    });
    no.addEventListener("click", () => {
      this.confirming = null;
      this.render();
    });
    return h("span", { class: "confirm", role: "group", "aria-label": `Remove ${user.name}?` },
      h("span", { text: `Remove ${user.name}? They cannot rejoin.` }), yes, no);
  }

  render() {
    const items = this.users.map((user) => {
      const you = user.userId === this.me;
      const remove = this.canRemove && !you ? this.removeControls(user) : null;
      return h(
        "li",
        { "data-user": user.userId, class: this.confirming === user.userId ? "confirming" : null },
        h("span", { class: `swatch ${this.palette.classFor(user.userId)}`, "aria-hidden": "true" }),
        h("span", { class: "who" },
          h("span", { class: "name", text: user.name + (you ? " (you)" : "") }),
          h("span", { class: `role role-${user.role}`, text: user.role })),
        this.typing.has(user.userId) ? h("span", { class: "typing", text: "typing…" }) : null,
        remove,
      );
    });
    for (const gone of this.dropped.values()) {
      items.push(h("li", { class: "dropped" },
        h("span", { class: "who" },
          h("span", { class: "name", text: `${gone.name} — disconnected at ${clock(gone.at)}` }),
          h("span", { class: `role role-${gone.role}`, text: gone.role }))));
    }
    this.list.replaceChildren(...items);
    this.count.textContent = `(${this.users.length})`;
  }
}

function key(user) {
  return `${user.name}\u0000${user.role}`;
}
