// The chat page: rooms on the side, one room's messages in the middle, members or settings on the
// right. This module only wires the parts together (static/js/README.md): the store holds the
// state, the logic modules (chat/*.js) talk to the server, the views (chat/ui/*.js) show the store.
// Data comes from the REST API; live updates from one WebSocket (docs/PROTOCOL.md).

import { createChanges } from './chat/changes.js';
import { createCommands } from './chat/commands.js';
import { createDirectPresence } from './chat/directs.js';
import { LEAVE_WARNING } from './chat/format.js';
import { setLocale } from './chat/i18n.js';
import { createApi, createProbe, csrfTokenFrom } from './chat/http.js';
import { createOutbox } from './chat/outbox.js';
import { createPersistence, UserStorage } from './chat/persist.js';
import { createProtocol } from './chat/protocol.js';
import { createReadMarker } from './chat/reads.js';
import { ChatSocket } from './chat/socket.js';
import { ChatStore } from './chat/store.js';
import { createSync } from './chat/sync.js';
import { mountAccount } from './chat/ui/account.js';
import { mountComposer } from './chat/ui/composer.js';
import { mountDialogs } from './chat/ui/dialogs.js';
import { mountKeyboard } from './chat/ui/keyboard.js';
import { mountMembers } from './chat/ui/members.js';
import { mountNotifications } from './chat/ui/notifications.js';
import { mountProfileCard } from './chat/ui/profile.js';
import { mountRoomFrame } from './chat/ui/room.js';
import { mountRoomList } from './chat/ui/rooms.js';
import { mountRouter } from './chat/ui/router.js';
import { mountSearch } from './chat/ui/search.js';
import { mountRoomSettings } from './chat/ui/settings.js';
import { mountStatus } from './chat/ui/status.js';
import { mountTimeline } from './chat/ui/timeline.js';

setLocale(document.documentElement.lang);
const config = JSON.parse(document.getElementById('chat-config').textContent);
const byId = (id) => document.getElementById(id);
const roomHref = (id) => `${config.urls.rooms}${id}/`;

function goToLogin() {
  location.assign(`/login/?next=${encodeURIComponent(location.pathname)}`);
}

