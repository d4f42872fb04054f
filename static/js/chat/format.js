// The words and orderings the chat page shows, as pure functions of the state (no DOM).

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
  const who = last.author.id === me.id ? 'You' : last.author.username;
  return `${who}: ${last.body.replace(/\s+/g, ' ')}`;
}

export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0].username} is typing…`;
  if (users.length === 2) return `${users[0].username} and ${users[1].username} are typing…`;
  return `${users.length} people are typing…`;
}

const MEMBER_LEFT = { left: 'left', kicked: 'was removed', banned: 'was banned' };

/** A notice in the timeline: someone joined or left. */
export function noticeText(notice) {
  const name = notice.user.username;
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
    || a.user.username.localeCompare(b.user.username));
}
