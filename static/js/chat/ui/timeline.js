// The open room's messages: history on top (loaded as the reader scrolls up), then the messages,
// who joined or left, and the person's pending sends last; a divider starts each day, and a "New"
// line sits before the first message that was unread when the room was opened (the view scrolls
// to it). Entries are kept in order by a key. Scrolled up, the reader gets a pill counting what
// arrived below and a button (and End) back to the latest.

import { timelineDividers } from '../dividers.js';
import {
  dayLabel, FAILED_SEND_ACTIONS, historyText, JUMP_TO_LATEST, newMessagesText, noticeText, pendingStatusText, UNREAD_LINE,
} from '../format.js';
import { avatar, h, linkify, timeElement } from './dom.js';
import { confirmAction } from './forms.js';

const NEAR_BOTTOM_PX = 120; // closer than this to the end counts as "at the latest"

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

function pendingItem(pending, { onRetry, onDiscard }) {
  const failed = pending.status === 'failed';
  return h('div', { class: `msg msg--own ${failed ? 'msg--failed' : 'msg--pending'}`, dataset: { key: Number.MAX_SAFE_INTEGER, clientId: pending.client_id } },
    h('div', { class: 'msg-bubble' },
      h('div', { class: 'msg-meta' }, h('span', { class: 'msg-author' }, 'You')),
      h('p', { class: 'msg-body' }, linkify(pending.body)),
      h('p', { class: 'msg-status', role: failed ? 'alert' : null }, pendingStatusText(pending),
        failed ? h('button', { type: 'button', class: 'button button--small msg-retry', onclick: () => onRetry(pending) }, FAILED_SEND_ACTIONS.retry) : null,
        failed ? h('button', { type: 'button', class: 'button button--small button--ghost msg-discard', onclick: () => onDiscard(pending) }, FAILED_SEND_ACTIONS.discard) : null)));
}

function noticeItem(notice) {
  return h('div', { class: 'notice', dataset: { key: notice.afterId + 0.5 } },
    h('span', {}, noticeText(notice)), ' ', timeElement(notice.at, 'notice-time'));
}

/** A divider as an element: a separator named by its words, so that screen readers say them. */
function dividerItem(divider, now) {
  const unread = divider.kind === 'unread';
  const text = unread ? UNREAD_LINE.text : dayLabel(divider.date, now);
  return h('div', {
    class: `divider divider--${divider.kind}`, role: 'separator', 'aria-label': unread ? UNREAD_LINE.label : text,
    dataset: { key: divider.key, dividerId: dividerId(divider, text) },
  }, h('span', { class: 'divider-label' }, text));
}

/** What makes a divider the same one: its kind, place and words (a day's words change at midnight). */
function dividerId(divider, text) {
  return `${divider.kind}@${divider.key}:${text}`;
}

