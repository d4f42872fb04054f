// The chat page: rooms on the side, one room's messages in the middle, members or settings on the right.
// Data comes from the REST API; live updates from one WebSocket (docs/PROTOCOL.md). The database is
// the record: pushes may be missed, so every (re)connect catches up with `?after=` and merges by id.

import { avatar, codePoints, h, randomId } from './chat/dom.js';
import { bindImagePreview, clearErrors, confirmAction, showErrors } from './chat/forms.js';
import { createApi } from './chat/http.js';
import { ChatSocket } from './chat/socket.js';
import {
  entryKey, memberItem, messageItem, noticeItem, pendingItem, roomItem, sortMembers, typingText,
} from './chat/views.js';

const ACK_TIMEOUT_MS = 10000; // a send with no ack by then is shown as failed, with Retry
const TYPING_EVERY_MS = 1000; // the server drops typing frames sent more often
const TYPING_SHOWN_MS = 4000;
const PAGE_SIZE = 50;
const CATCH_UP_PAGE = 200;
const BODY_MAX = 4000;
const MANAGERS = new Set(['owner', 'admin']);
const REMOVAL_TEXT = {
  left: (name) => `You left ${name}.`,
  kicked: (name) => `You were removed from ${name}.`,
  banned: (name) => `You were banned from ${name}.`,
  deleted: (name) => `${name} was deleted.`,
};
const MEMBER_LEFT_TEXT = { left: 'left', kicked: 'was removed', banned: 'was banned' };

const config = JSON.parse(document.getElementById('chat-config').textContent);
const me = config.user;
const byId = (id) => document.getElementById(id);
const ui = {
  shell: byId('shell'),
  banner: byId('connection-banner'),
  bannerText: byId('connection-text'),
  roomList: byId('room-list'),
  roomListEmpty: byId('room-list-empty'),
  welcome: byId('welcome'),
  roomView: byId('room-view'),
  roomAvatar: byId('room-avatar'),
  roomName: byId('room-name'),
  roomDescription: byId('room-description'),
  memberCount: byId('member-count'),
  settingsToggle: byId('toggle-settings'),
  membersToggle: byId('toggle-members'),
  leaveButton: byId('leave-room'),
  scroller: byId('messages'),
  historyStatus: byId('history-status'),
  messageList: byId('message-list'),
  typing: byId('typing'),
  composer: byId('composer'),
  composerInput: byId('composer-input'),
  composerError: byId('composer-error'),
  membersPanel: byId('members-panel'),
  memberList: byId('member-list'),
  settingsPanel: byId('settings-panel'),
  settingsForm: byId('settings-form'),
  settingsAvatar: byId('settings-avatar-preview'),
  settingsInvite: byId('settings-invite'),
  deleteSection: byId('delete-section'),
  createDialog: byId('create-dialog'),
  createForm: byId('create-form'),
  joinDialog: byId('join-dialog'),
  joinForm: byId('join-form'),
  profileDialog: byId('profile-dialog'),
  profileForm: byId('profile-form'),
  confirmDialog: byId('confirm-dialog'),
  meAvatar: byId('me-avatar'),
  toast: byId('toast'),
};

const api = createApi(config.urls.api, { onUnauthenticated: goToLogin });

// --- State ---------------------------------------------------------------

class Room {
  constructor(data) {
    this.id = data.id;
    this.data = data; // the Room object of the API, kept current by pushes
    this.messages = new Map(); // id -> Message, once the room is loaded
    this.loaded = false;
    this.hasOlder = false;
    this.oldestId = null; // `before` cursor for older history
    this.syncedId = 0; // every message up to this id came from the API: the `after` cursor
    this.seenId = data.last_message ? data.last_message.id : 0; // newest id already counted for unread
    this.readSentId = 0;
    this.members = null; // user id -> Member, once loaded
    this.notices = [];
    this.typing = new Map(); // user id -> {user, until}
    this.draft = '';
    this.knownSince = performance.now();
  }

  get canManage() {
    return MANAGERS.has(this.data.role);
  }
}

const rooms = new Map();
let order = []; // room ids, most recent activity first (as the API sorts them)
let currentId = null;
let roomsLoaded = false;
const forgottenAt = new Map(); // room id -> when this tab dropped it
const pending = new Map(); // client_id -> {client_id, room, body, status, error, timer, connection}
let panel = null; // 'members', 'settings' or null
let lastTyping = { room: null, at: 0 };
let everOnline = false;

const socket = new ChatSocket(socketUrl(), {
  onHello: () => fullSync().catch((error) => toast(error.message)).finally(flushPending),
  onFrame: handleFrame,
  onState: showConnectionState,
  onUnauthenticated: goToLogin,
});

function socketUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${config.urls.socket}`;
}

function goToLogin() {
  location.assign(`/login/?next=${encodeURIComponent(location.pathname)}`);
}

const isViewing = (room) => room.id === currentId && document.visibilityState === 'visible';

// --- Rooms ---------------------------------------------------------------

/** Merge a Room from the API or a push. A value older than what this tab already counted does not win. */
function upsertRoom(data) {
  let room = rooms.get(data.id);
  if (!room) {
    room = new Room(data);
    rooms.set(data.id, room);
  } else {
    const known = room.data;
    const serverLastId = data.last_message ? data.last_message.id : 0;
    room.data = { ...known, ...data };
    if (serverLastId < room.seenId) {
      room.data.last_message = known.last_message;
      room.data.unread_count = known.unread_count;
    }
    room.seenId = Math.max(room.seenId, serverLastId);
  }
  if (room.data.unread_count && isViewing(room)) {
    room.readSentId = 0; // the server has not heard our read yet: tell it again
    scheduleRead(room);
  }
  return room;
}

async function syncRoomList() {
  const asked = performance.now();
  const list = (await api('rooms/')).filter((data) => !(forgottenAt.get(data.id) > asked));
  const present = new Set(list.map((data) => data.id));
  // A room this tab learnt of while the list was on its way is newer than the list.
  for (const room of [...rooms.values()]) {
    if (!present.has(room.id) && room.knownSince < asked) forgetRoom(room.id, null);
  }
  for (const data of list) upsertRoom(data);
  order = [...order.filter((id) => !present.has(id) && rooms.has(id)), ...list.map((data) => data.id)];
  const firstLoad = !roomsLoaded;
  roomsLoaded = true;
  renderRooms();
  if (firstLoad) openRoom(currentId);
}

function addRoom(data) {
  forgottenAt.delete(data.id);
  const room = upsertRoom(data);
  if (!order.includes(room.id)) order.unshift(room.id);
  renderRooms();
  if (room.id === currentId) openRoom(room.id);
  return room;
}

function forgetRoom(id, reason) {
  const room = rooms.get(id);
  if (!room) return;
  rooms.delete(id);
  forgottenAt.set(id, performance.now());
  order = order.filter((other) => other !== id);
  for (const item of [...pending.values()]) {
    if (item.room === id) {
      clearTimeout(item.timer);
      pending.delete(item.client_id);
    }
  }
  if (currentId === id) {
    navigate(null, { replace: true });
    toast((REMOVAL_TEXT[reason] || ((name) => `You are no longer in ${name}.`))(room.data.name));
  }
  renderRooms();
}

function moveToFront(id) {
  order = [id, ...order.filter((other) => other !== id)];
}

let roomsRenderQueued = false;

/** Re-render the room list once for a burst of changes. */
function renderRoomsSoon() {
  if (roomsRenderQueued) return;
  roomsRenderQueued = true;
  Promise.resolve().then(() => {
    roomsRenderQueued = false;
    renderRooms();
  });
}

function renderRooms() {
  const focused = document.activeElement?.closest?.('.room-item')?.dataset.roomId;
  ui.roomList.replaceChildren(...order.map((id) => rooms.get(id)).filter(Boolean).map((room) => roomItem(room.data, {
    active: room.id === currentId, href: roomHref(room.id), me,
  })));
  ui.roomListEmpty.hidden = !roomsLoaded || rooms.size > 0;
  if (focused) ui.roomList.querySelector(`[data-room-id="${focused}"] a`)?.focus();
  updateTitle();
}

function updateTitle() {
  const unread = [...rooms.values()].reduce((sum, room) => sum + (room.data.unread_count || 0), 0);
  const room = rooms.get(currentId);
  const place = room ? room.data.name : 'Rooms';
  document.title = `${unread ? `(${unread}) ` : ''}${place} · Chatroom`;
}

// --- Catching up -----------------------------------------------------------

let syncing = null;
let syncAgain = false;

/**
 * Bring this tab level with the database: the room list (membership, unread counts, previews),
 * then every loaded room's messages after the last one fetched, and the open room's members.
 * Runs on start and after every hello; calls that arrive while one runs fold into one more pass.
 */
function fullSync() {
  if (syncing) {
    syncAgain = true;
    return syncing;
  }
  syncing = (async () => {
    do {
      syncAgain = false;
      try {
        await syncRoomList();
        const current = rooms.get(currentId);
        if (current && !current.loaded) await loadInitial(current).catch(unlessGone);
        for (const room of [...rooms.values()]) {
          if (room.loaded) await catchUp(room).catch(unlessGone);
          // Presence frames sent while this tab was away are not replayed: read the members again.
          if (room.members && room.id === currentId) await loadMembers(room);
          else room.members = null;
        }
      } catch (error) {
        if (error.status !== 0) throw error;
        // Unreachable: the next hello starts over.
      }
    } while (syncAgain);
  })().finally(() => {
    syncing = null;
  });
  return syncing;
}

/** Rethrow an error, unless it says the room is gone (roomRequest has forgotten it then). */
function unlessGone(error) {
  if (error.status !== 404) throw error;
}

async function roomRequest(room, path, options) {
  try {
    return await api(`rooms/${room.id}/${path}`, options);
  } catch (error) {
    if (error.status === 404) forgetRoom(room.id, null); // removed while we looked away
    throw error;
  }
}

async function catchUp(room) {
  for (;;) {
    const page = await roomRequest(room, 'messages/', { query: { after: room.syncedId, limit: CATCH_UP_PAGE } });
    if (!rooms.has(room.id)) return;
    for (const message of page.results) acceptMessage(room, message);
    if (page.results.length) room.syncedId = Math.max(room.syncedId, page.results.at(-1).id);
    if (!page.has_more) return;
  }
}

async function loadInitial(room) {
  if (room.loading) return room.loading;
  room.loading = (async () => {
    const page = await roomRequest(room, 'messages/', { query: { limit: PAGE_SIZE } });
    room.loaded = true;
    room.hasOlder = page.has_more;
    room.oldestId = page.results.length ? page.results[0].id : null;
    for (const message of page.results) acceptMessage(room, message, { render: false });
    room.syncedId = Math.max(room.syncedId, page.results.length ? page.results.at(-1).id : 0);
    if (room.id === currentId) {
      renderTimeline(room);
      if (isViewing(room)) scheduleRead(room);
    }
  })().finally(() => {
    room.loading = null;
  });
  return room.loading;
}

async function loadOlder(room) {
  if (!room.loaded || !room.hasOlder || room.loadingOlder || room.oldestId === null) return;
  room.loadingOlder = true;
  updateHistoryStatus(room);
  try {
    const page = await roomRequest(room, 'messages/', { query: { before: room.oldestId, limit: PAGE_SIZE } });
    room.hasOlder = page.has_more;
    if (page.results.length) room.oldestId = page.results[0].id;
    const older = page.results.filter((message) => !room.messages.has(message.id));
    for (const message of older) room.messages.set(message.id, message);
    if (room.id === currentId) prependEntries(older.map((message) => messageElement(room, message)));
  } catch (error) {
    toast(error.message);
    return;
  } finally {
    room.loadingOlder = false;
    if (room.id === currentId) updateHistoryStatus(room);
  }
  // Short pages may leave the top still in view: keep going until it is not.
  if (room.id === currentId && room.hasOlder && ui.scroller.scrollTop < 200) loadOlder(room);
}

// --- Messages ----------------------------------------------------------------

/**
 * Take a message from any source (push, ack, history, catch-up); ids make it idempotent.
 * Only a message newer than any this tab counted moves the preview and the unread badge.
 */
function acceptMessage(room, message, { render = true } = {}) {
  if (message.author.id === me.id && message.client_id) resolvePending(message.client_id);
  if (room.loaded || room.loading) {
    if (!room.messages.has(message.id)) {
      room.messages.set(message.id, message);
      if (render && room.id === currentId && room.loaded) insertEntry(messageElement(room, message));
    }
  }
  if (message.id <= room.seenId) return;
  room.seenId = message.id;
  room.data.last_message = message;
  if (message.author.id !== me.id) {
    stopTyping(room, message.author.id);
    if (isViewing(room)) scheduleRead(room);
    else room.data.unread_count = (room.data.unread_count || 0) + 1;
  }
  moveToFront(room.id);
  renderRoomsSoon();
}

function removeMessage(room, messageId) {
  room.messages.delete(messageId);
  if (room.id === currentId) ui.messageList.querySelector(`[data-id="${messageId}"]`)?.remove();
  if (room.data.last_message?.id === messageId) {
    // The preview showed it: ask which message is the last one now.
    roomRequest(room, '').then((data) => {
      room.data.last_message = data.last_message;
      renderRooms();
    }).catch(() => {});
  }
}

function messageElement(room, message) {
  const own = message.author.id === me.id;
  return messageItem(message, { own, canDelete: own || room.canManage, onDelete: (target) => deleteMessage(room, target) });
}

async function deleteMessage(room, message) {
  const confirmed = await confirmAction(ui.confirmDialog, {
    title: 'Delete message?', text: 'It disappears for everyone in the room.', confirmLabel: 'Delete',
  });
  if (!confirmed) return;
  try {
    await roomRequest(room, `messages/${message.id}/`, { method: 'DELETE' });
    removeMessage(room, message.id);
  } catch (error) {
    toast(error.message);
  }
}

function sendMessage(room, body) {
  const item = { client_id: randomId(), room: room.id, body, status: 'waiting', error: null, timer: null, connection: 0 };
  pending.set(item.client_id, item);
  transmit(item);
}

/** (Re)send a pending message with its client_id: the server stores it at most once. */
function transmit(item) {
  clearTimeout(item.timer);
  item.error = null;
  if (socket.send({ type: 'message.send', room: item.room, body: item.body, client_id: item.client_id })) {
    item.status = 'sending';
    item.connection = socket.connection;
    item.timer = setTimeout(() => failPending(item, 'no answer from the server.'), ACK_TIMEOUT_MS);
  } else {
    item.status = 'waiting';
    item.connection = 0;
  }
  renderPending(item);
}

function failPending(item, error) {
  clearTimeout(item.timer);
  item.status = 'failed';
  item.error = error;
  renderPending(item);
}

function resolvePending(clientId) {
  const item = pending.get(clientId);
  if (!item) return;
  clearTimeout(item.timer);
  pending.delete(clientId);
  pendingElement(clientId)?.remove();
}

/** After a reconnect and catch-up, send again what the last socket may not have delivered. */
function flushPending() {
  if (!socket.ready) return;
  for (const item of [...pending.values()]) {
    if (item.status !== 'failed' && item.connection !== socket.connection) transmit(item);
  }
}

function pendingElement(clientId) {
  return ui.messageList.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
}

function renderPending(item) {
  if (item.room !== currentId || !pending.has(item.client_id)) return;
  const node = pendingItem(item, { onRetry: transmit });
  const old = pendingElement(item.client_id);
  if (old) old.replaceWith(node);
  else insertEntry(node, { follow: true });
}

// --- Timeline (the visible message list) --------------------------------------

const nearBottom = () => ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 120;
const scrollToBottom = () => {
  ui.scroller.scrollTop = ui.scroller.scrollHeight;
};

/** Insert an entry at its place by key (usually last); follow it down if the reader was at the bottom. */
function insertEntry(node, { follow = nearBottom() } = {}) {
  const key = entryKey(node);
  let before = ui.messageList.lastElementChild;
  while (before && entryKey(before) > key) before = before.previousElementSibling;
  ui.messageList.insertBefore(node, before ? before.nextElementSibling : ui.messageList.firstElementChild);
  if (follow) scrollToBottom();
}

/** Put older entries on top without moving what the reader is looking at. */
function prependEntries(nodes) {
  if (!nodes.length) return;
  const fromBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop;
  ui.messageList.setAttribute('aria-busy', 'true');
  ui.messageList.prepend(...nodes);
  ui.messageList.removeAttribute('aria-busy');
  ui.scroller.scrollTop = ui.scroller.scrollHeight - fromBottom;
}

function renderTimeline(room) {
  const entries = [
    ...[...room.messages.values()].map((message) => messageElement(room, message)),
    ...room.notices.map(noticeItem),
    ...[...pending.values()].filter((item) => item.room === room.id)
      .map((item) => pendingItem(item, { onRetry: transmit })),
  ].sort((a, b) => entryKey(a) - entryKey(b));
  ui.messageList.setAttribute('aria-busy', 'true');
  ui.messageList.replaceChildren(...entries);
  ui.messageList.removeAttribute('aria-busy');
  updateHistoryStatus(room);
  scrollToBottom();
  if (room.hasOlder && ui.scroller.scrollTop < 200) loadOlder(room); // too short to scroll: fill the view
}

function updateHistoryStatus(room) {
  let text = '';
  if (!room.loaded) text = 'Loading messages…';
  else if (room.loadingOlder) text = 'Loading older messages…';
  else if (!room.hasOlder) text = `This is the beginning of ${room.data.name}.`;
  ui.historyStatus.textContent = text;
}

function addNotice(room, text) {
  const notice = { afterId: room.seenId, text, at: new Date().toISOString() };
  room.notices.push(notice);
  if (room.id === currentId && room.loaded) insertEntry(noticeItem(notice));
}

// --- Reading ---------------------------------------------------------------

/** Mark read once for a burst of messages handled together; at once, so that leaving the page loses nothing. */
function scheduleRead(room) {
  if (room.readQueued) return;
  room.readQueued = true;
  Promise.resolve().then(() => {
    room.readQueued = false;
    markRead(room);
  });
}

/** Clear the badge and move the server's read pointer to the newest message this tab knows. */
function markRead(room) {
  if (!rooms.has(room.id)) return;
  if (room.data.unread_count) {
    room.data.unread_count = 0;
    renderRoomsSoon();
  }
  const messageId = room.seenId;
  if (!messageId || messageId <= room.readSentId) return;
  room.readSentId = messageId;
  if (!socket.send({ type: 'read', room: room.id, message_id: messageId })) {
    roomRequest(room, 'read/', { method: 'POST', json: { message_id: messageId } }).catch(() => {
      room.readSentId = 0;
    });
  }
}

document.addEventListener('visibilitychange', () => {
  const room = rooms.get(currentId);
  // Pushes are best effort: coming back to the tab is a good moment to catch up by id.
  if (document.visibilityState === 'visible' && room?.loaded) catchUp(room).catch(unlessGone);
  if (room && isViewing(room) && room.data.unread_count) markRead(room);
});

// --- Typing ------------------------------------------------------------------

function noteTyping() {
  if (!currentId || !ui.composerInput.value.trim()) return;
  const now = Date.now();
  if (lastTyping.room === currentId && now - lastTyping.at < TYPING_EVERY_MS) return;
  if (socket.send({ type: 'typing', room: currentId })) lastTyping = { room: currentId, at: now };
}

function startTyping(room, user) {
  room.typing.set(user.id, { user, until: Date.now() + TYPING_SHOWN_MS });
  if (room.id === currentId) renderTyping();
}

function stopTyping(room, userId) {
  if (room.typing.delete(userId) && room.id === currentId) renderTyping();
}

let typingTimer = null;

function renderTyping() {
  clearTimeout(typingTimer);
  const room = rooms.get(currentId);
  if (!room) {
    ui.typing.textContent = '';
    return;
  }
  const now = Date.now();
  for (const [userId, entry] of room.typing) if (entry.until <= now) room.typing.delete(userId);
  const entries = [...room.typing.values()];
  ui.typing.textContent = typingText(entries.map((entry) => entry.user));
  if (entries.length) typingTimer = setTimeout(renderTyping, Math.min(...entries.map((e) => e.until)) - now + 50);
}

// --- Members -----------------------------------------------------------------

async function loadMembers(room) {
  try {
    const list = await roomRequest(room, 'members/');
    room.members = new Map(list.map((member) => [member.user.id, member]));
    room.data.member_count = list.length;
  } catch (error) {
    if (error.status !== 404) toast(error.message);
    return;
  }
  if (room.id === currentId) {
    renderMembers(room);
    renderHeader(room);
  }
}

function memberActions(room, member) {
  const mine = room.data.role;
  const theirs = member.role;
  if (member.user.id === me.id || theirs === 'owner') return [];
  if (!(mine === 'owner' || (mine === 'admin' && theirs === 'member'))) return [];
  const name = member.user.username;
  const actions = [];
  if (mine === 'owner') {
    const role = theirs === 'admin' ? 'member' : 'admin';
    actions.push({
      label: theirs === 'admin' ? 'Remove admin' : 'Make admin',
      run: () => setRole(room, member, role),
    });
  }
  actions.push({
    label: 'Kick', danger: true,
    run: () => removeMember(room, member, 'kick', { title: `Remove ${name}?`, text: `${name} can rejoin with the invite code.` }),
  });
  actions.push({
    label: 'Ban', danger: true,
    run: () => removeMember(room, member, 'ban', { title: `Ban ${name}?`, text: `${name} is removed and cannot rejoin.` }),
  });
  return actions;
}

function renderMembers(room) {
  if (!room.members) {
    ui.memberList.replaceChildren(h('li', { class: 'member-loading' }, 'Loading members…'));
    return;
  }
  const members = [...room.members.values()].map((member) => (member.user.id === me.id ? { ...member, online: true } : member));
  ui.memberList.replaceChildren(...sortMembers(members).map((member) => memberItem(member, {
    isMe: member.user.id === me.id, actions: memberActions(room, member),
  })));
}

async function setRole(room, member, role) {
  try {
    const updated = await roomRequest(room, `members/${member.user.id}/`, { method: 'PATCH', json: { role } });
    room.members?.set(updated.user.id, updated);
    if (room.id === currentId) renderMembers(room);
  } catch (error) {
    toast(error.message);
  }
}

async function removeMember(room, member, action, question) {
  const confirmed = await confirmAction(ui.confirmDialog, { ...question, confirmLabel: action === 'ban' ? 'Ban' : 'Remove' });
  if (!confirmed) return;
  try {
    await roomRequest(room, `members/${member.user.id}/${action}/`, { method: 'POST' });
  } catch (error) {
    toast(error.message);
    return;
  }
  memberLeft(room, member.user, action === 'ban' ? 'banned' : 'kicked'); // the push that follows is then a no-op
}

// --- The open room -------------------------------------------------------------

function roomHref(id) {
  return `${config.urls.rooms}${id}/`;
}

function roomIdFromPath() {
  const match = location.pathname.match(/\/rooms\/(\d+)\/$/);
  return match ? Number(match[1]) : null;
}

function navigate(id, { replace = false } = {}) {
  const url = id ? roomHref(id) : config.urls.rooms;
  if (location.pathname !== url) history[replace ? 'replaceState' : 'pushState']({ roomId: id }, '', url);
  openRoom(id);
}

function openRoom(id) {
  const previous = rooms.get(currentId);
  if (previous && previous.id !== id) previous.draft = ui.composerInput.value;
  if (id && roomsLoaded && !rooms.has(id)) {
    toast('That room is not available.');
    history.replaceState({ roomId: null }, '', config.urls.rooms);
    id = null;
  }
  currentId = id;
  ui.shell.dataset.view = id ? 'room' : 'list';
  ui.welcome.hidden = Boolean(id);
  ui.roomView.hidden = !id;
  renderRooms();
  const room = rooms.get(id);
  if (!room) {
    setPanel(null);
    return; // no room, or the list is still loading: syncRoomList opens it then
  }
  renderHeader(room);
  ui.composerInput.value = room.draft;
  ui.composerError.hidden = true;
  if (room.loaded) renderTimeline(room);
  else {
    ui.messageList.replaceChildren();
    updateHistoryStatus(room);
    loadInitial(room).catch((error) => toast(error.message));
  }
  renderTyping();
  if (room.members) renderMembers(room);
  else {
    renderMembers(room);
    loadMembers(room);
  }
  fillSettings(room);
  if (panel === 'settings' && !room.canManage) setPanel(null);
  else if (!panel && wideScreen.matches) setPanel('members');
  if (room.loaded && isViewing(room)) markRead(room);
  if (finePointer.matches) ui.composerInput.focus();
}

function renderHeader(room) {
  ui.roomAvatar.replaceChildren(avatar(room.data.name, room.data.avatar, 'lg'));
  ui.roomName.textContent = room.data.name;
  ui.roomDescription.textContent = room.data.description;
  ui.roomDescription.hidden = !room.data.description;
  const count = room.data.member_count;
  ui.memberCount.textContent = String(count);
  ui.membersToggle.setAttribute('aria-label', `Members (${count})`);
  ui.settingsToggle.hidden = !room.canManage;
  ui.leaveButton.hidden = room.data.role === 'owner';
  ui.deleteSection.hidden = room.data.role !== 'owner';
  updateTitle();
}

const wideScreen = window.matchMedia('(min-width: 1100px)');
const finePointer = window.matchMedia('(pointer: fine)');

function setPanel(name) {
  panel = name;
  ui.membersPanel.hidden = name !== 'members';
  ui.settingsPanel.hidden = name !== 'settings';
  ui.membersToggle.setAttribute('aria-expanded', String(name === 'members'));
  ui.settingsToggle.setAttribute('aria-expanded', String(name === 'settings'));
  ui.shell.dataset.panel = name || '';
}

// --- Room settings (owner and admins) -----------------------------------------

let clearSettingsAvatar = () => {};

function fillSettings(room) {
  const form = ui.settingsForm;
  clearErrors(form);
  form.elements.name.value = room.data.name;
  form.elements.description.value = room.data.description;
  clearSettingsAvatar();
  ui.settingsAvatar.replaceChildren(avatar(room.data.name, room.data.avatar, 'lg'));
  ui.settingsInvite.value = room.data.invite_code;
}

async function saveSettings(event) {
  event.preventDefault();
  const room = rooms.get(currentId);
  if (!room) return;
  const form = ui.settingsForm;
  clearErrors(form);
  const data = new FormData(form);
  if (!data.get('avatar')?.size) data.delete('avatar');
  const submit = form.querySelector('[type=submit]');
  submit.disabled = true;
  try {
    upsertRoom(await roomRequest(room, '', { method: 'PATCH', form: data }));
    renderRooms();
    renderHeader(room);
    fillSettings(room);
    toast('Room settings saved.');
  } catch (error) {
    showErrors(form, error);
  } finally {
    submit.disabled = false;
  }
}

async function rotateInvite() {
  const room = rooms.get(currentId);
  if (!room) return;
  const confirmed = await confirmAction(ui.confirmDialog, {
    title: 'Rotate the invite code?', text: 'The current code stops working at once.', confirmLabel: 'Rotate',
  });
  if (!confirmed) return;
  try {
    const { invite_code: code } = await roomRequest(room, 'invite/', { method: 'POST' });
    room.data.invite_code = code;
    ui.settingsInvite.value = code;
    toast('New invite code ready. The old one no longer works.');
  } catch (error) {
    toast(error.message);
  }
}

async function deleteRoom() {
  const room = rooms.get(currentId);
  if (!room) return;
  const confirmed = await confirmAction(ui.confirmDialog, {
    title: `Delete ${room.data.name}?`, text: 'Every message in it is deleted for everyone. This cannot be undone.', confirmLabel: 'Delete room',
  });
  if (!confirmed) return;
  try {
    await roomRequest(room, '', { method: 'DELETE' });
    forgetRoom(room.id, 'deleted');
  } catch (error) {
    toast(error.message);
  }
}

async function leaveRoom() {
  const room = rooms.get(currentId);
  if (!room) return;
  const confirmed = await confirmAction(ui.confirmDialog, {
    title: `Leave ${room.data.name}?`, text: 'You can come back with an invite code.', confirmLabel: 'Leave',
  });
  if (!confirmed) return;
  try {
    await roomRequest(room, 'leave/', { method: 'POST' });
    forgetRoom(room.id, 'left');
  } catch (error) {
    toast(error.message);
  }
}

async function copyInvite() {
  const room = rooms.get(currentId);
  if (!room) return;
  const code = room.data.invite_code;
  let copied = false;
  try {
    await navigator.clipboard.writeText(code);
    copied = true;
  } catch {
    // Clipboard API refused (insecure context, permission): the old way.
    const scratch = h('textarea', { class: 'visually-hidden', readonly: true });
    scratch.value = code;
    document.body.append(scratch);
    scratch.select();
    copied = document.execCommand('copy');
    scratch.remove();
  }
  toast(copied ? 'Invite code copied. Anyone with it can join this room.' : `Invite code: ${code}`);
}

// --- Frames from the server ------------------------------------------------------

function handleFrame(frame) {
  const room = rooms.get(typeof frame.room === 'object' && frame.room ? frame.room.id : frame.room);
  switch (frame.type) {
    case 'message.new':
    case 'ack': {
      const target = rooms.get(frame.message.room);
      if (target) acceptMessage(target, frame.message);
      else if (frame.type === 'ack') resolvePending(frame.client_id);
      break;
    }
    case 'message.deleted':
      if (room) removeMessage(room, frame.message_id);
      break;
    case 'error':
      if (frame.client_id && pending.has(frame.client_id)) failPending(pending.get(frame.client_id), frame.detail);
      break;
    case 'typing':
      if (room) startTyping(room, frame.user);
      break;
    case 'presence':
      if (room?.members?.has(frame.user.id)) {
        room.members.get(frame.user.id).online = frame.online;
        if (room.id === currentId) renderMembers(room);
      }
      break;
    case 'member.joined':
      if (room) memberJoined(room, frame.user);
      break;
    case 'member.left':
      if (room) memberLeft(room, frame.user, frame.reason);
      break;
    case 'room.added':
      addRoom(frame.room);
      break;
    case 'room.updated':
      if (room) roomUpdated(room, frame.room);
      break;
    case 'room.removed':
      forgetRoom(frame.room, frame.reason);
      break;
    default:
      break; // newer servers may add frames; ignore what we do not know
  }
}

function memberJoined(room, user) {
  if (room.members?.has(user.id)) return;
  room.data.member_count += 1;
  addNotice(room, `${user.username} joined`);
  if (room.id === currentId) {
    renderHeader(room);
    loadMembers(room);
  } else {
    room.members = null;
  }
}

function memberLeft(room, user, reason) {
  if (room.members && !room.members.delete(user.id)) return;
  room.data.member_count = Math.max(1, room.data.member_count - 1);
  stopTyping(room, user.id);
  addNotice(room, `${user.username} ${MEMBER_LEFT_TEXT[reason] || 'left'}`);
  if (room.id === currentId) {
    renderHeader(room);
    renderMembers(room);
  }
}

function roomUpdated(room, data) {
  const wasManager = room.canManage;
  upsertRoom(data);
  renderRooms();
  if (room.id !== currentId) return;
  renderHeader(room);
  if (!ui.settingsForm.contains(document.activeElement)) fillSettings(room);
  else ui.settingsInvite.value = room.data.invite_code;
  if (wasManager !== room.canManage) {
    if (!room.canManage && panel === 'settings') setPanel('members');
    renderTimeline(room);
    if (room.members) renderMembers(room);
  }
}

// --- Connection banner and toasts ----------------------------------------------

function showConnectionState(state) {
  ui.shell.dataset.socket = state;
  if (state === 'online') {
    everOnline = true;
    ui.banner.hidden = true;
    ui.shell.classList.remove('is-offline');
    return;
  }
  if (state === 'connecting') {
    if (!ui.banner.hidden) ui.bannerText.textContent = 'Reconnecting…';
    return;
  }
  ui.banner.hidden = false;
  ui.shell.classList.add('is-offline');
  ui.bannerText.textContent = everOnline
    ? 'Connection lost. Reconnecting… Messages you send now go out once it is back.'
    : 'Cannot reach the chat server. Retrying…';
  for (const item of pending.values()) {
    if (item.status === 'sending') {
      clearTimeout(item.timer);
      item.status = 'waiting';
      renderPending(item);
    }
  }
}

let toastTimer = null;

function toast(text) {
  clearTimeout(toastTimer);
  ui.toast.textContent = text;
  toastTimer = setTimeout(() => {
    ui.toast.textContent = '';
  }, 5000);
}

// --- Dialogs ---------------------------------------------------------------------

function bindDialogs() {
  const clearCreateAvatar = bindImagePreview(ui.createForm.elements.avatar, byId('create-avatar-preview'));
  const clearProfileAvatar = bindImagePreview(ui.profileForm.elements.avatar, byId('profile-avatar-preview'));
  clearSettingsAvatar = bindImagePreview(ui.settingsForm.elements.avatar, byId('settings-avatar-new'));

  for (const button of document.querySelectorAll('[data-open-dialog]')) {
    button.addEventListener('click', () => {
      const dialog = byId(button.dataset.openDialog);
      const form = dialog.querySelector('form');
      form.reset();
      clearErrors(form);
      if (dialog === ui.createDialog) clearCreateAvatar();
      if (dialog === ui.profileDialog) clearProfileAvatar();
      dialog.showModal();
    });
  }
  for (const button of document.querySelectorAll('[data-close-dialog]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }

  ui.createForm.addEventListener('submit', (event) => submitDialog(event, async (form) => {
    const data = new FormData(form);
    if (!data.get('avatar')?.size) data.delete('avatar');
    const room = addRoom(await api('rooms/', { method: 'POST', form: data }));
    clearCreateAvatar();
    navigate(room.id);
  }));
  ui.joinForm.addEventListener('submit', (event) => submitDialog(event, async (form) => {
    const code = form.elements.invite_code.value.trim();
    const room = addRoom(await api('rooms/join/', { method: 'POST', json: { invite_code: code } }));
    navigate(room.id);
    toast(`You joined ${room.data.name}.`);
  }));
  ui.profileForm.addEventListener('submit', (event) => submitDialog(event, async (form) => {
    const data = new FormData(form);
    if (!data.get('avatar')?.size) throw Object.assign(new Error('Choose a picture first.'), { data: null });
    const user = await api('me/', { method: 'PATCH', form: data });
    me.avatar = user.avatar;
    ui.meAvatar.replaceChildren(avatar(me.username, me.avatar, 'sm'));
    clearProfileAvatar();
    toast('Your picture is updated.');
  }));
}

async function submitDialog(event, action) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const submit = form.querySelector('[type=submit]');
  submit.disabled = true;
  try {
    await action(form);
    form.closest('dialog').close();
  } catch (error) {
    showErrors(form, error);
  } finally {
    submit.disabled = false;
  }
}

// --- Wiring ------------------------------------------------------------------------

function bindPage() {
  ui.roomList.addEventListener('click', (event) => {
    const link = event.target.closest('a.room-link');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(Number(link.closest('.room-item').dataset.roomId));
  });
  window.addEventListener('popstate', () => openRoom(roomIdFromPath()));
  byId('back-to-rooms').addEventListener('click', () => navigate(null));
  byId('copy-invite').addEventListener('click', copyInvite);
  byId('settings-copy-invite').addEventListener('click', copyInvite);
  byId('rotate-invite').addEventListener('click', rotateInvite);
  byId('delete-room').addEventListener('click', deleteRoom);
  ui.leaveButton.addEventListener('click', leaveRoom);
  ui.membersToggle.addEventListener('click', () => setPanel(panel === 'members' ? null : 'members'));
  ui.settingsToggle.addEventListener('click', () => setPanel(panel === 'settings' ? null : 'settings'));
  for (const button of document.querySelectorAll('[data-close-panel]')) button.addEventListener('click', () => setPanel(null));
  ui.settingsForm.addEventListener('submit', saveSettings);
  byId('reconnect-now').addEventListener('click', () => socket.reconnectNow());

  ui.composerInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.composerInput.addEventListener('input', () => {
    ui.composerError.hidden = true;
    noteTyping();
  });
  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = rooms.get(currentId);
    const body = ui.composerInput.value.trim();
    if (!room || !body) return;
    if (codePoints(body) > BODY_MAX) {
      ui.composerError.textContent = `Messages are limited to ${BODY_MAX.toLocaleString()} characters; this one has ${codePoints(body).toLocaleString()}.`;
      ui.composerError.hidden = false;
      return;
    }
    sendMessage(room, body);
    ui.composerInput.value = '';
    room.draft = '';
    lastTyping = { room: null, at: 0 };
    scrollToBottom();
  });

  new IntersectionObserver((entries) => {
    const room = rooms.get(currentId);
    if (room && entries.some((entry) => entry.isIntersecting)) loadOlder(room);
  }, { root: ui.scroller, rootMargin: '200px 0px 0px 0px' }).observe(ui.historyStatus);

  ui.meAvatar.replaceChildren(avatar(me.username, me.avatar, 'sm'));
  bindDialogs();
}

bindPage();
openRoom(config.roomId);
socket.start();
fullSync().catch((error) => toast(error.message));
