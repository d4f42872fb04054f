// The room list on the side, and the page title with the unread count. A room's messages that
// mention the person have a badge of their own ("@"), apart from the unread count.

import { isDirect, personName, presenceOf, splitRooms } from '../directs.js';
import { mentionBadge, roomPreview } from '../format.js';
import { gettext, interpolate, ngettext } from '../i18n.js';
import { avatar, h, timeElement } from './dom.js';

function unreadBadge(count) {
  if (!count) return null;
  const shown = count > 99 ? '99+' : String(count);
  return h('span', { class: 'badge' },
    h('span', { class: 'badge-count', 'aria-hidden': 'true' }, shown),
    h('span', { class: 'visually-hidden' }, interpolate(ngettext(', %(count)s unread', ', %(count)s unread', count), { count }, true)));
}

function mentionsBadge(count) {
  if (!count) return null;
  const words = mentionBadge(count);
  return h('span', { class: 'badge badge--mention' },
    h('span', { class: 'badge-mention', 'aria-hidden': 'true' }, words.shown),
    h('span', { class: 'visually-hidden' }, words.label));
}

/** A direct room's picture: its peer's avatar, with their presence when known (directs.js). */
function peerAvatar(room, online) {
  const name = personName(room.peer) || room.name;
  return h('span', { class: 'member-avatar' },
    avatar(name, room.peer?.avatar || null),
    online === null ? null : h('span', { class: `presence${online ? ' is-online' : ''}`, 'aria-hidden': 'true' }));
}

function roomItem(room, { active, href, me, online = null }) {
  const direct = isDirect(room);
  const name = direct ? personName(room.peer) || room.name : room.name;
  return h('li', { class: `room-item${active ? ' is-active' : ''}${room.unread_count ? ' has-unread' : ''}`, dataset: { roomId: room.id } },
    h('a', { class: 'room-link', href, 'aria-current': active ? 'page' : null },
      direct ? peerAvatar(room, online) : avatar(room.name, room.avatar),
      h('span', { class: 'room-item-main' },
        h('span', { class: 'room-item-top' },
          h('span', { class: 'room-item-name', dir: 'auto' }, name,
            online === null ? null : h('span', { class: 'visually-hidden' }, `, ${online ? gettext('online') : gettext('offline')}`)),
          room.last_message ? timeElement(room.last_message.created_at, 'room-item-time') : null),
        h('span', { class: 'room-item-preview', dir: 'auto' }, roomPreview(room, me))),
      mentionsBadge(room.mention_count),
      unreadBadge(room.unread_count)));
}

export function mountRoomList({ store, list, empty, roomHref, directList = null, directSection = null }) {
  function updateTitle() {
    const unread = store.totalUnread();
    const place = store.currentRoom ? store.currentRoom.data.name : gettext('Rooms');
    document.title = `${unread ? `(${unread}) ` : ''}${place} · ${gettext('Chatroom')}`;
  }

  function render() {
    const focused = document.activeElement?.closest?.('.room-item')?.dataset.roomId;
    // Direct messages have a section of their own (when the page has one), named by the person.
    const { groups, directs } = directList ? splitRooms(store.orderedRooms()) : { groups: store.orderedRooms(), directs: [] };
    list.replaceChildren(...groups.map((room) => roomItem(room.data, {
      active: room.id === store.currentId, href: roomHref(room.id), me: store.me,
    })));
    if (directList) {
      directList.replaceChildren(...directs.map((room) => roomItem(room.data, {
        active: room.id === store.currentId, href: roomHref(room.id), me: store.me, online: presenceOf(store, room.data.peer?.id),
      })));
      directSection.hidden = directs.length === 0;
    }
    empty.hidden = !store.roomsLoaded || store.rooms.size > 0;
    if (focused) (directList?.querySelector(`[data-room-id="${focused}"] a`) || list.querySelector(`[data-room-id="${focused}"] a`))?.focus();
    updateTitle();
  }

  // Once for a burst of changes (a catch-up brings many messages at a time).
  let queued = false;
  function renderSoon() {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      render();
    });
  }

  store.on('rooms', renderSoon);
  store.on('room', renderSoon);
  store.on('current', render);
  store.on('me', renderSoon);
  // A direct room's peer came online or went (its member list holds their presence).
  store.on('members', ({ roomId }) => {
    if (directList && isDirect(store.room(roomId)?.data)) renderSoon();
  });

  function onClick(event) {
    const link = event.target.closest('a.room-link');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    store.openRoom(Number(link.closest('.room-item').dataset.roomId));
  }
  list.addEventListener('click', onClick);
  directList?.addEventListener('click', onClick);
}
