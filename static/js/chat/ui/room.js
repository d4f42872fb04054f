// The open room's frame: list or room view, the room's header, and the side panel (members or settings).

import { gettext, interpolate } from '../i18n.js';
import { avatar } from './dom.js';

export function mountRoomFrame({ store, el, wideScreen }) {
  function renderHeader(room) {
    el.roomAvatar.replaceChildren(avatar(room.data.name, room.data.avatar, 'lg'));
    el.roomName.textContent = room.data.name;
    el.roomDescription.textContent = room.data.description;
    el.roomDescription.hidden = !room.data.description;
    const count = room.data.member_count;
    el.memberCount.textContent = String(count);
    el.membersToggle.setAttribute('aria-label', interpolate(gettext('Members (%(count)s)'), { count }, true));
    el.settingsToggle.hidden = !store.canManage(room);
    el.leaveButton.hidden = !store.rules.canLeave(room.data.role);
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
