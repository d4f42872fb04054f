import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createChanges } from '../static/js/chat/changes.js';
import { createOutbox } from '../static/js/chat/outbox.js';
import {
  createProtocol, messageDeleteFrame, messageEditFrame, messageSendFrame, pingFrame, reactionFrame, readFrame, typingFrame,
} from '../static/js/chat/protocol.js';
import { alice, bob, carol, FakeClock, FakeTransport, makeStore, member, message, recordEvents, roomData, settle } from './fakes.js';

/** The protocol over a real store and outbox; sync's reads are recorded. */
function setup() {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  store.roomListLoaded([roomData(10, { last_message: message(3, 10) }), roomData(20)], clock.now());
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(3, 10)], has_more: false });
  const transport = new FakeTransport();
  const outbox = createOutbox({ store, transport, timers: clock, newClientId: () => 'client-1' });
  const changes = createChanges({ store, transport, timers: clock, newClientId: () => 'change-1' });
  const calls = [];
  const sync = {
    fullSync: async () => calls.push('fullSync'),
    loadMembers: (roomId) => calls.push(['loadMembers', roomId]),
  };
  const handle = createProtocol({ store, outbox, changes, sync: { ...sync } });
  const flushes = [];
  for (const [name, part] of [['outbox', outbox], ['changes', changes]]) {
    const flush = part.flush;
    part.flush = () => {
      flushes.push([name, calls.length]);
      flush();
    };
  }
  return { store, transport, outbox, changes, calls, handle, flushes, clock };
}

test('client frames are built as the protocol spells them', () => {
  assert.deepEqual(messageSendFrame({ room: 1, body: 'hi', client_id: 'c', status: 'waiting' }),
    { type: 'message.send', room: 1, body: 'hi', client_id: 'c' });
  assert.deepEqual(messageSendFrame({ room: 1, body: 'hi', client_id: 'c', reply_to: 7 }),
    { type: 'message.send', room: 1, body: 'hi', client_id: 'c', reply_to: 7 });
  assert.deepEqual(messageEditFrame({ room: 1, message_id: 7, body: 'fixed', client_id: 'c', kind: 'edit' }),
    { type: 'message.edit', room: 1, message_id: 7, body: 'fixed', client_id: 'c' });
  assert.deepEqual(messageDeleteFrame({ room: 1, message_id: 7, client_id: 'c' }), { type: 'message.delete', room: 1, message_id: 7, client_id: 'c' });
  assert.deepEqual(reactionFrame({ room: 1, message_id: 7, emoji: '👍', add: true, client_id: 'c' }),
    { type: 'reaction.add', room: 1, message_id: 7, emoji: '👍', client_id: 'c' });
  assert.deepEqual(reactionFrame({ room: 1, message_id: 7, emoji: '👍', add: false, client_id: 'c' }),
    { type: 'reaction.remove', room: 1, message_id: 7, emoji: '👍', client_id: 'c' });
  assert.deepEqual(typingFrame(1), { type: 'typing', room: 1 });
  assert.deepEqual(readFrame(1, 9), { type: 'read', room: 1, message_id: 9 });
  assert.deepEqual(pingFrame(), { type: 'ping' });
});

test('hello notes each room\'s latest change, catches up first and sends what is pending after', async () => {
  const { store, handle, calls, flushes } = setup();
  handle({ type: 'hello', user: alice, rooms: [10, 20], seqs: { 10: 3, 20: 9 } });
  await settle();
  assert.deepEqual(calls, ['fullSync']);
  assert.deepEqual(flushes, [['outbox', 1], ['changes', 1]]); // after the sync ran
  assert.equal(store.room(20).log.latest, 9);
  assert.equal(store.room(20).log.gap, true); // the full sync reads what room 20 missed
});

test('message.new and ack bring the message in; ack settles the pending send', () => {
  const { store, outbox, handle } = setup();
  handle({ type: 'message.new', message: message(4, 10) });
  outbox.send(10, 'mine');
  handle({ type: 'ack', client_id: 'client-1', message: message(5, 10, alice, { client_id: 'client-1' }) });
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [3, 4, 5]);
  assert.equal(store.pending.size, 0);
});

test('an ack for a room this tab has dropped still settles the pending send', () => {
  const { store, outbox, handle } = setup();
  outbox.send(20, 'mine');
  store.rooms.delete(20); // gone without this tab's outbox hearing of it
  handle({ type: 'ack', client_id: 'client-1', message: message(5, 20, alice, { client_id: 'client-1' }) });
  assert.equal(store.pending.size, 0);
});

