// The words and orderings the chat page shows, as pure functions of the state (no DOM). Words the
// views show belong here, in one place, so that they can be translated.

import { daysBetween } from './dividers.js';
import { gettext, interpolate, locale as pageLocale, ngettext } from './i18n.js';

/** Count code points, as the server does for its body limit. */
export function codePoints(text) {
  return [...text].length;
}

/** Why a message body cannot be sent, or null; `limits` is the page config's. */
export function bodyError(body, limits) {
  const length = codePoints(body);
  if (length <= limits.bodyMaxLength) return null;
  return interpolate(gettext('Messages are limited to %(max)s characters; this one has %(length)s.'),
    { max: limits.bodyMaxLength.toLocaleString(pageLocale()), length: length.toLocaleString(pageLocale()) }, true);
}

/** Why a picked picture cannot be uploaded, or null; the server's own words for the same refusal. */
export function avatarError(size, limits) {
  if (size <= limits.avatarMaxBytes) return null;
  return interpolate(gettext('The image is larger than %(kib)s KiB.'), { kib: Math.floor(limits.avatarMaxBytes / 1024) }, true);
}

/** The line under a room's name in the list: its last message, else its description. */
export function roomPreview(room, me) {
  const last = room.last_message;
  if (!last) return room.description || gettext('No messages yet');
  const who = last.author.id === me.id ? gettext('You') : displayName(last.author);
  return interpolate(gettext('%(who)s: %(text)s'), { who, text: last.body.replace(/\s+/g, ' ') }, true);
}

export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return interpolate(gettext('%(name)s is typing…'), { name: displayName(users[0]) }, true);
  if (users.length === 2) {
    return interpolate(gettext('%(first)s and %(second)s are typing…'), { first: displayName(users[0]), second: displayName(users[1]) }, true);
  }
  return interpolate(ngettext('%(count)s person is typing…', '%(count)s people are typing…', users.length), { count: users.length }, true);
}

const MEMBER_LEFT = {
  left: () => gettext('%(name)s left'),
  kicked: () => gettext('%(name)s was removed'),
  banned: () => gettext('%(name)s was banned'),
};

/** A notice in the timeline: someone joined or left. */
export function noticeText(notice) {
  const name = displayName(notice.user);
  if (notice.kind === 'joined') return interpolate(gettext('%(name)s joined'), { name }, true);
  return interpolate((MEMBER_LEFT[notice.reason] || MEMBER_LEFT.left)(), { name }, true);
}

const REMOVAL = {
  left: () => gettext('You left %(room)s.'),
  kicked: () => gettext('You were removed from %(room)s.'),
  banned: () => gettext('You were banned from %(room)s.'),
  deleted: () => gettext('%(room)s was deleted.'),
};

/** What the person is told when the room they were looking at goes away. */
export function removalText(reason, name) {
  const text = REMOVAL[reason] ? REMOVAL[reason]() : gettext('You are no longer in %(room)s.');
  return interpolate(text, { room: name }, true);
}

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 };

/** A role as the page names it (the API's `role` stays as it is). */
export function roleName(role) {
  return { owner: gettext('owner'), admin: gettext('admin'), member: gettext('member') }[role] || role;
}

/** Members as the list shows them: online first, then by role, then by name. */
export function sortMembers(members) {
  return [...members].sort((a, b) => (b.online - a.online) || (ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
    || displayName(a.user).localeCompare(displayName(b.user)));
}

// --- The timeline's dividers and the way down -------------------------------------------------

const dayFormats = new Map();

/** The words of a day divider: "Today", "Yesterday", else the date in the reader's locale. */
export function dayLabel(date, now = new Date(), locale = pageLocale()) {
  const days = daysBetween(date, now);
  if (days === 0) return gettext('Today');
  if (days === 1) return gettext('Yesterday');
  const sameYear = date.getFullYear() === now.getFullYear();
  const key = `${locale}|${sameYear}`;
  if (!dayFormats.has(key)) {
    dayFormats.set(key, new Intl.DateTimeFormat(locale, {
      weekday: 'long', month: 'long', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }),
    }));
  }
  return dayFormats.get(key).format(date);
}

/** The "New" line before the first unread message: what it shows, and what it is called. */
export const UNREAD_LINE = { text: gettext('New'), label: gettext('New messages start here') };

/** The pill that appears when messages arrive below the part of the timeline in view. */
export function newMessagesText(count) {
  return interpolate(ngettext('%(count)s new message', '%(count)s new messages', count), { count: count.toLocaleString(pageLocale()) }, true);
}

