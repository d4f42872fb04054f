// The open room's messages: history on top (loaded as the reader scrolls up), then the messages,
// who joined or left, and the person's pending sends last. Entries are kept in order by a key.

import { noticeText } from '../format.js';
import { avatar, h, linkify, timeElement } from './dom.js';
import { confirmAction } from './forms.js';

/** Sort key of a timeline entry: messages by id, a notice just after the message it followed, pending last. */
function entryKey(el) {
  return Number(el.dataset.key);
}

function messageItem(message, { own, canDelete, onDelete }) {
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

function pendingItem(pending, { onRetry }) {
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

function noticeItem(notice) {
  return h('div', { class: 'notice', dataset: { key: notice.afterId + 0.5 } },
    h('span', {}, noticeText(notice)), ' ', timeElement(notice.at, 'notice-time'));
}

export function mountTimeline({ store, sync, outbox, commands, el }) {
  const { scroller, historyStatus, messageList, confirmDialog } = el;
  const current = (roomId) => roomId === store.currentId && store.currentRoom;

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  const scrollToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };

  async function deleteMessage(room, message) {
    const confirmed = await confirmAction(confirmDialog, {
      title: 'Delete message?', text: 'It disappears for everyone in the room.', confirmLabel: 'Delete',
    });
    if (!confirmed) return;
    commands.deleteMessage(room.id, message.id).catch((error) => store.toast(error.message));
  }

  function messageElement(room, message) {
    const own = message.author.id === store.me.id;
    return messageItem(message, {
      own, canDelete: store.rules.canDeleteMessage(room.data.role, own), onDelete: (target) => deleteMessage(room, target),
    });
  }

  const pendingElement = (item) => pendingItem(item, { onRetry: () => outbox.retry(item.client_id) });
  const findPending = (clientId) => messageList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);

  /** Insert an entry at its place by key (usually last); follow it down if the reader was at the bottom. */
  function insertEntry(node, { follow = nearBottom() } = {}) {
    const key = entryKey(node);
    let before = messageList.lastElementChild;
    while (before && entryKey(before) > key) before = before.previousElementSibling;
    messageList.insertBefore(node, before ? before.nextElementSibling : messageList.firstElementChild);
    if (follow) scrollToBottom();
  }

  /** Put older entries on top without moving what the reader is looking at. */
  function prependEntries(nodes) {
    if (!nodes.length) return;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    messageList.setAttribute('aria-busy', 'true');
    messageList.prepend(...nodes);
    messageList.removeAttribute('aria-busy');
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  }

  function updateHistoryStatus(room) {
    let text = '';
    if (!room.loaded) text = 'Loading messages…';
    else if (room.loadingOlder) text = 'Loading older messages…';
    else if (!room.hasOlder) text = `This is the beginning of ${room.data.name}.`;
    historyStatus.textContent = text;
  }

  /** Older history until the top of the list is out of view (short pages may leave it in view). */
  async function loadOlderWhileTopShows(room) {
    while (room.id === store.currentId && room.hasOlder && scroller.scrollTop < 200) {
      if (!await sync.loadOlder(room.id)) return;
    }
  }

  function renderTimeline(room) {
    const entries = [
      ...store.sortedMessages(room.id).map((message) => messageElement(room, message)),
      ...room.notices.map(noticeItem),
      ...store.pendingIn(room.id).map(pendingElement),
    ].sort((a, b) => entryKey(a) - entryKey(b));
    messageList.setAttribute('aria-busy', 'true');
    messageList.replaceChildren(...entries);
    messageList.removeAttribute('aria-busy');
    updateHistoryStatus(room);
    scrollToBottom();
    loadOlderWhileTopShows(room); // too short to scroll: fill the view
  }

  store.on('current', () => {
    const room = store.currentRoom;
    if (!room) return;
    if (room.loaded) {
      renderTimeline(room);
    } else {
      messageList.replaceChildren();
      updateHistoryStatus(room);
    }
  });
  store.on('timeline', ({ roomId }) => {
    const room = current(roomId);
    if (room) renderTimeline(room);
  });
  store.on('room', ({ roomId, roleChanged }) => {
    const room = current(roomId);
    if (room?.loaded && roleChanged) renderTimeline(room); // delete buttons come or go
  });
  store.on('history', ({ roomId }) => {
    const room = current(roomId);
    if (room) updateHistoryStatus(room);
  });
  store.on('message.added', ({ roomId, message }) => {
    const room = current(roomId);
    if (room?.loaded) insertEntry(messageElement(room, message));
  });
  store.on('messages.older', ({ roomId, messages }) => {
    const room = current(roomId);
    if (room) prependEntries(messages.map((message) => messageElement(room, message)));
  });
  store.on('message.removed', ({ roomId, messageId }) => {
    if (current(roomId)) messageList.querySelector(`[data-id="${messageId}"]`)?.remove();
  });
  store.on('notice', ({ roomId, notice }) => {
    if (current(roomId)?.loaded) insertEntry(noticeItem(notice));
  });
  store.on('pending', ({ roomId, clientId }) => {
    const item = store.pending.get(clientId);
    const old = findPending(clientId);
    if (!item) old?.remove();
    else if (old) old.replaceWith(pendingElement(item));
    else if (current(roomId)) insertEntry(pendingElement(item), { follow: true });
  });

  new IntersectionObserver((entries) => {
    const room = store.currentRoom;
    if (room && entries.some((entry) => entry.isIntersecting)) loadOlderWhileTopShows(room);
  }, { root: scroller, rootMargin: '200px 0px 0px 0px' }).observe(historyStatus);

  return { scrollToBottom };
}
