import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createNotifier, shouldNotify } from '../static/js/chat/notify.js';
import { alice, bob, carol, makeStore, message, roomData, settle } from './fakes.js';

const hidden = { me: alice, visible: false, permission: 'granted', enabled: true };

test('a message of someone else notifies while the tab is hidden, if allowed and wanted', () => {
  assert.equal(shouldNotify(message(1, 10, bob), hidden), true);
  assert.equal(shouldNotify(message(1, 10, alice), hidden), false); // my own, from another tab
  assert.equal(shouldNotify(message(1, 10, bob), { ...hidden, visible: true }), false);
  assert.equal(shouldNotify(message(1, 10, bob), { ...hidden, permission: 'default' }), false);
  assert.equal(shouldNotify(message(1, 10, bob), { ...hidden, permission: 'denied' }), false);
  assert.equal(shouldNotify(message(1, 10, bob), { ...hidden, enabled: false }), false);
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
  store.caughtUp(10, [message(1, 10, bob), message(2, 10, carol), message(3, 10, alice)]); // a catch-up after a reconnect
  store.messageReceived(20, message(4, 20, carol));
  await settle();
  assert.deepEqual(shown.map(({ roomId, tag, title, body }) => ({ roomId, tag, title, body })), [
    { roomId: 10, tag: 'room-10', title: '2 new messages in Lounge', body: 'carol: message 2' },
    { roomId: 20, tag: 'room-20', title: 'carol in Desk', body: 'message 4' },
  ]);

  store.messageReceived(10, message(5, 10, bob));
  await settle();
  assert.equal(shown.at(-1).title, '3 new messages in Lounge'); // replaces the room's last one (same tag)
  store.messageReceived(10, message(5, 10, bob)); // a repeat
  await settle();
  assert.equal(shown.length, 3);
});

test('coming back to the tab closes the notifications and starts the count again', async () => {
  const { store, shown } = setup();
  store.messageReceived(10, message(1, 10, bob));
  await settle();
  store.visibilityChanged(true);
  assert.equal(shown[0].closed, true);
  store.messageReceived(10, message(2, 10, bob)); // in view: nothing
  store.visibilityChanged(false);
  store.messageReceived(10, message(3, 10, bob));
  await settle();
  assert.deepEqual(shown.map((n) => n.title), ['bob in Lounge', 'bob in Lounge']);
});

test('nothing is shown without permission, or with notifications turned off', async () => {
  for (const settings of [{ permission: 'default', enabled: true }, { permission: 'granted', enabled: false }]) {
    const { store, shown } = setup({ settings });
    store.messageReceived(10, message(1, 10, bob));
    await settle();
    assert.deepEqual(shown, []);
  }
});
