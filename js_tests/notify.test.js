import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addressedTo, createNotifier, shouldNotify } from '../static/js/chat/notify.js';
import { alice, bob, carol, makeStore, message, roomData, settle } from './fakes.js';

const hidden = { me: alice, visible: false, permission: 'granted', enabled: true };

/** A message of `author` in room 10 that mentions `mentioned` (ids). */
const mentioning = (id, author, mentioned = [alice.id], fields = {}) => message(id, 10, author, { mentions: mentioned, ...fields });

test('a mention of me by someone else notifies while the tab is hidden, if allowed and wanted', () => {
  assert.equal(shouldNotify(mentioning(1, bob), hidden), true);
  assert.equal(shouldNotify(mentioning(1, alice), hidden), false); // my own, from another tab
  assert.equal(shouldNotify(mentioning(1, bob), { ...hidden, visible: true }), false);
  assert.equal(shouldNotify(mentioning(1, bob), { ...hidden, permission: 'default' }), false);
  assert.equal(shouldNotify(mentioning(1, bob), { ...hidden, permission: 'denied' }), false);
  assert.equal(shouldNotify(mentioning(1, bob), { ...hidden, enabled: false }), false);
});

test('only messages addressed to me notify: a mention of me, or any message in a direct room', () => {
  assert.equal(shouldNotify(message(1, 10, bob), hidden), false); // a room's chatter
  assert.equal(shouldNotify(mentioning(1, bob, [carol.id]), hidden), false); // someone else named
  assert.equal(shouldNotify(message(1, 10, bob, { mentions: [] }), { ...hidden, room: roomData(10, { kind: 'group' }) }), false);
  assert.equal(shouldNotify(message(1, 10, bob), { ...hidden, room: roomData(10, { kind: 'direct' }) }), true);
  assert.equal(addressedTo(mentioning(1, bob, [carol.id, alice.id]), null, alice), true);
});

function setup({ visible = false, settings = { permission: 'granted', enabled: true } } = {}) {
  const store = makeStore({ visible });
  store.roomListLoaded([roomData(10, { name: 'Lounge' }), roomData(20, { name: 'Desk' })], 0);
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [], has_more: false });
  const shown = [];
  createNotifier({
    store,
    settings: () => settings,
    show: (notification) => {
      const handle = { ...notification, closed: false, close() { this.closed = true; } };
      shown.push(handle);
      return handle;
    },
  });
  return { store, shown, settings };
}

test('a burst makes one notification per room, counting what arrived since the tab was in view', async () => {
  const { store, shown } = setup();
  // A catch-up after a reconnect: two mentions of me, one of someone else, one of mine.
  const page = [mentioning(1, bob), mentioning(2, carol), mentioning(3, bob, [carol.id]), mentioning(4, alice)];
  store.changesLoaded(10, { seq: 4, messages: page, has_more: false });
  store.messageReceived(20, message(5, 20, carol, { mentions: [alice.id] }));
  await settle();
  assert.deepEqual(shown.map(({ roomId, tag, title, body }) => ({ roomId, tag, title, body })), [
    { roomId: 10, tag: 'room-10', title: '2 new messages in Lounge', body: 'carol: message 2' },
    { roomId: 20, tag: 'room-20', title: 'carol mentioned you in Desk', body: 'message 5' },
  ]);

  store.messageReceived(10, mentioning(6, bob));
  await settle();
  assert.equal(shown.at(-1).title, '3 new messages in Lounge'); // replaces the room's last one (same tag)
  store.messageReceived(10, mentioning(6, bob)); // a repeat
  await settle();
  assert.equal(shown.length, 3);
});

test('coming back to the tab closes the notifications and starts the count again', async () => {
  const { store, shown } = setup();
  store.messageReceived(10, mentioning(1, bob));
  await settle();
  store.visibilityChanged(true);
  assert.equal(shown[0].closed, true);
  store.messageReceived(10, mentioning(2, bob)); // in view: nothing
  store.visibilityChanged(false);
  store.messageReceived(10, mentioning(3, bob));
  await settle();
  assert.deepEqual(shown.map((n) => n.title), ['bob mentioned you in Lounge', 'bob mentioned you in Lounge']);
});

test('nothing is shown without permission, or with notifications turned off', async () => {
  for (const settings of [{ permission: 'default', enabled: true }, { permission: 'granted', enabled: false }]) {
    const { store, shown } = setup({ settings });
    store.messageReceived(10, mentioning(1, bob));
    await settle();
    assert.deepEqual(shown, []);
  }
});
