// What a message of protocol version 2 says about itself, as pure functions: whom it mentions, the
// reactions as this person should see them (with their own changes still on their way), the quote
// of the message a reply answers (from this tab's own copy when it has one: PROTOCOL.md says
// clients refresh reply previews themselves).

/** Whether the message names the user with an @mention. */
export function mentionsUser(message, userId) {
  return Array.isArray(message?.mentions) && message.mentions.includes(userId);
}

/**
 * The reactions to show: the server's (`reactions`, in the order each emoji was first used), with
 * `pending` applied in order ({emoji, add} for this person's reaction frames not acknowledged yet),
 * so that a press shows at once. Each entry: {emoji, count, user_ids, mine}.
 */
export function reactionsShown(reactions = [], pending = [], meId) {
  const shown = reactions.map((reaction) => ({ ...reaction, user_ids: [...reaction.user_ids] }));
  for (const { emoji, add } of pending) {
    const index = shown.findIndex((reaction) => reaction.emoji === emoji);
    const reaction = shown[index];
    const mine = Boolean(reaction?.user_ids.includes(meId));
    if (add && !mine) {
      if (reaction) {
        reaction.user_ids.push(meId);
        reaction.count += 1;
      } else {
        shown.push({ emoji, count: 1, user_ids: [meId] });
      }
    } else if (!add && mine) {
      reaction.user_ids = reaction.user_ids.filter((id) => id !== meId);
      reaction.count -= 1;
      if (reaction.count <= 0) shown.splice(index, 1);
    }
  }
  return shown.map((reaction) => ({ ...reaction, mine: reaction.user_ids.includes(meId) }));
}

export const EXCERPT_LENGTH = 200; // code points, as the server cuts reply excerpts

/**
 * What a reply shows of the message it answers: {id, author, excerpt} or {id, deleted: true},
 * from `original` (this tab's copy, when it holds one), else from the server's `reply_to`.
 * `deleted`: this tab saw the original deleted.
 */
export function replyQuote(replyTo, { original = null, deleted = false } = {}) {
  if (!replyTo) return null;
  if (deleted || replyTo.deleted) return { id: replyTo.id, deleted: true };
  if (original) return { id: original.id, author: original.author, excerpt: [...original.body].slice(0, EXCERPT_LENGTH).join('') };
  return replyTo;
}
