import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createOutbox } from '../static/js/chat/outbox.js';
import { createProtocol, messageSendFrame, pingFrame, readFrame, typingFrame } from '../static/js/chat/protocol.js';
import { alice, bob, carol, FakeClock, FakeTransport, makeStore, member, message, roomData, settle } from './fakes.js';

/** The protocol over a real store and outbox; sync's reads are recorded. */
function setup() {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  store.roomListLoaded([roomData(10, { last_message: message(3, 10) }), roomData(20)], clock.now());
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(3, 10)], has_more: false });
  const transport = new FakeTransport();
  const outbox = createOutbox({ store, transport, timers: clock, newClientId: () => 'client-1' });
  const calls = [];
  const sync = {
    fullSync: async () => calls.push('fullSync'),
    refreshRoom: (roomId) => calls.push(['refreshRoom', roomId]),
    loadMembers: (roomId) => calls.push(['loadMembers', roomId]),
  };
  const handle = createProtocol({ store, outbox, sync: { ...sync } });
  const flushes = [];
  const flush = outbox.flush;
  outbox.flush = () => {
    flushes.push(calls.length);
    flush();
  };
  return { store, transport, outbox, calls, handle, flushes };
}

test('client frames are built as the protocol spells them', () => {
  assert.deepEqual(messageSendFrame({ room: 1, body: 'hi', client_id: 'c', status: 'waiting' }),
    { type: 'message.send', room: 1, body: 'hi', client_id: 'c' });
  assert.deepEqual(typingFrame(1), { type: 'typing', room: 1 });
  assert.deepEqual(readFrame(1, 9), { type: 'read', room: 1, message_id: 9 });
  assert.deepEqual(pingFrame(), { type: 'ping' });
});

test('hello catches up first and sends what is pending after', async () => {
  const { handle, calls, flushes } = setup();
  handle({ type: 'hello', user: alice, rooms: [10, 20] });
  await settle();
  assert.deepEqual(calls, ['fullSync']);
  assert.deepEqual(flushes, [1]); // after the sync ran
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

test('message.deleted removes the message, and refreshes the preview when it was the last one', () => {
  const { store, handle, calls } = setup();
  handle({ type: 'message.deleted', room: 10, message_id: 3 });
  assert.equal(store.room(10).messages.size, 0);
  assert.deepEqual(calls, [['refreshRoom', 10]]);
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
  for (const type of ['message.updated', 'constructor', '__proto__', 'toString', 'hasOwnProperty', undefined]) {
    handle({ type, room: 10, message: message(9, 10) });
  }
  handle(null);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [3]);
});
