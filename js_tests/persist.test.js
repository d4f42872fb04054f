import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox } from '../static/js/chat/outbox.js';
import { createPersistence, UserStorage } from '../static/js/chat/persist.js';
import { alice, bob, FakeClock, FakeStorage, FakeTransport, makeStore, message, roomData } from './fakes.js';

/** One page: a store, its outbox and persistence on `storage`, as chat.js wires them. */
function page(storage, { me = alice, ready = true } = {}) {
  const clock = new FakeClock();
  const store = makeStore({ clock, me });
  const transport = new FakeTransport();
  transport.ready = ready;
  let n = 0;
  const outbox = createOutbox({ store, transport, timers: clock, now: clock.now, newClientId: () => `${me.username}-${++n}` });
  const persistence = createPersistence({ store, local: new UserStorage(storage, me.id) });
  persistence.restore();
  return { clock, store, transport, outbox, persistence };
}

test('a draft survives a reload, per user and room, and goes once sent', () => {
  const storage = new FakeStorage();
  const first = page(storage);
  first.store.setDraft(10, 'half a thought');
  first.store.setDraft(20, 'another');
  page(storage, { me: bob }).store.setDraft(10, 'bob\'s own');

  const second = page(storage);
  assert.equal(second.store.draft(10), 'half a thought');
  assert.equal(second.store.draft(20), 'another');
  second.store.setDraft(10, ''); // sent: the composer clears it
  assert.equal(page(storage).store.draft(10), '');
  assert.equal(page(storage, { me: bob }).store.draft(10), 'bob\'s own');
});

test('a send not yet acknowledged survives a reload and goes out again with the same client_id', () => {
  const storage = new FakeStorage();
  const first = page(storage);
  first.store.roomListLoaded([roomData(10)], 0);
  first.outbox.send(10, 'on its way');
  first.outbox.send(10, 'refused');
  first.outbox.fail('alice-2', 'Slow down.');
  first.outbox.send(10, 'acknowledged');
  first.store.messageReceived(10, message(7, 10, alice, { client_id: 'alice-3', body: 'acknowledged' }));

  const second = page(storage); // the reload: the socket is not up yet
  assert.deepEqual([...second.store.pending.values()].map(({ client_id: id, body, status, error, connection }) => [id, body, status, error, connection]), [
    ['alice-1', 'on its way', 'waiting', null, 0],
    ['alice-2', 'refused', 'failed', 'Slow down.', 0], // the person decides: retry or discard
  ]);
  second.store.roomListLoaded([roomData(10)], 0);
  second.outbox.flush();
  assert.deepEqual(second.transport.ofType('message.send'), [{ type: 'message.send', room: 10, body: 'on its way', client_id: 'alice-1' }]);
  second.store.messageReceived(10, message(8, 10, alice, { client_id: 'alice-1', body: 'on its way' })); // the original, answered again
  second.outbox.discard('alice-2');
  assert.equal(page(storage).store.pending.size, 0);
  assert.equal(storage.length, 0);
});

test('kept sends come back in the order they were written; damaged entries are dropped', () => {
  const kept = (id, at) => JSON.stringify({ client_id: id, room: 10, body: `body ${id}`, status: 'sending', error: null, at });
  const storage = new FakeStorage({
    'chatroom:1:outbox:b': kept('b', 20),
    'chatroom:1:outbox:a': kept('a', 10),
    'chatroom:1:outbox:c': '{not json',
    'chatroom:1:outbox:d': JSON.stringify({ client_id: 'd', room: 'ten', body: '' }),
    'chatroom:1:draft:x': 'not a room',
    'elsewhere:key': 'untouched',
  });
  const { store } = page(storage);
  assert.deepEqual([...store.pending.keys()], ['a', 'b']);
  assert.deepEqual([...storage.map.keys()].sort(), ['chatroom:1:outbox:a', 'chatroom:1:outbox:b', 'elsewhere:key']);
});

test('without storage, or with storage full, the page works and warns before losing a draft', () => {
  for (const storage of [null, Object.assign(new FakeStorage(), { full: true })]) {
    const { store, outbox, persistence } = page(storage);
    store.roomListLoaded([roomData(10)], 0);
    assert.equal(persistence.unsentWork(), false);
    store.setDraft(10, 'cannot be kept');
    assert.equal(persistence.unsentWork(), true);
    store.setDraft(10, '');
    assert.equal(persistence.unsentWork(), false);
    outbox.send(10, 'not kept either');
    assert.equal(store.pending.size, 1); // still sent
    assert.equal(persistence.unsentWork(), true);
  }
});

test('storage that throws on every touch is as good as none', () => {
  const hostile = new Proxy({}, { get() { throw new Error('SecurityError'); } });
  const { store, persistence } = page(hostile);
  store.setDraft(10, 'typed');
  assert.equal(persistence.unsentWork(), true);
  persistence.clear();
});

test('a draft that was kept is no reason to warn; a pending send is, until acknowledged', () => {
  const storage = new FakeStorage();
  const { store, outbox, persistence } = page(storage);
  store.roomListLoaded([roomData(10)], 0);
  store.setDraft(10, 'kept for later');
  assert.equal(persistence.unsentWork(), false);
  outbox.send(10, 'going');
  assert.equal(persistence.unsentWork(), true);
  store.messageReceived(10, message(3, 10, alice, { client_id: 'alice-1' }));
  assert.equal(persistence.unsentWork(), false);
});

test('a full storage that frees up keeps the next version of the draft', () => {
  const storage = Object.assign(new FakeStorage(), { full: true });
  const { store, persistence } = page(storage);
  store.setDraft(10, 'a');
  storage.full = false;
  store.setDraft(10, 'ab');
  assert.equal(persistence.unsentWork(), false);
  assert.equal(storage.getItem('chatroom:1:draft:10'), 'ab');
});

test('signing out forgets this user\'s drafts and sends, and nobody else\'s', () => {
  const storage = new FakeStorage({ 'chatroom:2:draft:10': 'bob', 'other:thing': 'x' });
  const { store, outbox, persistence } = page(storage, { ready: false });
  store.roomListLoaded([roomData(10)], 0);
  store.setDraft(10, 'mine');
  outbox.send(10, 'pending');
  persistence.clear();
  assert.deepEqual([...storage.map.keys()].sort(), ['chatroom:2:draft:10', 'other:thing']);
});

test('a reply kept across a reload goes out as a reply', () => {
  const storage = new FakeStorage();
  const first = page(storage, { ready: false });
  first.store.roomListLoaded([roomData(10)], 0);
  first.outbox.send(10, 'an answer', { replyTo: 7 });
  const second = page(storage);
  second.store.roomListLoaded([roomData(10)], 0);
  second.outbox.flush();
  assert.deepEqual(second.transport.ofType('message.send'), [{ type: 'message.send', room: 10, body: 'an answer', client_id: 'alice-1', reply_to: 7 }]);
});

test('an edit under way survives a reload; one given up, or for a room no longer one\'s, does not', () => {
  const storage = new FakeStorage();
  const first = page(storage);
  first.store.editStarted(10, 4, 'mine');
  first.store.editChanged(10, { text: 'mine, better' });
  first.store.editStarted(20, 5, 'in a room left meanwhile');
  first.store.editStarted(30, 6, 'given up');
  first.store.editEnded(30);
  const second = page(storage);
  assert.deepEqual(second.store.editing(10), { messageId: 4, text: 'mine, better', clientId: null });
  assert.equal(second.store.editing(30), null);
  second.store.roomListLoaded([roomData(10)], 0);
  assert.equal(second.store.editing(20), null);
  assert.equal(page(storage).store.editing(20), null);
});
