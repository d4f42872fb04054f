// The change log of protocol version 2 (docs/PROTOCOL.md): each room numbers the changes to its
// messages 1, 2, 3... without gaps. A tab keeps, per room, the highest number up to which it has
// seen every change (the `since` cursor of rooms/{id}/changes/), and the numbers it has seen beyond
// it; a number it has not seen below one it has is a gap, which the change log fills. Pushes are
// best effort: they can be lost, repeated or reordered, so every rule here takes them in any order.
// Also which copy of a message wins: the one with the higher `seq` (its latest change).

/** Where a room stands in its change log. */
export class SeqLog {
  constructor(seq = 0) {
    this.seq = seq; // every change up to this number is applied
    this.ahead = new Set(); // numbers seen beyond it, with a gap before them
    this.latest = seq; // the highest number the server announced (hello, room objects, pushes)
  }

  /** Changes the server has that this tab has not seen: a push skipped a number, or hello said so. */
  get gap() {
    return this.ahead.size > 0 || this.latest > this.seq;
  }

  /** The server says the room's changes go up to `seq` (hello's seqs, a Room, a changes page). */
  announced(seq) {
    if (Number.isInteger(seq) && seq > this.latest) this.latest = seq;
  }

  /**
   * A push numbered `seq` was applied. Returns true when it was news for the log (not a repeat
   * of a number already covered).
   */
  noted(seq) {
    if (!Number.isInteger(seq) || seq <= this.seq || this.ahead.has(seq)) return false;
    this.announced(seq);
    if (seq === this.seq + 1) {
      this.seq = seq;
      this.#absorb();
    } else {
      this.ahead.add(seq);
    }
    return true;
  }

  /** Every change up to `seq` is applied (a page of the change log, or nothing held to apply it to). */
  reached(seq) {
    if (!Number.isInteger(seq) || seq <= this.seq) return;
    this.seq = seq;
    this.announced(seq);
    for (const seen of this.ahead) if (seen <= seq) this.ahead.delete(seen);
    this.#absorb();
  }

  /** Numbers seen beyond the cursor that now follow it without a gap move it on. */
  #absorb() {
    while (this.ahead.delete(this.seq + 1)) this.seq += 1;
  }
}

/**
 * Whether `incoming` is a newer state of a message than `held` (the copy this tab has): its
 * latest change has a higher number. Copies without a number (a version 1 server) are the same
 * state, so the one held stays.
 */
export function isNewerCopy(held, incoming) {
  return Number.isInteger(incoming.seq) && !(Number.isInteger(held.seq) && held.seq >= incoming.seq);
}