function isTextField(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export function mountTimeline({ store, sync, outbox, commands, el }) {
  const { scroller, historyStatus, messageList, confirmDialog, newMessagesPill, jumpButton, composerInput } = el;
  const current = (roomId) => roomId === store.currentId && store.currentRoom;
  let unseenBelow = 0; // messages of others that arrived while the reader was scrolled up

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  const scrollToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };

  /** Show the pill and the jump button when the reader is away from the latest messages. */
  function updateWayDown() {
    const away = Boolean(store.currentRoom) && !nearBottom();
    if (!away) unseenBelow = 0;
    const hadFocus = [newMessagesPill, jumpButton].includes(document.activeElement);
    newMessagesPill.hidden = !(away && unseenBelow > 0);
    newMessagesPill.querySelector('[data-pill-text]').textContent = newMessagesText(unseenBelow);
    jumpButton.hidden = !away;
    if (hadFocus && document.activeElement === document.body) scroller.focus({ preventScroll: true });
  }

  function jumpToLatest() {
    scrollToBottom();
    unseenBelow = 0;
    updateWayDown();
  }

  /** Put an entry near the top of the view (or as far down as the timeline goes). */
  function scrollToEntry(node) {
    scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 12;
  }

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

  const pendingElement = (item) => pendingItem(item, {
    onRetry: () => outbox.retry(item.client_id),
    onDiscard: () => {
      outbox.discard(item.client_id);
      composerInput.focus();
    },
  });
  const findPending = (clientId) => messageList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);

  /** Insert an entry at its place by key (usually last); follow it down if the reader was at the bottom. */
  function insertEntry(node, { follow = nearBottom() } = {}) {
    const key = entryKey(node);
    let before = messageList.lastElementChild;
    while (before && entryKey(before) > key) before = before.previousElementSibling;
    messageList.insertBefore(node, before ? before.nextElementSibling : messageList.firstElementChild);
    if (follow) scrollToBottom();
  }

  /** The dividers the room's entries call for, as elements (day words as of `now`). */
  function wantedDividers(room, now) {
    const entries = [
      ...store.sortedMessages(room.id).map((message) => ({ key: message.id, at: message.created_at })),
      ...room.notices.map((notice) => ({ key: notice.afterId + 0.5, at: notice.at })),
    ].sort((a, b) => a.key - b.key);
    return timelineDividers(entries, { unreadFromId: room.unreadFromId }).map((divider) => dividerItem(divider, now));
  }

  /** Bring the dividers in the list in line with the room's entries: add, move or remove only what changed. */
  function updateDividers(room) {
    const wanted = new Map(wantedDividers(room, new Date()).map((node) => [node.dataset.dividerId, node]));
    for (const node of messageList.querySelectorAll(':scope > .divider')) {
      if (wanted.has(node.dataset.dividerId)) wanted.delete(node.dataset.dividerId);
      else node.remove();
    }
    for (const node of wanted.values()) insertEntry(node);
  }

  // Once for a burst of changes (a catch-up brings many messages at a time).
  let dividersQueued = false;
  function updateDividersSoon() {
    if (dividersQueued) return;
    dividersQueued = true;
    queueMicrotask(() => {
      dividersQueued = false;
      const room = store.currentRoom;
      if (room?.loaded) updateDividers(room);
    });
  }

  // "Today" becomes "Yesterday" at midnight, with the page left open.
  function updateDividersAtMidnight() {
    const now = new Date();
    const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 5);
    setTimeout(() => {
      updateDividersSoon();
      updateDividersAtMidnight();
    }, next - now);
  }

  /** Put older entries on top without moving what the reader is looking at. */
  function prependEntries(room, nodes) {
    if (!nodes.length) return;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    messageList.setAttribute('aria-busy', 'true');
    messageList.prepend(...nodes);
    updateDividers(room);
    messageList.removeAttribute('aria-busy');
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  }

  function updateHistoryStatus(room) {
    historyStatus.textContent = historyText(room);
  }

  /** Older history until the top of the list is out of view (short pages may leave it in view). */
  async function loadOlderWhileTopShows(room) {
    while (room.id === store.currentId && room.hasOlder && !room.loadFailed && scroller.scrollTop < 200) {
      if (!await sync.loadOlder(room.id)) return;
    }
  }

  function renderTimeline(room) {
    const entries = [
      ...store.sortedMessages(room.id).map((message) => messageElement(room, message)),
      ...room.notices.map(noticeItem),
      ...wantedDividers(room, new Date()),
      ...store.pendingIn(room.id).map(pendingElement),
    ].sort((a, b) => entryKey(a) - entryKey(b));
    messageList.setAttribute('aria-busy', 'true');
    messageList.replaceChildren(...entries);
    messageList.removeAttribute('aria-busy');
    updateHistoryStatus(room);
    const unreadLine = messageList.querySelector('.divider--unread');
    if (unreadLine) scrollToEntry(unreadLine);
    else scrollToBottom();
    unseenBelow = 0;
    updateWayDown();
    loadOlderWhileTopShows(room); // too short to scroll: fill the view
  }

  store.on('current', () => {
    const room = store.currentRoom;
    unseenBelow = 0;
    if (!room) {
      updateWayDown();
      return;
    }
    if (room.loaded) {
      renderTimeline(room);
    } else {
      messageList.replaceChildren();
      updateHistoryStatus(room);
      updateWayDown();
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
    if (!room) return;
    updateHistoryStatus(room);
    // A page of older history arrived (by the reader's scrolling or a retry): more, while the top shows.
    if (room.loaded && !room.loadingOlder) loadOlderWhileTopShows(room);
  });
  store.on('message.added', ({ roomId, message }) => {
    const room = current(roomId);
    if (!room?.loaded) return;
    const follow = nearBottom();
    insertEntry(messageElement(room, message), { follow });
    if (!follow && message.author.id !== store.me.id) unseenBelow += 1;
    updateWayDown();
    updateDividersSoon();
  });
  store.on('messages.older', ({ roomId, messages }) => {
    const room = current(roomId);
    if (room) prependEntries(room, messages.map((message) => messageElement(room, message)));
  });
  store.on('message.removed', ({ roomId, messageId }) => {
    if (!current(roomId)) return;
    messageList.querySelector(`[data-id="${messageId}"]`)?.remove();
    updateDividersSoon();
  });
  store.on('notice', ({ roomId, notice }) => {
    if (!current(roomId)?.loaded) return;
    insertEntry(noticeItem(notice));
    updateDividersSoon();
  });
  store.on('marker', ({ roomId }) => {
    const room = current(roomId);
    if (!room?.loaded) return;
    updateDividers(room);
    const unreadLine = messageList.querySelector('.divider--unread');
    if (unreadLine && unreadLine.getBoundingClientRect().top < scroller.getBoundingClientRect().top) scrollToEntry(unreadLine);
    updateWayDown();
  });
  store.on('pending', ({ roomId, clientId }) => {
    const item = store.pending.get(clientId);
    const old = findPending(clientId);
    if (!item) old?.remove();
    else if (old) old.replaceWith(pendingElement(item));
    else if (current(roomId)) insertEntry(pendingElement(item), { follow: true });
  });

  // The way down: the pill, the button, End anywhere but in a text field, Escape in the composer.
  scroller.addEventListener('scroll', updateWayDown, { passive: true });
  newMessagesPill.addEventListener('click', jumpToLatest);
  jumpButton.addEventListener('click', jumpToLatest);
  document.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing) return;
    if (!store.currentRoom || event.target.closest?.('dialog')) return;
    const fromComposer = event.key === 'Escape' && event.target === composerInput && !nearBottom();
    if ((event.key === 'End' && !isTextField(event.target)) || fromComposer) {
      event.preventDefault();
      jumpToLatest();
    }
  });
  jumpButton.title = JUMP_TO_LATEST.title;
  jumpButton.setAttribute('aria-label', JUMP_TO_LATEST.label);

  new IntersectionObserver((entries) => {
    const room = store.currentRoom;
    if (room && entries.some((entry) => entry.isIntersecting)) loadOlderWhileTopShows(room);
  }, { root: scroller, rootMargin: '200px 0px 0px 0px' }).observe(historyStatus);
  updateDividersAtMidnight();

  return { scrollToBottom };
}