test('an error frame fails the send it names; one without client_id changes nothing', () => {
  const { store, outbox, handle } = setup();
  outbox.send(10, 'too fast');
  handle({ type: 'error', code: 'rate_limited', detail: 'Slow down.', client_id: null });
  assert.equal(store.pending.get('client-1').status, 'sending');
  handle({ type: 'error', code: 'rate_limited', detail: 'Slow down.', client_id: 'client-1' });
  assert.equal(store.pending.get('client-1').status, 'failed');
  assert.equal(store.pending.get('client-1').error, 'Slow down.');
});

test('message.deleted removes the message, and asks for the preview when it was the last one', () => {
  const { store, handle } = setup();
  const events = recordEvents(store, ['counts.stale', 'changes.due']);
  handle({ type: 'message.deleted', room: 10, message_id: 3, seq: 1 });
  assert.equal(store.room(10).messages.size, 0);
  assert.deepEqual(events, [['counts.stale', { roomId: 10 }]]);
  assert.equal(store.room(10).log.seq, 1);
});

test('message.updated replaces the message by id; an older copy arriving late does not undo it', () => {
  const { store, handle } = setup();
  const events = recordEvents(store, ['message.updated', 'message.added']);
  const edited = message(3, 10, bob, { body: 'edited', seq: 2, edited_at: '2026-01-01T00:01:00.000Z' });
  handle({ type: 'message.updated', seq: 2, message: edited });
  handle({ type: 'message.new', seq: 1, message: message(3, 10, bob, { seq: 1 }) }); // the original push, late
  assert.equal(store.room(10).messages.get(3).body, 'edited');
  assert.deepEqual(events.map(([type]) => type), ['message.updated']);
  assert.equal(store.room(10).data.last_message.body, 'edited'); // the preview follows
  assert.equal(store.room(10).log.seq, 2);
});

test('a push that skips a change number calls for the change log', () => {
  const { store, handle } = setup();
  const due = recordEvents(store, ['changes.due']);
  handle({ type: 'message.new', seq: 1, message: message(4, 10, bob, { seq: 1 }) });
  assert.deepEqual(due, []);
  handle({ type: 'message.new', seq: 3, message: message(6, 10, bob, { seq: 3 }) });
  assert.deepEqual(due, [['changes.due', { roomId: 10 }]]);
});

test('the ack and the error of an edit, deletion or reaction reach the change, not the outbox', () => {
  const { store, changes, handle } = setup();
  const failed = recordEvents(store, ['change.failed']);
  changes.react(10, 3, '👍', true);
  handle({ type: 'error', code: 'rate_limited', detail: 'Slow down.', client_id: 'change-1' });
  assert.equal(store.changes.size, 0);
  assert.deepEqual(failed.map(([, { change, code }]) => [change.kind, code]), [['react', 'rate_limited']]);

  changes.react(10, 3, '👍', true);
  const reacted = message(3, 10, bob, { seq: 4, reactions: [{ emoji: '👍', count: 1, user_ids: [alice.id] }] });
  handle({ type: 'ack', client_id: 'change-1', message: reacted });
  assert.equal(store.changes.size, 0);
  assert.deepEqual(store.room(10).messages.get(3).reactions, reacted.reactions);

  changes.remove(10, 3);
  handle({ type: 'ack', client_id: 'change-1', message: { id: 3, room: 10, seq: 5, deleted: true } }); // the tombstone
  assert.equal(store.room(10).messages.has(3), false);
});

test('members: a join in the open room fetches the list; presence and departures update it', () => {
  const { store, handle, calls } = setup();
  store.membersLoaded(10, [member(alice, 'owner'), member(bob)]);
  handle({ type: 'member.joined', room: 10, user: carol });
  assert.deepEqual(calls, [['loadMembers', 10]]);
  handle({ type: 'presence', room: 10, user: bob, online: true });
  assert.equal(store.room(10).members.get(bob.id).online, true);
  handle({ type: 'member.left', room: 10, user: bob, reason: 'left' });
  assert.equal(store.room(10).members.has(bob.id), false);
  handle({ type: 'typing', room: 10, user: carol });
  assert.deepEqual(store.typingUsers(10), [carol]);
});

test('room frames add, update and remove rooms', () => {
  const { store, handle } = setup();
  handle({ type: 'room.added', room: roomData(30) });
  handle({ type: 'room.updated', room: roomData(30, { name: 'Renamed' }) });
  assert.equal(store.room(30).data.name, 'Renamed');
  handle({ type: 'room.removed', room: 30, reason: 'banned' });
  assert.equal(store.room(30), null);
});

test('frames of unknown types, and names of object properties, are ignored', () => {
  const { store, handle } = setup();
  for (const type of ['message.exploded', 'constructor', '__proto__', 'toString', 'hasOwnProperty', undefined]) {
    handle({ type, room: 10, message: message(9, 10) });
  }
  handle(null);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [3]);
});
