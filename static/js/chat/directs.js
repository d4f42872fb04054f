// Direct messages (protocol version 2): a direct room (`kind` "direct") is a conversation of two,
// shown under "Direct messages" by its `peer` (the other person, as the server gives it to each
// side). What the views need to know of people: who a user id is, whether they are online, and the
// direct room with them. No DOM here (js_tests/directs.test.js).

import { displayName } from './format.js';

export const isDirect = (data) => data?.kind === 'direct';

/** The store's rooms in list order, split into group rooms and direct rooms (RoomState each). */
export function splitRooms(rooms) {
  const groups = [];
  const directs = [];
  for (const room of rooms) (isDirect(room.data) ? directs : groups).push(room);
  return { groups, directs };
}

/** The name a person goes by (format.js displayName), or '' for nobody (a direct room's peer not known yet). */
export const personName = (user) => (user ? displayName(user) : '');

/**
 * Whether `userId` is online, as far as this tab knows: true or false from a loaded member list
 * (kept current by presence frames), preferring the open room's; null when no loaded list has them.
 */
export function presenceOf(store, userId) {
  const rooms = [store.currentRoom, ...store.rooms.values()].filter(Boolean);
  for (const room of rooms) {
    const member = room.members?.get(userId);
    if (member) return userId === store.me.id ? true : Boolean(member.online);
  }
  return userId === store.me.id ? true : null;
}

/** The direct room this tab has with `userId`, or null. */
export function directRoomWith(store, userId) {
  for (const room of store.rooms.values()) if (isDirect(room.data) && room.data.peer?.id === userId) return room;
  return null;
}

/**
 * What this tab knows of the user `userId` (a User object), or null: the signed-in person, a
 * member of a loaded member list, the peer of a direct room, or the author of a loaded message.
 */
export function knownUser(store, userId) {
  if (userId === store.me.id) return store.me;
  const rooms = [store.currentRoom, ...store.rooms.values()].filter(Boolean);
  for (const room of rooms) {
    const member = room.members?.get(userId);
    if (member) return member.user;
  }
  const direct = directRoomWith(store, userId);
  if (direct) return direct.data.peer;
  for (const room of rooms) {
    for (const message of room.messages.values()) if (message.author?.id === userId) return message.author;
  }
  return null;
}

/**
 * Keep the presence of every direct room's peer known: each direct room's member list (two people,
 * with `online`) is loaded once, after which presence frames keep it current (store.presenceChanged).
 * At most `max` rooms, the most recent first, so that a long list costs a bounded number of requests;
 * after a reconnect sync.fullSync loads them again (presence frames may have been missed).
 */
export function createDirectPresence({ store, sync, max = 30 }) {
  const asked = new Set(); // once per room while connected; sync.loadMembers retries passing failures itself
  function loadMissing() {
    const { directs } = splitRooms(store.orderedRooms());
    for (const room of directs.slice(0, max)) {
      if (room.members || asked.has(room.id)) continue;
      asked.add(room.id);
      sync.loadMembers(room.id);
    }
  }
  store.on('rooms', loadMissing);
  store.on('connection', ({ state }) => {
    if (state === 'online') asked.clear();
  });
  return { loadMissing };
}
