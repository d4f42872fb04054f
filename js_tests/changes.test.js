import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createChanges } from '../static/js/chat/changes.js';
import { ACK_TIMEOUT_MS } from '../static/js/chat/outbox.js';
import { alice, bob, FakeClock, FakeTransport, makeStore, message, recordEvents, roomData } from './fakes.js';

function setup() {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  store.roomListLoaded([roomData(10, { seq: 2 })], clock.now());
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(1, 10, alice, { seq: 1, body: 'helo' }), message(2, 10, bob, { seq: 2 })], has_more: false });
  const transport = new FakeTransport();
  let n = 0;
  const changes = createChanges({ store, transport, timers: clock, newClientId: () => `change-${++n}` });
  return { clock, store, transport, changes };
}

test('an edit is kept until its ack, which brings the message in its new state', () => {
  const { store, transport, changes } = setup();
  store.editStarted(10, 1, 'helo');
  store.editChanged(10, { text: 'hello', clientId: changes.edit(10, 1, 'hello') });
  assert.equal(store.changes.get('change-1').status, 'sending');
  assert.deepEqual(transport.sent, [{ type: 'message.edit', room: 10, message_id: 1, body: 'hello', client_id: 'change-1' }]);
  changes.acknowledge('change-1', message(1, 10, alice, { seq: 3, body: 'hello', edited_at: '2026-01-01T00:02:00.000Z' }));
  assert.equal(store.changes.size, 0);
  assert.equal(store.room(10).messages.get(1).body, 'hello');
  assert.equal(store.editing(10), null); // the composer is done with it
});

test('a refused change is dropped with its reason; the message stays as the server has it', () => {
  const { store, changes } = setup();
  const failed = recordEvents(store, ['change.failed']);
  store.editStarted(10, 1, 'helo');
  store.editChanged(10, { clientId: changes.edit(10, 1, 'x'.repeat(5000)) });
  changes.fail('change-1', { code: 'invalid', detail: 'body: Ensure this field has no more than 4000 characters.' });
  assert.deepEqual(failed.map(([, detail]) => [detail.change.kind, detail.code]), [['edit', 'invalid']]);
  assert.equal(store.room(10).messages.get(1).body, 'helo');
  assert.equal(store.editing(10).messageId, 1); // still editing: the text is not lost
  changes.fail('unknown', { code: 'invalid', detail: '' }); // not ours: nothing
  assert.equal(failed.length, 1);
});

test('a change with no answer in time fails as such', () => {
  const { clock, store, changes } = setup();
  const failed = recordEvents(store, ['change.failed']);
  changes.react(10, 2, '👍', true);
  clock.advance(ACK_TIMEOUT_MS - 1);
  assert.equal(failed.length, 0);
  clock.advance(1);
  assert.deepEqual(failed.map(([, detail]) => detail.code), ['timeout']);
  assert.equal(store.changes.size, 0);
});

test('without a socket a change waits, and goes out on the next one; one in flight when it dropped goes again', () => {
  const { clock, store, transport, changes } = setup();
  transport.ready = false;
  changes.react(10, 2, '🎉', true);
  assert.equal(store.changes.get('change-1').status, 'waiting');
  clock.advance(ACK_TIMEOUT_MS * 2); // no timer runs for what has not gone out
  assert.equal(store.changes.size, 1);
  transport.ready = true;
  changes.flush();
  changes.remove(10, 2);
  changes.connectionLost(); // both were on their way
  transport.connection = 2;
  changes.flush();
  assert.deepEqual(transport.sent.map((frame) => [frame.type, frame.client_id]), [
    ['reaction.add', 'change-1'], ['message.delete', 'change-2'], ['reaction.add', 'change-1'], ['message.delete', 'change-2'],
  ]);
});

test('a deletion answered not_found is done: the message was gone already', () => {
  const { store, changes } = setup();
  const failed = recordEvents(store, ['change.failed']);
  changes.remove(10, 2);
  changes.fail('change-1', { code: 'not_found', detail: 'No such message.' });
  assert.deepEqual(failed, []);
  assert.equal(store.room(10).messages.has(2), false);
});

test('a reaction shows at once, and the ack or the refusal settles what is shown', () => {
  const { store, changes } = setup();
  const target = store.room(10).messages.get(2);
  changes.react(10, 2, '👍', true);
  assert.deepEqual(store.reactionsOf(10, target), [{ emoji: '👍', count: 1, user_ids: [alice.id], mine: true }]);
  changes.fail('change-1', { code: 'rate_limited', detail: 'Slow down.' });
  assert.deepEqual(store.reactionsOf(10, target), []);
});