/** The page's localStorage, or null where it cannot even be reached (blocked site data). */
function pageStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const store = new ChatStore({ me: config.user, roles: config.roles, visible: document.visibilityState === 'visible' });
// Drafts and unsent messages of an earlier page come back before anything else happens.
const local = new UserStorage(pageStorage(), config.user.id);
const persistence = createPersistence({ store, local });
persistence.restore();
const api = createApi(config.urls.api, {
  fetch: (...args) => fetch(...args),
  csrfToken: () => csrfTokenFrom(document.cookie),
  onUnauthenticated: goToLogin,
});
const sync = createSync({ store, api });
const socket = new ChatSocket({
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${config.urls.socket}`,
  createWebSocket: (url) => new WebSocket(url),
  onFrame: (frame) => handleFrame(frame),
  onState: (state) => {
    store.connectionChanged(state);
    if (state === 'offline') {
      outbox.connectionLost();
      changes.connectionLost();
    }
  },
  onUnauthenticated: goToLogin,
  probe: createProbe(config.urls.health, { fetch: (...args) => fetch(...args) }),
});
const outbox = createOutbox({ store, transport: socket });
const changes = createChanges({ store, transport: socket });
const handleFrame = createProtocol({ store, outbox, changes, sync });
const commands = createCommands({ store, api, sync, transport: socket, outbox, changes });
createReadMarker({ store, transport: socket, request: sync.roomRequest });

// Views, each on its part of the page.
mountStatus({
  store,
  el: { shell: byId('shell'), banner: byId('connection-banner'), bannerText: byId('connection-text'), toast: byId('toast'), reconnectButton: byId('reconnect-now') },
  onReconnect: () => socket.reconnectNow(),
});
mountRouter({ store, roomsUrl: config.urls.rooms, roomHref, backButton: byId('back-to-rooms') });
mountRoomList({
  store, list: byId('room-list'), empty: byId('room-list-empty'), roomHref,
  directList: byId('direct-list'), directSection: byId('direct-section'),
});
createDirectPresence({ store, sync });
mountRoomFrame({
  store,
  wideScreen: window.matchMedia('(min-width: 1100px)'),
  el: {
    shell: byId('shell'), welcome: byId('welcome'), roomView: byId('room-view'),
    roomAvatar: byId('room-avatar'), roomName: byId('room-name'), roomDescription: byId('room-description'),
    memberCount: byId('member-count'), membersToggle: byId('toggle-members'), settingsToggle: byId('toggle-settings'),
    leaveButton: byId('leave-room'), deleteSection: byId('delete-section'), copyInviteButton: byId('copy-invite'),
    membersPanel: byId('members-panel'), settingsPanel: byId('settings-panel'),
    closePanelButtons: document.querySelectorAll('[data-close-panel]'),
  },
});
const { scrollToBottom, jumpToMessage } = mountTimeline({
  store, sync, outbox, commands,
  el: {
    scroller: byId('messages'), historyStatus: byId('history-status'), messageList: byId('message-list'), confirmDialog: byId('confirm-dialog'),
    newMessagesPill: byId('new-messages'), jumpButton: byId('jump-latest'), composerInput: byId('composer-input'),
    emojiPicker: { picker: byId('emoji-picker'), search: byId('emoji-search'), grid: byId('emoji-grid'), empty: byId('emoji-empty') },
  },
});
mountComposer({
  store, commands, limits: config.limits, scrollToBottom,
  finePointer: window.matchMedia('(pointer: fine)'),
  el: {
    composer: byId('composer'), input: byId('composer-input'), error: byId('composer-error'), typing: byId('typing'),
    context: byId('composer-context'), contextText: byId('composer-context-text'), contextDetail: byId('composer-context-detail'),
    contextCancel: byId('composer-context-cancel'), mentionList: byId('mention-list'),
  },
});
mountMembers({ store, commands, el: { memberList: byId('member-list'), confirmDialog: byId('confirm-dialog') } });
mountRoomSettings({
  store, commands, limits: config.limits,
  el: {
    form: byId('settings-form'), avatarPreview: byId('settings-avatar-preview'), newAvatar: byId('settings-avatar-new'),
    invite: byId('settings-invite'), confirmDialog: byId('confirm-dialog'),
    rotateButton: byId('rotate-invite'), deleteButton: byId('delete-room'), leaveButton: byId('leave-room'),
    copyButtons: [byId('copy-invite'), byId('settings-copy-invite')], banList: byId('ban-list'),
  },
});
mountNotifications({ store, local, button: byId('notifications-toggle') });
mountProfileCard({ store, commands, el: { card: byId('profile-card') } });
mountSearch({
  store, api, sync, jumpToMessage, roomHref,
  el: { form: byId('search-form'), input: byId('search-input'), panel: byId('search-panel'), status: byId('search-status'), results: byId('search-results'), more: byId('search-more') },
});
mountDialogs({
  store, commands, limits: config.limits,
  el: {
    meAvatar: byId('me-avatar'), meName: byId('me-name'),
    createForm: byId('create-form'), createAvatarPreview: byId('create-avatar-preview'),
    joinForm: byId('join-form'),
    profileForm: byId('profile-form'), profileAvatarPreview: byId('profile-avatar-preview'),
  },
});

mountKeyboard({
  store,
  el: {
    panels: { members: byId('members-panel'), settings: byId('settings-panel') },
    toggles: { members: byId('toggle-members'), settings: byId('toggle-settings') },
    closePanelButtons: document.querySelectorAll('[data-close-panel]'),
    roomList: byId('room-list'), shortcutsButton: byId('shortcuts-button'), composerInput: byId('composer-input'),
  },
});

mountAccount({
  store, commands,
  el: { dialog: byId('profile-dialog'), handoverForm: byId('handover-form'), deleteForm: byId('delete-account-form'), confirmDialog: byId('confirm-dialog') },
  // The account is gone: nothing of it stays on this computer, and the page goes to the sign-in.
  onDeleted: () => {
    socket.stop();
    window.removeEventListener('beforeunload', warnBeforeLeaving);
    persistence.clear();
    location.assign('/');
  },
});

// The page's life around the socket: back online, or back to the tab, is a good moment to try at once.
window.addEventListener('online', () => socket.reconnectNow());
window.addEventListener('focus', () => socket.reconnectNow());
window.addEventListener('pagehide', () => socket.stop());
window.addEventListener('pageshow', (event) => {
  if (event.persisted) socket.resume();
});
document.addEventListener('visibilitychange', () => {
  const visible = document.visibilityState === 'visible';
  store.visibilityChanged(visible);
  if (visible) socket.reconnectNow();
});

// Leaving with messages not yet sent asks first. The listener is there only while it is needed,
// so that the page stays eligible for the back-forward cache otherwise.
function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = LEAVE_WARNING; // older browsers show nothing without it
  return LEAVE_WARNING;
}
let guarding = false;
function guardUnsentWork() {
  const unsent = persistence.unsentWork();
  if (unsent === guarding) return;
  guarding = unsent;
  if (unsent) window.addEventListener('beforeunload', warnBeforeLeaving);
  else window.removeEventListener('beforeunload', warnBeforeLeaving);
}
store.on('pending', guardUnsentWork);
store.on('draft', guardUnsentWork);
store.on('edit', guardUnsentWork);
guardUnsentWork();

// Signing out forgets this person's drafts and unsent messages on this computer (once the page goes).
let signingOut = false;
byId('sign-out').addEventListener('submit', () => {
  signingOut = true;
});
window.addEventListener('pagehide', () => {
  if (signingOut) persistence.clear();
});

store.openRoom(config.roomId, { history: 'none' });
socket.start();
sync.fullSync().catch((error) => store.toast(error.message));