export const JUMP_TO_LATEST = { label: gettext('Jump to latest messages'), title: gettext('Jump to latest messages (End)') };

/** The history line at the top of the timeline. */
export function historyText(room) {
  if (room.loadFailed === 'first') return gettext('Could not load the messages. Trying again…');
  if (room.loadFailed === 'older') return gettext('Could not load older messages. Trying again…');
  if (!room.loaded) return gettext('Loading messages…');
  if (room.loadingOlder) return gettext('Loading older messages…');
  if (!room.hasOlder) return interpolate(gettext('This is the beginning of %(room)s.'), { room: room.data.name }, true);
  return '';
}

// --- Unsent messages ----------------------------------------------------------------------------

/** What can be done with a send that failed. */
export const FAILED_SEND_ACTIONS = { retry: gettext('Retry'), discard: gettext('Discard') };

/** What a pending send says of itself. */
export function pendingStatusText(item) {
  if (item.status === 'sending') return gettext('Sending…');
  if (item.status === 'waiting') return gettext('Waiting for the connection…');
  return interpolate(gettext('Not sent: %(reason)s'), { reason: item.error || gettext('no answer from the server.') }, true);
}

/** Sends kept from an earlier page that can no longer go out: their room is no longer the person's. */
export function notSentText(count) {
  return interpolate(ngettext(
    'A message you wrote earlier was not sent: you are no longer in its room.',
    '%(count)s messages you wrote earlier were not sent: you are no longer in their rooms.',
    count,
  ), { count }, true);
}

// Browsers show their own words before closing a page with unsent work; this is for the others.
export const LEAVE_WARNING = gettext('Some messages have not been sent yet. Leave the page anyway?');

// --- Desktop notifications ----------------------------------------------------------------------

const NOTIFICATION_BODY_MAX = 140; // code points: a notification shows a line or two

function excerpt(text, max) {
  const points = [...text.replace(/\s+/g, ' ').trim()];
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : points.join('');
}

/** The notification for a room: `count` messages unseen so far, `last` the newest (which may mention `me`). */
export function notificationText(roomName, count, last, me = null) {
  const line = excerpt(last.body, NOTIFICATION_BODY_MAX);
  if (count === 1) {
    const mentioned = me && (last.mentions || []).includes(me.id);
    const title = mentioned ? gettext('%(name)s mentioned you in %(room)s') : gettext('%(name)s in %(room)s');
    return { title: interpolate(title, { name: displayName(last.author), room: roomName }, true), body: line };
  }
  return {
    title: interpolate(ngettext('%(count)s new message in %(room)s', '%(count)s new messages in %(room)s', count),
      { count: count.toLocaleString(pageLocale()), room: roomName }, true),
    body: interpolate(gettext('%(who)s: %(text)s'), { who: displayName(last.author), text: line }, true),
  };
}

/** The notifications button: a toggle with one name; its hint says what pressing it does. */
export const NOTIFICATIONS_LABEL = gettext('Desktop notifications');

export function notificationsHint({ permission, enabled }) {
  if (permission === 'denied') return gettext('Notifications are blocked for this site: allow them in the browser\'s settings.');
  if (permission === 'granted' && enabled) return gettext('Desktop notifications are on: press to turn them off');
  return gettext('Turn on desktop notifications for mentions of you while this tab is in the background');
}

// --- The room list's badges ---------------------------------------------------------------------

/** The badge of a room's messages that mention the person, apart from its unread count. */
export function mentionBadge(count) {
  return { shown: count > 1 ? `@${count > 99 ? '99+' : count}` : '@', label: interpolate(ngettext(', %(count)s mention of you', ', %(count)s mentions of you', count), { count: count.toLocaleString(pageLocale()) }, true) };
}

// --- Messages of version 2: edits, replies, reactions, actions -----------------------------------

const FIRST_WORDS_MAX = 40; // code points of a message that name it in a button or a quote

