// Each person's colour: a palette class (`user-c0`…`user-c7`, in editor.css), the same for a
// person in the participants list and on their cursor.

const SIZE = 8;

export class Palette {
  constructor() {
    this.colours = new Map(); // userId -> index
  }

  /** Give each user in `users` the colour the server gave the person (`colour`, kept across
   * reconnects); without one, the lowest colour no other present user has. */
  assign(users) {
    const present = new Set(users.map((u) => u.userId));
    for (const userId of this.colours.keys()) if (!present.has(userId)) this.colours.delete(userId);
    for (const { userId, colour } of users) {
      if (Number.isInteger(colour)) {
        this.colours.set(userId, colour % SIZE);
        continue;
      }
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
