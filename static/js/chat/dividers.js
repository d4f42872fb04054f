// Where the timeline's dividers go: a line at the start of each day ("Today", "Yesterday", a date)
// and the "New" line before the first message the person had not read. Pure functions of the
// messages, in the reader's time zone; the words are format.js's, the elements ui/timeline.js's.

// Timeline entries are ordered by a numeric key: a message's is its id, a notice's the id of the
// message before it + 0.5. A divider sits just before the entry it introduces.
const DAY_BEFORE = 0.3;
const UNREAD_BEFORE = 0.2; // after the day's divider, when both introduce the same message

/** The calendar day of a time in the reader's time zone, as a key: '2026-01-05'. */
export function localDay(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Calendar days from `from` to `to` in the reader's time zone (1: `to` is the day after). */
export function daysBetween(from, to) {
  const midnight = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((midnight(to) - midnight(from)) / 86400000); // a day is 23 or 25 hours across DST
}

/**
 * The id of the first unread message: counting back from `upToId` (the newest message when the
 * person came to the room), the `count`-th message of someone else. When fewer are loaded, the
 * oldest loaded one: everything shown is new. `messages` in id order; null when there is none.
 */
export function firstUnreadId(messages, { count, upToId }, meId) {
  const candidates = messages.filter((message) => message.id <= upToId);
  let seen = 0;
  for (let index = candidates.length - 1; index >= 0; index -= 1) {
    if (candidates[index].author.id === meId) continue;
    seen += 1;
    if (seen === count) return candidates[index].id;
  }
  return candidates.length ? candidates[0].id : null;
}

/**
 * The dividers of a timeline: `entries` are its dated entries in order ({key, at}: messages and
 * notices; pending sends have no date yet). A 'day' divider comes before the first entry of each
 * day, the 'unread' one before the message `unreadFromId`. Each has the key that puts it in place.
 */
export function timelineDividers(entries, { unreadFromId = null } = {}) {
  const dividers = [];
  let previousDay = null;
  for (const entry of entries) {
    const date = new Date(entry.at);
    const day = localDay(date);
    if (day !== previousDay) dividers.push({ kind: 'day', key: entry.key - DAY_BEFORE, day, date });
    previousDay = day;
    if (entry.key === unreadFromId) dividers.push({ kind: 'unread', key: entry.key - UNREAD_BEFORE });
  }
  return dividers;
}
