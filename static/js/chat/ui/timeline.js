// The open room's messages: history on top (loaded as the reader scrolls up), then the messages,
// who joined or left, and the person's pending sends last; a divider starts each day, and a "New"
// line sits before the first message that was unread when the room was opened (the view scrolls
// to it). Entries are kept in order by a key. Scrolled up, the reader gets a pill counting what
// arrived below and a button (and End) back to the latest.
//
// Version 2: each message shows its actions (react, reply, edit, delete) on hover or focus; its
// reactions are buttons that toggle; a reply's quote jumps to the original (loading the history
// around it when it is not loaded: the timeline then shows that stretch, and newer pages follow
// as the reader goes down). The list is ONE Tab stop: the arrow keys move between entries (a
// roving tabindex), Enter or → goes into an entry's controls (its actions first), ← → move
// among them, ↑ ↓ to the next entry, Escape back to the entry.

import { timelineDividers } from '../dividers.js';
import {
  changeErrorText, dayLabel, DELETE_MESSAGE_QUESTION, historyText, JUMP_TO_LATEST, newMessagesText, noticeText,
  ORIGINAL_GONE, UNREAD_LINE,
} from '../format.js';
import { mentionsUser, replyQuote } from '../messages.js';
import { h, timeElement } from './dom.js';
import { confirmAction } from './forms.js';
import { messageItem, pendingItem } from './message.js';
import { mountEmojiPicker } from './picker.js';

const NEAR_BOTTOM_PX = 120; // closer than this to the end counts as "at the latest"
const ENTRY = ':scope > .msg'; // the entries the arrow keys move between
const CONTROLS = 'button:not([disabled]), a[href]';

/** Sort key of a timeline entry: messages by id, a notice just after the message it followed, pending last. */
function entryKey(el) {
  return Number(el.dataset.key);
}

function noticeItem(notice) {
  return h('div', { class: 'notice', role: 'listitem', dataset: { key: notice.afterId + 0.5 } },
    h('span', { dir: 'auto' }, noticeText(notice)), ' ', timeElement(notice.at, 'notice-time'));
}