/** The first words of a message, to name it (e.g. "Reply to alice: first words…"): cut between words when it can. */
export function firstWords(text, max = FIRST_WORDS_MAX) {
  const points = [...(text || '').replace(/\s+/g, ' ').trim()];
  if (points.length <= max) return points.join('');
  const cut = points.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Who wrote a message, as its actions name them. */
function whose(message, me) {
  return message.author.id === me.id ? gettext('your message') : interpolate(gettext('%(name)s\'s message'), { name: displayName(message.author) }, true);
}

/** The accessible name of an action on a message: it says which message. */
export function messageActionLabel(action, message, me) {
  const words = firstWords(message.body);
  const author = message.author.id === me.id ? gettext('yourself') : displayName(message.author);
  switch (action) {
    case 'reply': return interpolate(gettext('Reply to %(author)s: %(words)s'), { author, words }, true);
    case 'react': return interpolate(gettext('React to %(whose)s: %(words)s'), { whose: whose(message, me), words }, true);
    case 'edit': return interpolate(gettext('Edit your message: %(words)s'), { words }, true);
    case 'delete': return interpolate(gettext('Delete %(whose)s: %(words)s'), { whose: whose(message, me), words }, true);
    default: return words;
  }
}

/** The short words of the actions, shown as their tooltips. */
export const MESSAGE_ACTIONS = { reply: gettext('Reply'), react: gettext('Add a reaction'), edit: gettext('Edit'), delete: gettext('Delete') };

/** The toolbar of a message's actions. */
export function messageActionsLabel(message, me) {
  return interpolate(gettext('Actions for %(whose)s'), { whose: whose(message, me) }, true);
}

export const EDITED = gettext('(edited)');

/** How the page names the person's own messages. */
export const YOU = gettext('You');

/** The tooltip of the "(edited)" marker: when the body last changed. */
export function editedTitle(iso, locale = pageLocale()) {
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(new Date(iso));
  return interpolate(gettext('Edited %(when)s'), { when }, true);
}

/** A reply's quote of the message it answers ({id, author, excerpt} or {id, deleted}). */
export function quoteText(quote) {
  if (quote.deleted) return { author: '', text: gettext('Deleted message'), label: gettext('Reply to a deleted message') };
  const text = firstWords(quote.excerpt, 120);
  const label = interpolate(gettext('Reply to %(author)s: %(text)s. Show that message'), { author: displayName(quote.author), text }, true);
  return { author: displayName(quote.author), text, label };
}

/** The line above the composer while it writes a reply. */
export function replyingText(target) {
  return interpolate(gettext('Replying to %(name)s'), { name: displayName(target.author) }, true);
}

export const COMPOSER_MODES = {
  cancelReply: gettext('Cancel the reply'),
  editing: gettext('Editing your message'),
  cancelEdit: gettext('Cancel the edit'),
  editHint: gettext('Enter saves · Escape cancels'),
  saving: gettext('Saving…'),
  waiting: gettext('Waiting for the connection…'),
  emptyEdit: gettext('A message cannot be empty. To remove it, delete it instead.'),
  editedMessageDeleted: gettext('The message you were editing was deleted. What you wrote is in the composer.'),
  repliedMessageDeleted: gettext('The message you were replying to was deleted.'),
};

export const DELETE_MESSAGE_QUESTION = {
  title: gettext('Delete message?'), text: gettext('It disappears for everyone in the room.'), confirmLabel: gettext('Delete'),
};

/** The names of the people who reacted, as a sentence: "you, alice and 2 others". */
export function reactorNames(userIds, { me, members = null }) {
  const names = [];
  let others = 0;
  for (const id of userIds) {
    if (id === me.id) names.unshift(gettext('you'));
    else if (members?.get(id)) names.push(displayName(members.get(id).user));
    else others += 1;
  }
  if (others) names.push(interpolate(ngettext('%(count)s other', '%(count)s others', others), { count: others }, true));
  if (names.length <= 1) return names.join('');
  return interpolate(gettext('%(names)s and %(last)s'), { names: names.slice(0, -1).join(gettext(', ')), last: names.at(-1) }, true);
}

/** A reaction chip: its accessible name, and the tooltip that says who reacted. */
export function reactionText(reaction, { me, members = null }) {
  const who = reactorNames(reaction.user_ids, { me, members });
  const people = interpolate(ngettext('%(count)s reaction', '%(count)s reactions', reaction.count), { count: reaction.count.toLocaleString(pageLocale()) }, true);
  return {
    label: interpolate(gettext('%(emoji)s %(people)s: %(who)s'), { emoji: reaction.emoji, people, who }, true),
    title: interpolate(gettext('%(who)s reacted with %(emoji)s'), { who: `${who.charAt(0).toUpperCase()}${who.slice(1)}`, emoji: reaction.emoji }, true),
  };
}

export const EMOJI_PICKER = { title: gettext('Choose a reaction'), search: gettext('Search emoji'), none: gettext('No emoji match that search.') };

/** The composer's list of people to mention. */
export const MENTION_LIST_LABEL = gettext('People in this room');

/** Why an edit, deletion or reaction did not happen, in plain words (`code` from the error frame). */
export function changeErrorText(change, code, detail) {
  const what = {
    edit: gettext('Your edit was not saved'), delete: gettext('The message was not deleted'), react: gettext('Your reaction was not saved'),
  }[change.kind];
  const why = (reason) => interpolate(gettext('%(what)s: %(reason)s'), { what, reason }, true);
  switch (code) {
    case 'forbidden': return why(change.kind === 'edit'
      ? gettext('only its author can edit a message.')
      : gettext('you are not allowed to do that in this room.'));
    case 'not_found': return why(gettext('the message was deleted.'));
    case 'rate_limited': return why(gettext('you are doing that too often. Wait a moment and try again.'));
    case 'invalid': return why(detail || gettext('the server refused it.'));
    case 'not_member': return why(gettext('you are no longer in this room.'));
    case 'timeout': return why(gettext('no answer from the server. Try again.'));
    default: return why(gettext('the server could not do it right now. Try again.'));
  }
}

/** Opening a reply's original failed. */
export const ORIGINAL_GONE = gettext('That message is no longer there.');

// --- People: names and initials avatars (PROTOCOL.md "People") ----------------------------------

/** A deleted account (PROTOCOL.md: renamed deleted-<id>, shown as "Deleted user"), named in the reader's language. */
export function isDeletedAccount(user) {
  return Boolean(user) && user.username === `deleted-${user.id}`;
}

/** The name shown for a person: their display name (the server's is never blank), else their username. */
export function displayName(user) {
  if (isDeletedAccount(user)) return gettext('Deleted user');
  return user?.display_name || user?.username || '?';
}

const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** The characters as a reader sees them (an emoji with joiners, a letter with its accents: one each). */
function graphemes(text) {
  return segmenter ? [...segmenter.segment(text)].map((part) => part.segment) : [...text];
}

/**
 * An initials avatar's letters: the first of each of the first two words ("Ada Lovelace": AL), or
 * the first two of a single word ("ada": AD; "爱丽丝": 爱丽), upper-cased; "?" for a blank name.
 */
export function initials(name) {
  const words = String(name || '').trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '?';
  const letters = words.length > 1 ? [graphemes(words[0])[0], graphemes(words[1])[0]] : graphemes(words[0]).slice(0, 2);
  return letters.join('').toLocaleUpperCase();
}

/** How many avatar colours the style sheet has (.avatar--c0 ... .avatar--c7, each legible under white initials). */
export const AVATAR_COLOURS = 8;

/**
 * The colour (0 to AVATAR_COLOURS - 1) of a person's initials avatar, from their user id, so that it
 * is the same in every list, message and tab, and stays when they change their name. Other keys
 * (a room's name) are hashed as text.
 */
export function avatarColour(key) {
  if (Number.isInteger(key)) return Math.floor(((key * 2654435761) >>> 0) / 2 ** 32 * AVATAR_COLOURS);
  let hash = 0;
  for (const char of String(key)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % AVATAR_COLOURS;
}

/** The words of the people features: settings, invite links, bans, account deletion. */
export const PEOPLE = {
  copied: gettext('Copied'),
  inviteCopied: gettext('Invite link copied. Anyone with it can join this room.'),
  nameSaved: gettext('Your profile is saved.'),
  nothingToSave: gettext('Change your name or choose a picture first.'),
  noBans: gettext('Nobody is banned from this room.'),
  loadingBans: gettext('Loading…'),
  unban: gettext('Unban'),
  bannedBy: gettext('banned by %(name)s'),
  unbanned: gettext('%(name)s can join again.'),
  noOwnedRooms: gettext('You do not own any room.'),
  chooseMember: gettext('Choose a member'),
  noOtherMembers: gettext('Nobody else is in this room yet.'),
  handOverTitle: gettext('Hand %(room)s over to %(name)s?'),
  handOverText: gettext('%(name)s becomes the owner and can delete the room or hand it on. You stay in the room as an admin.'),
  handOverConfirm: gettext('Hand over'),
  handedOver: gettext('%(name)s now owns %(room)s.'),
  deleteTitle: gettext('Delete your account?'),
  deleteText: gettext('You will be signed out everywhere and cannot sign in again. You leave every room. Your name becomes "Deleted user" and your picture is removed.'),
  deleteKeep: gettext('Your messages stay in their rooms under the name "Deleted user".'),
  deleteErase: gettext('Your messages are deleted for everyone.'),
  deleteConfirm: gettext('Delete my account'),
  ownsRooms: gettext('First hand over or delete the rooms you own: %(rooms)s.'),
};
