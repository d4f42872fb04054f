// The open room's frame: list or room view, the room's header, and the side panel (members or settings).

import { gettext } from '../i18n.js';
import { avatar } from './dom.js';

export function mountRoomFrame({ store, el, wideScreen }) {
  function renderHeader(room) {
    const picture = room.data.kind === 'direct' ? room.data.peer?.avatar : room.data.avatar; // a person's, for a direct room
    el.roomAvatar.replaceChildren(avatar(room.data.name, picture || null, 'lg'));
    el.roomName.textContent = room.data.name;
    el.roomDescription.textContent = room.data.description;
    el.roomDescription.hidden = !room.data.description;
    const count = room.data.member_count;
    el.memberCount.textContent = String(count);
    el.settingsToggle.hidden = !store.canManage(room);
    // A direct room is for good and has no invite code (protocol version 2).
    const direct = room.data.kind === 'direct';
    el.leaveButton.hidden = direct || !store.rules.canLeave(room.data.role);
    if (el.copyInviteButton) el.copyInviteButton.hidden = !room.data.invite_code;
    el.deleteSection.hidden = !store.rules.canDeleteRoom(room.data.role);
  }

  function renderPanel() {
    const name = store.panel;
    el.membersPanel.hidden = name !== 'members';
    el.settingsPanel.hidden = name !== 'settings';
    el.membersToggle.setAttribute('aria-expanded', String(name === 'members'));
    el.settingsToggle.setAttribute('aria-expanded', String(name === 'settings'));
    el.shell.dataset.panel = name || '';
  }

  store.on('current', ({ roomId }) => {
    el.shell.dataset.view = roomId ? 'room' : 'list';
    el.welcome.hidden = Boolean(roomId);
    el.roomView.hidden = !roomId;
    const room = store.currentRoom;
    if (!room) return;
    renderHeader(room);
    if (!store.panel && wideScreen.matches) store.setPanel('members');
  });
  store.on('room', ({ roomId }) => {
    if (roomId === store.currentId) renderHeader(store.currentRoom);
  });
  store.on('panel', renderPanel);

  el.membersToggle.addEventListener('click', () => store.setPanel(store.panel === 'members' ? null : 'members'));
  el.settingsToggle.addEventListener('click', () => store.setPanel(store.panel === 'settings' ? null : 'settings'));
  for (const button of el.closePanelButtons) button.addEventListener('click', () => store.setPanel(null));
}
