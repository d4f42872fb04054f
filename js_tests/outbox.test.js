import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';

import { ACK_TIMEOUT_MS, createOutbox, randomClientId } from '../static/js/chat/outbox.js';
import { alice, FakeClock, FakeTransport, LIMITS, makeStore, message, recordEvents, roomData } from './fakes.js';

function setup() {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  store.roomListLoaded([roomData(10), roomData(20)], clock.now());
  const transport = new FakeTransport();
  let n = 0;
  const outbox = createOutbox({ store, transport, timers: clock, now: clock.now, newClientId: () => `client-${++n}` });
  return { clock, store, transport, outbox };
}

test('a send goes out with a fresh client_id and stays pending until its message comes back', () => {
  const { store, transport, outbox } = setup();
  const item = outbox.send(10, 'hello');
  assert.deepEqual(transport.sent, [{ type: 'message.send', room: 10, body: 'hello', client_id: 'client-1' }]);
  assert.equal(item.status, 'sending');
  assert.equal(item.connection, 1);

  store.messageReceived(10, message(5, 10, alice, { client_id: 'client-1', body: 'hello' }));
  assert.equal(store.pending.size, 0);
});

test('our message by any path settles the pending send; someone else\'s with the same client_id does not', () => {
  const { clock, store, outbox } = setup();
  outbox.send(10, 'hello');
  store.messageReceived(10, message(5, 10, { id: 2, username: 'bob' }, { client_id: 'client-1' }));
  assert.equal(store.pending.size, 1);
  store.changesLoaded(10, { seq: 6, messages: [message(6, 10, alice, { client_id: 'client-1' })], has_more: false }); // the ack was lost, catch-up found it
  assert.equal(store.pending.size, 0);
  clock.advance(ACK_TIMEOUT_MS * 2);
  assert.equal(store.pending.size, 0); // its timer went with it
});

test('a send with no answer in time fails, and a retry goes out with the same client_id', () => {
  const { clock, store, transport, outbox } = setup();
  outbox.send(10, 'hello');
  clock.advance(ACK_TIMEOUT_MS);
  assert.deepEqual(store.pending.get('client-1'), {
    client_id: 'client-1', room: 10, body: 'hello', reply_to: null, attachments: [], status: 'failed', error: 'no answer from the server.', connection: 1, at: 1000,
  });
  outbox.retry('client-1');
  assert.deepEqual(transport.ofType('message.send').map((frame) => frame.client_id), ['client-1', 'client-1']);
  assert.equal(store.pending.get('client-1').status, 'sending');
  assert.equal(store.pending.get('client-1').error, null);
});

test('a refused send shows the server\'s reason until retried', () => {
  const { clock, store, outbox } = setup();
  outbox.send(10, 'hello');
  outbox.fail('client-1', 'Slow down.');
  clock.advance(ACK_TIMEOUT_MS);
  assert.equal(store.pending.get('client-1').error, 'Slow down.'); // the ack timer does not overwrite it
  outbox.fail('unknown', 'ignored');
  assert.equal(store.pending.size, 1);
});

test('without a socket a send waits, and goes out once the next connection is up', () => {
  const { store, transport, outbox } = setup();
  transport.ready = false;
  outbox.send(10, 'offline');
  assert.equal(store.pending.get('client-1').status, 'waiting');
  transport.ready = true;
  transport.connection = 2;
  outbox.flush();
  assert.deepEqual(transport.sent, [{ type: 'message.send', room: 10, body: 'offline', client_id: 'client-1' }]);
  assert.equal(store.pending.get('client-1').status, 'sending');
});

test('after a reconnect what the last socket may not have delivered goes out again, with its client_id', () => {
  const { store, transport, outbox } = setup();
  outbox.send(10, 'in flight');
  outbox.send(10, 'refused');
  outbox.fail('client-2', 'no');
  outbox.connectionLost();
  assert.equal(store.pending.get('client-1').status, 'waiting');
  assert.equal(store.pending.get('client-2').status, 'failed'); // stays failed: the person decides

  transport.connection = 2; // the next socket said hello
  outbox.flush();
  outbox.send(10, 'new');
  outbox.flush(); // a second flush on the same connection sends nothing twice
  assert.deepEqual(transport.ofType('message.send').map((frame) => frame.client_id),
    ['client-1', 'client-2', 'client-1', 'client-3']);
});

test('leaving a room drops what was pending in it', () => {
  const { clock, store, outbox } = setup();
  outbox.send(10, 'to 10');
  outbox.send(20, 'to 20');
  store.roomRemoved(10, 'kicked');
  assert.deepEqual([...store.pending.keys()], ['client-2']);
  clock.advance(ACK_TIMEOUT_MS);
  assert.equal(store.pending.get('client-2').status, 'failed');
});

test('a failed send can be discarded: it goes, and nothing answers it later', () => {
  const { clock, store, transport, outbox } = setup();
  outbox.send(10, 'unwanted');
  outbox.fail('client-1', 'Slow down.');
  outbox.discard('client-1');
  assert.equal(store.pending.size, 0);
  clock.advance(ACK_TIMEOUT_MS);
  transport.connection = 2;
  outbox.flush();
  assert.equal(transport.ofType('message.send').length, 1);
});

test('sends kept from an earlier page go out on the first connection, with their own client_id', () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const transport = new FakeTransport();
  const outbox = createOutbox({ store, transport, timers: clock, newClientId: () => 'fresh' });
  // As persist.js restores them, before the room list is known and before the socket is up.
  store.pendingPut({ client_id: 'kept-1', room: 10, body: 'from before', status: 'waiting', error: null, connection: 0, at: 1 });
  store.pendingPut({ client_id: 'kept-2', room: 99, body: 'to a room left meanwhile', status: 'waiting', error: null, connection: 0, at: 2 });
  const toasts = recordEvents(store, ['toast']);
  store.roomListLoaded([roomData(10)], clock.now());
  assert.deepEqual([...store.pending.keys()], ['kept-1']);
  assert.equal(toasts.length, 1); // said, not dropped silently
  outbox.flush();
  assert.deepEqual(transport.ofType('message.send'), [{ type: 'message.send', room: 10, body: 'from before', client_id: 'kept-1' }]);
  // The server answers a repeated client_id with the original message: it settles the send.
  store.messageReceived(10, message(7, 10, alice, { client_id: 'kept-1', body: 'from before' }));
  assert.equal(store.pending.size, 0);
});

test('client ids are unique and fit the server\'s limit, with or without randomUUID', () => {
  const withoutUuid = { getRandomValues: (bytes) => webcrypto.getRandomValues(bytes) }; // an insecure context
  for (const crypto of [webcrypto, withoutUuid]) {
    const ids = new Set(Array.from({ length: 100 }, () => randomClientId(crypto)));
    assert.equal(ids.size, 100);
    for (const id of ids) {
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(id.length <= LIMITS.clientIdMaxLength);
    }
  }
});