/** A divider as an element: an item of the list holding a separator named by its words, so that screen readers say them. */
function dividerItem(divider, now) {
  const unread = divider.kind === 'unread';
  const text = unread ? UNREAD_LINE.text : dayLabel(divider.date, now);
  return h('div', {
    class: `divider divider--${divider.kind}`, role: 'listitem',
    dataset: { key: divider.key, dividerId: dividerId(divider, text) },
  }, h('span', { class: 'divider-label', role: 'separator', 'aria-label': unread ? UNREAD_LINE.label : text }, text));
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
  const picker = mountEmojiPicker({ el: el.emojiPicker });
  let unseenBelow = 0; // messages of others that arrived while the reader was scrolled up

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  const scrollToBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };
  // Below the loaded messages there may be newer ones (after a jump to an older message).
  const newerBelow = () => Boolean(store.currentRoom?.hasNewer);

  /** Show the pill and the jump button when the reader is away from the latest messages. */
  function updateWayDown() {
    const away = Boolean(store.currentRoom) && (!nearBottom() || newerBelow());
    if (!away) unseenBelow = 0;
    const hadFocus = [newMessagesPill, jumpButton].includes(document.activeElement);
    newMessagesPill.hidden = !(away && unseenBelow > 0);
    newMessagesPill.querySelector('[data-pill-text]').textContent = newMessagesText(unseenBelow);
    jumpButton.hidden = !away;
    if (hadFocus && document.activeElement === document.body) scroller.focus({ preventScroll: true });
  }

  function jumpToLatest() {
    const room = store.currentRoom;
    if (room?.hasNewer) {
      // Showing an older stretch: the latest page replaces it (the timeline follows).
      sync.loadFirstPage(room.id).catch((error) => store.toast(error.message));
      return;
    }
    scrollToBottom();
    unseenBelow = 0;
    updateWayDown();
  }

  /** Put an entry near the top of the view (or as far down as the timeline goes). */
  function scrollToEntry(node) {
    scroller.scrollTop += node.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 12;
  }

  // --- Entries ----------------------------------------------------------------------------------

  /** The quote of the message `replyTo` (a reply's field, or a pending send's id) answers. */
  function quoteFor(room, replyTo) {
    if (!replyTo) return null;
    const target = typeof replyTo === 'number' ? { id: replyTo, deleted: false, excerpt: '' } : replyTo;
    const original = room.messages.get(target.id) || null;
    const quote = replyQuote(target, { original, deleted: room.tombstones.has(target.id) });
    return quote.deleted || quote.author ? quote : null; // a pending reply to a message not loaded: no quote
  }

  function messageElement(room, message) {
    const me = store.me;
    const own = message.author.id === me.id;
    const actions = ['react', 'reply'];
    if (own) actions.push('edit');
    if (store.rules.canDeleteMessage(room.data.role, own)) actions.push('delete');
    return messageItem(message, {
      me,
      own,
      mentionsMe: mentionsUser(message, me.id),
      quote: quoteFor(room, message.reply_to),
      reactions: store.reactionsOf(room.id, message),
      members: room.members,
      actions,
      saving: store.changesTo(room.id, message.id).some((change) => change.kind === 'edit'),
    });
  }

  const pendingElement = (room, item) => pendingItem(item, { quote: room ? quoteFor(room, item.reply_to) : null });
  const findPending = (clientId) => messageList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
  const findMessage = (messageId) => messageList.querySelector(`:scope > [data-id="${Number(messageId)}"]`);

  /**
   * Replace an entry by its new state; the focus, when it was inside, stays on the same control
   * (or the entry itself), and the roving Tab stop stays with the entry.
   */
  function replaceEntry(old, fresh) {
    const focused = old.contains(document.activeElement) ? document.activeElement : null;
    const wasStop = old.tabIndex === 0;
    old.replaceWith(fresh);
    if (wasStop) fresh.tabIndex = 0;
    if (!focused) return;
    let target = fresh;
    if (focused !== old) {
      const { action, emoji } = focused.dataset;
      const selector = emoji ? `[data-emoji="${CSS.escape(emoji)}"]` : action ? `[data-action="${CSS.escape(action)}"]` : null;
      target = (selector && fresh.querySelector(selector)) || fresh;
    }
    target.focus({ preventScroll: true });
  }

  function rerenderMessage(room, messageId) {
    const old = findMessage(messageId);
    const message = room.messages.get(Number(messageId));
    if (old && message) replaceEntry(old, messageElement(room, message));
  }

  /** Replies show their original as this tab has it: refresh those that quote `messageId`. */
  function rerenderReplies(room, messageId) {
    for (const message of room.messages.values()) {
      if (message.reply_to?.id === messageId) rerenderMessage(room, message.id);
    }
    for (const item of store.pendingIn(room.id)) {
      const old = findPending(item.client_id);
      if (item.reply_to === messageId && old) replaceEntry(old, pendingElement(room, item));
    }
  }

  /** Insert an entry at its place by key (usually last); follow it down if the reader was at the bottom. */
  function insertEntry(node, { follow = nearBottom() && !newerBelow() } = {}) {
    const key = entryKey(node);
    let before = messageList.lastElementChild;
    while (before && entryKey(before) > key) before = before.previousElementSibling;
    messageList.insertBefore(node, before ? before.nextElementSibling : messageList.firstElementChild);
    if (follow) scrollToBottom();
    keepTabStop();
  }

  // --- Dividers ---------------------------------------------------------------------------------

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
    for (const node of wanted.values()) insertEntry(node, { follow: false });
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

  // --- The whole list -----------------------------------------------------------------------------

  /** Put older entries on top without moving what the reader is looking at. */
  function prependEntries(room, nodes) {
    if (!nodes.length) return;
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    messageList.setAttribute('aria-busy', 'true');
    messageList.prepend(...nodes);
    updateDividers(room);
    messageList.removeAttribute('aria-busy');
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
    keepTabStop();
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

  /** Newer history (after a jump back) while the bottom of the list is in view. */
  async function loadNewerWhileBottomShows(room) {
    while (room.id === store.currentId && room.hasNewer && !room.loadFailed && nearBottom()) {
      if (!await sync.loadNewer(room.id)) return;
    }
  }

  let jumpTarget = null; // {roomId, messageId}: the message to show once its page is in
  function renderTimeline(room) {
    const nodes = [
      ...store.sortedMessages(room.id).map((message) => messageElement(room, message)),
      ...room.notices.map(noticeItem),
      ...wantedDividers(room, new Date()),
      ...store.pendingIn(room.id).map((item) => pendingElement(room, item)),
    ].sort((a, b) => entryKey(a) - entryKey(b));
    messageList.setAttribute('aria-busy', 'true');
    messageList.replaceChildren(...nodes);
    messageList.removeAttribute('aria-busy');
    stopChosen = false;
    keepTabStop();
    updateHistoryStatus(room);
    unseenBelow = 0;
    const target = jumpTarget?.roomId === room.id && findMessage(jumpTarget.messageId);
    jumpTarget = null;
    const unreadLine = messageList.querySelector('.divider--unread');
    if (target) showEntry(target);
    else if (unreadLine) scrollToEntry(unreadLine);
    else scrollToBottom();
    updateWayDown();
    loadOlderWhileTopShows(room); // too short to scroll: fill the view
  }

  /** Bring an entry into view, focus it (it becomes the Tab stop) and flash it. */
  function showEntry(node) {
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
    node.classList.remove('is-flashing');
    void node.offsetWidth; // restart the animation
    node.classList.add('is-flashing');
    updateWayDown();
  }

  /** Show a reply's original: at once when loaded, else after loading the history around it. */
  async function jumpToMessage(roomId, messageId) {
    const loaded = findMessage(messageId);
    if (loaded) {
      showEntry(loaded);
      return;
    }
    jumpTarget = { roomId, messageId };
    try {
      if (!await sync.loadAround(roomId, messageId)) store.toast(ORIGINAL_GONE);
    } catch (error) {
      if (error.status !== 404) store.toast(error.message);
    }
  }

  // --- One Tab stop, arrow keys within (a roving tabindex) ----------------------------------------

  const entries = () => [...messageList.querySelectorAll(ENTRY)];
  const entryOf = (node) => node?.closest?.('#message-list > .msg') || null;
  const controlsOf = (entry) => [...entry.querySelectorAll(CONTROLS)];

  /** Make `entry` the list's one Tab stop. */
  function setTabStop(entry) {
    for (const node of messageList.querySelectorAll(`${ENTRY}[tabindex="0"]`)) if (node !== entry) node.tabIndex = -1;
    if (entry) entry.tabIndex = 0;
  }

  // The Tab stop is the newest entry, until the person moves in the list: then it stays where
  // they were (as a roving tabindex does), for as long as the room is shown.
  let stopChosen = false;

  /** The list keeps one Tab stop: the entry the person was on, else the newest one. */
  function keepTabStop() {
    const stop = messageList.querySelector(`${ENTRY}[tabindex="0"]`);
    if (!stop || !stopChosen) setTabStop(entries().at(-1) || null);
  }

  function focusEntry(entry) {
    if (!entry) return;
    setTabStop(entry);
    entry.focus();
  }

  messageList.addEventListener('focusin', (event) => {
    const entry = entryOf(event.target);
    if (!entry) return;
    stopChosen = true;
    setTabStop(entry);
  });
  messageList.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const entry = entryOf(event.target);
    if (!entry || isTextField(event.target)) return;
    const all = entries();
    const index = all.indexOf(entry);
    const onEntry = event.target === entry;
    const controls = controlsOf(entry);
    const at = controls.indexOf(event.target);
    let handled = true;
    switch (event.key) {
      case 'ArrowUp': focusEntry(all[Math.max(0, index - 1)]); break;
      case 'ArrowDown':
        if (index === all.length - 1 && newerBelow()) loadNewerWhileBottomShows(store.currentRoom);
        focusEntry(all[Math.min(all.length - 1, index + 1)]);
        break;
      case 'Home': if (onEntry) focusEntry(all[0]); else controls[0]?.focus(); break;
      case 'End':
        if (!onEntry) {
          controls.at(-1)?.focus();
        } else {
          jumpToLatest();
          focusEntry(entries().at(-1));
        }
        break;
      case 'Enter':
        if (onEntry) controls[0]?.focus();
        else handled = false; // the control's own action
        break;
      case 'ArrowRight': controls[onEntry ? 0 : (at + 1) % controls.length]?.focus(); break;
      case 'ArrowLeft': controls[onEntry ? controls.length - 1 : (at - 1 + controls.length) % controls.length]?.focus(); break;
      case 'Escape': if (onEntry) handled = false; else entry.focus(); break;
      default: handled = false;
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  });
  // An entry that goes (deleted, sent) while it has the focus hands it to its neighbour.
  new MutationObserver((records) => {
    const lost = records.some((record) => [...record.removedNodes].some((node) => node.nodeType === 1 && node.matches('.msg')
      && (node.tabIndex === 0 || node.contains(document.activeElement))));
    if (!lost) return;
    const hadFocus = document.activeElement === document.body;
    keepTabStop();
    if (hadFocus && !messageList.contains(document.activeElement)) {
      const stop = messageList.querySelector(`${ENTRY}[tabindex="0"]`);
      stop?.focus({ preventScroll: true });
    }
  }).observe(messageList, { childList: true });

  // --- Actions ------------------------------------------------------------------------------------

  async function deleteMessage(room, message) {
    if (!await confirmAction(confirmDialog, DELETE_MESSAGE_QUESTION)) return;
    commands.deleteMessage(room.id, message.id);
  }

  function react(room, message, button) {
    picker.open(button, (emoji) => {
      commands.toggleReaction(room.id, message, emoji);
      const entry = findMessage(message.id);
      (entry?.querySelector('[data-action="react"]') || entry)?.focus({ preventScroll: true });
    });
  }

  messageList.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action]');
    const room = store.currentRoom;
    if (!button || !room) return;
    const entry = entryOf(button);
    const { action } = button.dataset;
    if (action === 'retry' || action === 'discard') {
      const clientId = entry.dataset.clientId;
      if (action === 'retry') outbox.retry(clientId);
      else {
        outbox.discard(clientId);
        composerInput.focus();
      }
      return;
    }
    const message = room.messages.get(Number(entry?.dataset.id));
    if (!message) return;
    switch (action) {
      case 'react': react(room, message, button); break;
      case 'toggle-reaction': commands.toggleReaction(room.id, message, button.dataset.emoji); break;
      case 'reply':
        store.setReply(room.id, replyQuote(message, { original: message }));
        composerInput.focus();
        break;
      case 'edit':
        store.editStarted(room.id, message.id, message.body);
        composerInput.focus();
        break;
      case 'delete': deleteMessage(room, message); break;
      case 'quote': jumpToMessage(room.id, Number(button.dataset.target)); break;
      default:
    }
  });

  // --- The store's events -------------------------------------------------------------------------

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
    if (room?.loaded) renderTimeline(room);
    else if (room) {
      messageList.replaceChildren(); // dropped, to be loaded again
      updateHistoryStatus(room);
    }
  });
  store.on('room', ({ roomId, roleChanged }) => {
    const room = current(roomId);
    if (room?.loaded && roleChanged) renderTimeline(room); // delete buttons come or go
  });
  let namedBy = ''; // the members whose names the reactions show (presence changes do not rename anyone)
  store.on('members', ({ roomId }) => {
    // Reactions name who reacted from the member list.
    const room = current(roomId);
    const names = room?.members ? [...room.members.values()].map((member) => `${member.user.id}:${member.user.display_name}`).join() : '';
    if (!room?.loaded || names === namedBy) return;
    namedBy = names;
    for (const message of room.messages.values()) if (message.reactions?.length) rerenderMessage(room, message.id);
  });
  store.on('user', ({ user, roomIds }) => {
    // A new name or picture: the entries that show that person, as author or in a quote.
    const room = store.currentRoom;
    if (!room?.loaded || !roomIds.includes(room.id)) return;
    for (const message of room.messages.values()) {
      if (message.author?.id === user.id || message.reply_to?.author?.id === user.id) rerenderMessage(room, message.id);
    }
  });
  store.on('history', ({ roomId }) => {
    const room = current(roomId);
    if (!room) return;
    updateHistoryStatus(room);
    // A page of older history arrived (by the reader's scrolling or a retry): more, while the top shows.
    if (room.loaded && !room.loadingOlder) loadOlderWhileTopShows(room);
    updateWayDown();
  });
  store.on('message.added', ({ roomId, message }) => {
    const room = current(roomId);
    if (!room?.loaded) return;
    const follow = nearBottom() && !room.hasNewer;
    insertEntry(messageElement(room, message), { follow });
    if (!follow && message.author.id !== store.me.id) unseenBelow += 1;
    updateWayDown();
    updateDividersSoon();
  });
  store.on('message.updated', ({ roomId, message }) => {
    const room = current(roomId);
    if (!room?.loaded) return;
    rerenderMessage(room, message.id);
    rerenderReplies(room, message.id);
  });
  store.on('messages.older', ({ roomId, messages }) => {
    const room = current(roomId);
    if (room) prependEntries(room, messages.map((message) => messageElement(room, message)));
  });
  store.on('messages.newer', ({ roomId, messages }) => {
    const room = current(roomId);
    if (!room) return;
    for (const message of messages) insertEntry(messageElement(room, message), { follow: false });
    updateDividersSoon();
    updateWayDown();
  });
  store.on('message.removed', ({ roomId, messageId }) => {
    const room = current(roomId);
    if (!room) return;
    findMessage(messageId)?.remove();
    rerenderReplies(room, messageId);
    updateDividersSoon();
  });
  store.on('change', ({ roomId, messageId }) => {
    const room = current(roomId);
    if (room?.loaded) rerenderMessage(room, messageId); // a reaction shown at once, an edit being saved
  });
  store.on('change.failed', ({ change, code, detail }) => {
    // An edit's failure is the composer's to show, next to the text it keeps.
    if (change.kind !== 'edit') store.toast(changeErrorText(change, code, detail));
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
    const room = store.room(roomId);
    if (!item) old?.remove();
    else if (old) replaceEntry(old, pendingElement(room, item));
    else if (current(roomId)) insertEntry(pendingElement(room, item), { follow: true });
  });

  // The way down: the pill, the button, End anywhere but in a text field, Escape in the composer.
  scroller.addEventListener('scroll', () => {
    updateWayDown();
    const room = store.currentRoom;
    if (room?.hasNewer) loadNewerWhileBottomShows(room);
  }, { passive: true });
  newMessagesPill.addEventListener('click', jumpToLatest);
  jumpButton.addEventListener('click', jumpToLatest);
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || event.isComposing) return;
    if (!store.currentRoom || event.target.closest?.('dialog, [popover]')) return;
    const fromComposer = event.key === 'Escape' && event.target === composerInput && !nearBottom();
    if ((event.key === 'End' && !isTextField(event.target)) || fromComposer) {
      event.preventDefault();
      jumpToLatest();
    }
  });
  jumpButton.title = JUMP_TO_LATEST.title;
  jumpButton.setAttribute('aria-label', JUMP_TO_LATEST.label);

  new IntersectionObserver((observed) => {
    const room = store.currentRoom;
    if (room && observed.some((entry) => entry.isIntersecting)) loadOlderWhileTopShows(room);
  }, { root: scroller, rootMargin: '200px 0px 0px 0px' }).observe(historyStatus);
  updateDividersAtMidnight();

  // jumpToMessage(roomId, messageId): show a message of the open room, loading the history around
  // it when needed (a reply's quote uses it; so can a search result).
  return { scrollToBottom, jumpToLatest, jumpToMessage };
}
