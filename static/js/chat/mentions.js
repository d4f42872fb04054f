// Mentions in the composer: typing `@` and the start of a name offers the room's members; picking
// one puts `@username ` in its place. The server decides who a body mentions (PROTOCOL.md
// version 2: `@name` not inside a word or an address, names compared case-insensitively); these
// rules only make the offer. Pure functions: the view (ui/composer.js) shows the list.

export const MENTION_CHOICES = 8; // at most this many people offered at a time

// Characters of a username (Django's: letters, digits and @.+-_), as typed after the `@`.
const NAME_CHAR = /[\p{L}\p{N}_.+-]/u;
// A character before the `@` that makes it part of a word or an address, not a mention.
const WORD_CHAR = /[\p{L}\p{N}_.+-]/u;

/**
 * The mention being typed at `caret` in `text`: {start (the `@`'s index), query (what follows it
 * up to the caret)}, or null when the caret is not in one.
 */
export function mentionAt(text, caret) {
  let index = caret;
  while (index > 0 && NAME_CHAR.test(text[index - 1])) index -= 1;
  if (index === 0 || text[index - 1] !== '@') return null;
  const start = index - 1;
  if (start > 0 && (WORD_CHAR.test(text[start - 1]) || text[start - 1] === '@' || text[start - 1] === '\\')) return null;
  return { start, query: text.slice(index, caret) };
}

/**
 * The members to offer for `query`: those whose username or display name starts with it first,
 * then those whose username or display name contains it, each group by username; never the
 * person themself; at most `limit`.
 */
export function mentionChoices(members, query, { meId, limit = MENTION_CHOICES } = {}) {
  const wanted = query.toLowerCase();
  const people = members.map((member) => member.user ?? member).filter((user) => user.id !== meId);
  const names = (user) => [user.username, user.display_name || ''].map((name) => name.toLowerCase());
  const byName = (a, b) => a.username.localeCompare(b.username);
  const starts = people.filter((user) => names(user).some((name) => name.startsWith(wanted))).sort(byName);
  const contains = people.filter((user) => !starts.includes(user)
    && names(user).some((name) => name.includes(wanted))).sort(byName);
  return [...starts, ...contains].slice(0, limit);
}

/**
 * `text` with the mention being typed (`mention`, from mentionAt, with the caret at `caret`)
 * replaced by `@username ` : {text, caret} (the caret after the space).
 */
export function insertMention(text, mention, caret, username) {
  const rest = text.slice(caret).replace(/^[\p{L}\p{N}_.+-]*/u, ''); // the rest of a name typed past the caret
  const inserted = `@${username}${rest.startsWith(' ') ? '' : ' '}`;
  const before = text.slice(0, mention.start) + inserted;
  return { text: before + rest, caret: before.length + (rest.startsWith(' ') ? 1 : 0) };
}
