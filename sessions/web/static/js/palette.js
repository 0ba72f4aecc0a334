// Each person's colour: a palette class (`user-c0`…`user-c7`, in editor.css), the same for a
// person in the participants list and on their cursor.

const SIZE = 8;

export class Palette {
  constructor() {
    this.colours = new Map(); // userId -> index
  }

  /** Give each user in `users` (the session's join order, the same on every page) the lowest
   * colour no other present user has; a user keeps theirs while present. */
  assign(users) {
    const present = new Set(users.map((u) => u.userId));
    for (const userId of this.colours.keys()) if (!present.has(userId)) this.colours.delete(userId);
    for (const { userId } of users) {
      if (this.colours.has(userId)) continue;
      const taken = new Set(this.colours.values());
      let index = 0;
      while (taken.has(index) && index < SIZE) index++;
      this.colours.set(userId, index % SIZE);
    }
  }

  /** The colour class of `userId`. */
  classFor(userId) {
    return `user-c${this.colours.get(userId) ?? 0}`;
  }
}
