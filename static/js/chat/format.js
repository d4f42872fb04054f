// The words and orderings the chat page shows, as pure functions of the state (no DOM). Words the
// views show belong here, in one place, so that they can be translated.

import { daysBetween } from './dividers.js';
import { gettext } from './i18n.js';

/** Count code points, as the server does for its body limit. */
export function codePoints(text) {
  return [...text].length;
}

/** Why a message body cannot be sent, or null; `limits` is the page config's. */
export function bodyError(body, limits) {
  const length = codePoints(body);
  if (length <= limits.bodyMaxLength) return null;
  return `Messages are limited to ${limits.bodyMaxLength.toLocaleString()} characters; this one has ${length.toLocaleString()}.`;
}

/** Why a picked picture cannot be uploaded, or null; the server's own words for the same refusal. */
export function avatarError(size, limits) {
  if (size <= limits.avatarMaxBytes) return null;
  return `The image is larger than ${Math.floor(limits.avatarMaxBytes / 1024)} KiB.`;
}

/** The line under a room's name in the list: its last message, else its description. */
export function roomPreview(room, me) {
  const last = room.last_message;
  if (!last) return room.description || 'No messages yet';
  const who = last.author.id === me.id ? 'You' : displayName(last.author);
  return `${who}: ${last.body.replace(/\s+/g, ' ')}`;
}

export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${displayName(users[0])} is typing…`;
  if (users.length === 2) return `${displayName(users[0])} and ${displayName(users[1])} are typing…`;
  return `${users.length} people are typing…`;
}

const MEMBER_LEFT = { left: 'left', kicked: 'was removed', banned: 'was banned' };

/** A notice in the timeline: someone joined or left. */
export function noticeText(notice) {
  const name = displayName(notice.user);
  if (notice.kind === 'joined') return `${name} joined`;
  return `${name} ${MEMBER_LEFT[notice.reason] || 'left'}`;
}

const REMOVAL = {
  left: (name) => `You left ${name}.`,
  kicked: (name) => `You were removed from ${name}.`,
  banned: (name) => `You were banned from ${name}.`,
  deleted: (name) => `${name} was deleted.`,
};

/** What the person is told when the room they were looking at goes away. */
export function removalText(reason, name) {
  return (REMOVAL[reason] || ((room) => `You are no longer in ${room}.`))(name);
}

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 };

/** Members as the list shows them: online first, then by role, then by name. */
export function sortMembers(members) {
  return [...members].sort((a, b) => (b.online - a.online) || (ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
    || displayName(a.user).localeCompare(displayName(b.user)));
}

// --- The timeline's dividers and the way down -------------------------------------------------

const dayFormats = new Map();

/** The words of a day divider: "Today", "Yesterday", else the date in the reader's locale. */
export function dayLabel(date, now = new Date(), locale = undefined) {
  const days = daysBetween(date, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
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
export const UNREAD_LINE = { text: 'New', label: 'New messages start here' };

/** The pill that appears when messages arrive below the part of the timeline in view. */
export function newMessagesText(count) {
  return count === 1 ? '1 new message' : `${count.toLocaleString()} new messages`;
}

export const JUMP_TO_LATEST = { label: 'Jump to latest messages', title: 'Jump to latest messages (End)' };

/** The history line at the top of the timeline. */
export function historyText(room) {
  if (room.loadFailed === 'first') return 'Could not load the messages. Trying again…';
  if (room.loadFailed === 'older') return 'Could not load older messages. Trying again…';
  if (!room.loaded) return 'Loading messages…';
  if (room.loadingOlder) return 'Loading older messages…';
  if (!room.hasOlder) return `This is the beginning of ${room.data.name}.`;
  return '';
}

// --- Unsent messages ----------------------------------------------------------------------------

/** What can be done with a send that failed. */
export const FAILED_SEND_ACTIONS = { retry: 'Retry', discard: 'Discard' };

/** What a pending send says of itself. */
export function pendingStatusText(item) {
  if (item.status === 'sending') return 'Sending…';
  if (item.status === 'waiting') return 'Waiting for the connection…';
  return `Not sent: ${item.error || 'no answer from the server.'}`;
}

/** Sends kept from an earlier page that can no longer go out: their room is no longer the person's. */
export function notSentText(count) {
  return count === 1
    ? 'A message you wrote earlier was not sent: you are no longer in its room.'
    : `${count} messages you wrote earlier were not sent: you are no longer in their rooms.`;
}

// Browsers show their own words before closing a page with unsent work; this is for the others.
export const LEAVE_WARNING = 'Some messages have not been sent yet. Leave the page anyway?';

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
    return { title: mentioned ? `${displayName(last.author)} mentioned you in ${roomName}` : `${displayName(last.author)} in ${roomName}`, body: line };
  }
  return { title: `${count.toLocaleString()} new messages in ${roomName}`, body: `${displayName(last.author)}: ${line}` };
}

/** The notifications button: a toggle with one name; its hint says what pressing it does. */
export const NOTIFICATIONS_LABEL = 'Desktop notifications';

export function notificationsHint({ permission, enabled }) {
  if (permission === 'denied') return 'Notifications are blocked for this site: allow them in the browser\'s settings.';
  if (permission === 'granted' && enabled) return 'Desktop notifications are on: press to turn them off';
  return 'Turn on desktop notifications for mentions of you while this tab is in the background';
}

// --- The room list's badges ---------------------------------------------------------------------

/** The badge of a room's messages that mention the person, apart from its unread count. */
export function mentionBadge(count) {
  return { shown: count > 1 ? `@${count > 99 ? '99+' : count}` : '@', label: count === 1 ? ', 1 mention of you' : `, ${count.toLocaleString()} mentions of you` };
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
  return message.author.id === me.id ? 'your message' : `${displayName(message.author)}'s message`;
}

