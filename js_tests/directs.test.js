import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createCommands } from '../static/js/chat/commands.js';
import {
  createDirectPresence, directRoomWith, knownUser, personName, presenceOf, splitRooms,
} from '../static/js/chat/directs.js';
import { createNotifier, directNotificationText } from '../static/js/chat/notify.js';
import { alice, bob, carol, fakeApi, makeStore, member, message, roomData, settle } from './fakes.js';

const direct = (id, peer, fields = {}) => roomData(id, { kind: 'direct', peer, name: peer.username, invite_code: null, ...fields });

test('the room list splits into group rooms and direct rooms, in list order', () => {
  const store = makeStore();
  store.roomListLoaded([roomData(10, { kind: 'group' }), direct(30, bob), roomData(20), direct(40, carol)], 0);
  const { groups, directs } = splitRooms(store.orderedRooms());
  assert.deepEqual(groups.map((room) => room.id), [10, 20]);
  assert.deepEqual(directs.map((room) => room.id), [30, 40]);
  assert.equal(directRoomWith(store, carol.id).id, 40);
  assert.equal(directRoomWith(store, alice.id), null);
});

test('a person is known from member lists, direct rooms and message authors; presence from member lists', () => {
  const store = makeStore();
  store.roomListLoaded([roomData(10), direct(30, { ...carol, display_name: 'Carol C.' })], 0);
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(1, 10, bob)], has_more: false });
  assert.equal(knownUser(store, bob.id), store.room(10).messages.get(1).author);
  assert.equal(presenceOf(store, bob.id), null); // no member list has him yet
  store.membersLoaded(10, [member(alice), member(bob, 'member', true)]);
  assert.equal(presenceOf(store, bob.id), true);
  store.presenceChanged(10, bob, false);
  assert.equal(presenceOf(store, bob.id), false);
  assert.equal(personName(knownUser(store, carol.id)), 'Carol C.');
  assert.equal(personName(bob), 'bob');
  assert.equal(knownUser(store, alice.id), store.me);
  assert.equal(presenceOf(store, alice.id), true);
  assert.equal(knownUser(store, 99), null);
});

test('each direct room\'s members are loaded once, for its peer\'s presence, and again after a reconnect', () => {
  const store = makeStore();
  const loaded = [];
  createDirectPresence({ store, sync: { loadMembers: (id) => loaded.push(id) }, max: 2 });
  store.roomListLoaded([direct(30, bob), roomData(10), direct(40, carol), direct(50, { id: 9, username: 'dan' })], 0);
  assert.deepEqual(loaded, [30, 40]); // the most recent two
  store.roomAdded(roomData(11));
  assert.deepEqual(loaded, [30, 40]); // asked already
  store.connectionChanged('online');
  store.roomAdded(roomData(12));
  assert.deepEqual(loaded, [30, 40, 30, 40]);
});

test('opening a direct message posts dms/, adds the room and shows it', async () => {
  const store = makeStore();
  store.roomListLoaded([roomData(10)], 0);
  const api = fakeApi((path) => (path === 'dms/' ? direct(30, bob) : null));
  const commands = createCommands({ store, api, sync: { roomRequest: null }, transport: null, outbox: null, changes: null });
  await commands.openDirect(bob.id);
  assert.deepEqual(api.calls, [{ path: 'dms/', method: 'POST', json: { user_id: bob.id } }]);
  assert.equal(store.currentId, 30);
  assert.deepEqual(store.order, [30, 10]);
  await commands.openDirect(bob.id); // 200, the same room: still one entry
  assert.deepEqual(store.order, [30, 10]);
});

test('a direct room that arrives with its first message notifies, as a message in it would', async () => {
  const store = makeStore({ visible: false });
  store.roomListLoaded([roomData(10)], 0);
  const shown = [];
  createNotifier({ store, settings: () => ({ permission: 'granted', enabled: true }), show: (n) => shown.push(n) && null });
  store.roomAdded(direct(30, bob, { last_message: message(7, 30, bob), unread_count: 1 }));
  store.roomAdded(direct(31, carol, { last_message: message(8, 31, alice) })); // my own first message, from another tab
  store.roomAdded(roomData(12, { last_message: message(9, 12, bob, { mentions: [alice.id] }) })); // a group room joined: old news
  await settle();
  assert.deepEqual(shown.map((n) => n.roomId), [30]);
  assert.deepEqual([shown[0].title, shown[0].body], ['bob', 'message 7']); // from the person, not "bob in bob"
  store.messageReceived(30, message(7, 30, bob)); // the same message pushed again: no second notification
  await settle();
  assert.equal(shown.length, 1);
});

test('several direct messages make one notification that counts them', () => {
  assert.deepEqual(directNotificationText(3, message(9, 30, { ...bob, display_name: 'Bob B.' }, { body: 'see\n you  soon' })), {
    title: '3 new messages from Bob B.', body: 'see you soon',
  });
  assert.equal(directNotificationText(1, message(9, 30, bob, { body: 'x'.repeat(300) })).body.length, 140);
});
