// Builders for the repeated pieces of the chat page. Every user-supplied string goes in as text.

import { avatar, h, linkify, timeElement } from './dom.js';

/** Sort key of a timeline entry: messages by id, a notice just after the message it followed, pending last. */
export function entryKey(el) {
  return Number(el.dataset.key);
}

function unreadBadge(count) {
  if (!count) return null;
  const shown = count > 99 ? '99+' : String(count);
  return h('span', { class: 'badge' },
    h('span', { class: 'badge-count', 'aria-hidden': 'true' }, shown),
    h('span', { class: 'visually-hidden' }, `, ${count} unread`));
}

function preview(room, me) {
  const last = room.last_message;
  if (!last) return room.description || 'No messages yet';
  const who = last.author.id === me.id ? 'You' : last.author.username;
  return `${who}: ${last.body.replace(/\s+/g, ' ')}`;
}

export function roomItem(room, { active, href, me }) {
  return h('li', { class: `room-item${active ? ' is-active' : ''}${room.unread_count ? ' has-unread' : ''}`, dataset: { roomId: room.id } },
    h('a', { class: 'room-link', href, 'aria-current': active ? 'page' : null },
      avatar(room.name, room.avatar),
      h('span', { class: 'room-item-main' },
        h('span', { class: 'room-item-top' },
          h('span', { class: 'room-item-name' }, room.name),
          room.last_message ? timeElement(room.last_message.created_at, 'room-item-time') : null),
        h('span', { class: 'room-item-preview' }, preview(room, me))),
      unreadBadge(room.unread_count)));
}

export function messageItem(message, { own, canDelete, onDelete }) {
  const author = message.author;
  return h('div', { class: `msg${own ? ' msg--own' : ''}`, dataset: { key: message.id, id: message.id, author: author.id } },
    own ? null : avatar(author.username, author.avatar, 'sm'),
    h('div', { class: 'msg-bubble' },
      h('div', { class: 'msg-meta' },
        h('span', { class: 'msg-author' }, own ? 'You' : author.username),
        timeElement(message.created_at, 'msg-time')),
      h('p', { class: 'msg-body' }, linkify(message.body)),
      canDelete ? h('button', { type: 'button', class: 'msg-delete', 'aria-label': 'Delete this message', title: 'Delete', onclick: () => onDelete(message) }, '×') : null));
}

export function pendingItem(pending, { onRetry }) {
  const failed = pending.status === 'failed';
  const statusText = {
    sending: 'Sending…',
    waiting: 'Waiting for the connection…',
    failed: `Not sent: ${pending.error || 'no answer from the server.'}`,
  }[pending.status];
  return h('div', { class: `msg msg--own ${failed ? 'msg--failed' : 'msg--pending'}`, dataset: { key: Number.MAX_SAFE_INTEGER, clientId: pending.client_id } },
    h('div', { class: 'msg-bubble' },
      h('div', { class: 'msg-meta' }, h('span', { class: 'msg-author' }, 'You')),
      h('p', { class: 'msg-body' }, linkify(pending.body)),
      h('p', { class: 'msg-status', role: failed ? 'alert' : null }, statusText,
        failed ? h('button', { type: 'button', class: 'button button--small msg-retry', onclick: () => onRetry(pending) }, 'Retry') : null)));
}

export function noticeItem(notice) {
  return h('div', { class: 'notice', dataset: { key: notice.afterId + 0.5 } },
    h('span', {}, notice.text), ' ', timeElement(notice.at, 'notice-time'));
}

const ROLE_ORDER = { owner: 0, admin: 1, member: 2 };

export function sortMembers(members) {
  return [...members].sort((a, b) => (b.online - a.online) || (ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
    || a.user.username.localeCompare(b.user.username));
}

/** A member row; `actions` lists {label, name, run} the viewer may apply to this member. */
export function memberItem(member, { isMe, actions }) {
  const name = member.user.username;
  return h('li', { class: 'member', dataset: { userId: member.user.id } },
    h('span', { class: 'member-avatar' },
      avatar(name, member.user.avatar, 'sm'),
      h('span', { class: `presence${member.online ? ' is-online' : ''}`, 'aria-hidden': 'true' })),
    h('span', { class: 'member-main' },
      h('span', { class: 'member-name' }, name, isMe ? h('span', { class: 'member-you' }, ' (you)') : null),
      h('span', { class: 'member-meta' },
        member.online ? 'Online' : 'Offline',
        member.role !== 'member' ? h('span', { class: `role role--${member.role}` }, member.role) : null)),
    actions.length
      ? h('span', { class: 'member-actions' }, actions.map((action) => h('button', {
        type: 'button', class: `button button--small${action.danger ? ' button--danger' : ''}`,
        'aria-label': `${action.label} ${name}`, onclick: action.run,
      }, action.label)))
      : null);
}

export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0].username} is typing…`;
  if (users.length === 2) return `${users[0].username} and ${users[1].username} are typing…`;
  return `${users.length} people are typing…`;
}