/** The accessible name of an action on a message: it says which message. */
export function messageActionLabel(action, message, me) {
  const words = firstWords(message.body);
  const author = message.author.id === me.id ? 'yourself' : displayName(message.author);
  switch (action) {
    case 'reply': return `Reply to ${author}: ${words}`;
    case 'react': return `React to ${whose(message, me)}: ${words}`;
    case 'edit': return `Edit your message: ${words}`;
    case 'delete': return `Delete ${whose(message, me)}: ${words}`;
    default: return words;
  }
}

/** The short words of the actions, shown as their tooltips. */
export const MESSAGE_ACTIONS = { reply: 'Reply', react: 'Add a reaction', edit: 'Edit', delete: 'Delete' };

/** The toolbar of a message's actions. */
export function messageActionsLabel(message, me) {
  return `Actions for ${whose(message, me)}`;
}

export const EDITED = '(edited)';

/** How the page names the person's own messages. */
export const YOU = 'You';

/** The tooltip of the "(edited)" marker: when the body last changed. */
export function editedTitle(iso, locale = undefined) {
  return `Edited ${new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short' }).format(new Date(iso))}`;
}

/** A reply's quote of the message it answers ({id, author, excerpt} or {id, deleted}). */
export function quoteText(quote) {
  if (quote.deleted) return { author: '', text: 'Deleted message', label: 'Reply to a deleted message' };
  const text = firstWords(quote.excerpt, 120);
  return { author: displayName(quote.author), text, label: `Reply to ${displayName(quote.author)}: ${text}. Show that message` };
}

/** The line above the composer while it writes a reply. */
export function replyingText(target) {
  return `Replying to ${displayName(target.author)}`;
}

export const COMPOSER_MODES = {
  cancelReply: 'Cancel the reply',
  editing: 'Editing your message',
  cancelEdit: 'Cancel the edit',
  editHint: 'Enter saves · Escape cancels',
  saving: 'Saving…',
  waiting: 'Waiting for the connection…',
  emptyEdit: 'A message cannot be empty. To remove it, delete it instead.',
  editedMessageDeleted: 'The message you were editing was deleted. What you wrote is in the composer.',
  repliedMessageDeleted: 'The message you were replying to was deleted.',
};

export const DELETE_MESSAGE_QUESTION = {
  title: 'Delete message?', text: 'It disappears for everyone in the room.', confirmLabel: 'Delete',
};

/** The names of the people who reacted, as a sentence: "you, alice and 2 others". */
export function reactorNames(userIds, { me, members = null }) {
  const names = [];
  let others = 0;
  for (const id of userIds) {
    if (id === me.id) names.unshift('you');
    else if (members?.get(id)) names.push(displayName(members.get(id).user));
    else others += 1;
  }
  if (others) names.push(others === 1 ? '1 other' : `${others} others`);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A reaction chip: its accessible name, and the tooltip that says who reacted. */
export function reactionText(reaction, { me, members = null }) {
  const who = reactorNames(reaction.user_ids, { me, members });
  const people = reaction.count === 1 ? '1 reaction' : `${reaction.count.toLocaleString()} reactions`;
  return { label: `${reaction.emoji} ${people}: ${who}`, title: `${who.charAt(0).toUpperCase()}${who.slice(1)} reacted with ${reaction.emoji}` };
}

export const EMOJI_PICKER = { title: 'Choose a reaction', search: 'Search emoji', none: 'No emoji match that search.' };

/** The composer's list of people to mention. */
export const MENTION_LIST_LABEL = 'People in this room';

/** Why an edit, deletion or reaction did not happen, in plain words (`code` from the error frame). */
export function changeErrorText(change, code, detail) {
  const what = { edit: 'Your edit was not saved', delete: 'The message was not deleted', react: 'Your reaction was not saved' }[change.kind];
  switch (code) {
    case 'forbidden': return change.kind === 'edit'
      ? `${what}: only its author can edit a message.`
      : `${what}: you are not allowed to do that in this room.`;
    case 'not_found': return `${what}: the message was deleted.`;
    case 'rate_limited': return `${what}: you are doing that too often. Wait a moment and try again.`;
    case 'invalid': return `${what}: ${detail || 'the server refused it.'}`;
    case 'not_member': return `${what}: you are no longer in this room.`;
    case 'timeout': return `${what}: no answer from the server. Try again.`;
    default: return `${what}: the server could not do it right now. Try again.`;
  }
}

/** Opening a reply's original failed. */
export const ORIGINAL_GONE = 'That message is no longer there.';

// --- People: names and initials avatars (PROTOCOL.md "People") ----------------------------------

/** The name shown for a person: their display name (the server's is never blank), else their username. */
export function displayName(user) {
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
