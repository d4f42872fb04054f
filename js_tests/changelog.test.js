import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isNewerCopy, SeqLog } from '../static/js/chat/changelog.js';
import { alice, bob, makeStore, message, recordEvents, roomData } from './fakes.js';

test('pushes in order move the cursor; repeats are not news', () => {
  const log = new SeqLog(3);
  assert.equal(log.noted(4), true);
  assert.equal(log.noted(5), true);
  assert.equal(log.noted(5), false); // the same push twice
  assert.equal(log.noted(2), false); // older than the cursor
  assert.deepEqual([log.seq, log.gap], [5, false]);
});

test('a push that skips a number opens a gap, which a late push fills', () => {
  const log = new SeqLog(3);
  log.noted(6);
  log.noted(5);
  assert.deepEqual([log.seq, [...log.ahead].sort(), log.gap], [3, [5, 6], true]);
  log.noted(4); // the missing one, out of order
  assert.deepEqual([log.seq, log.ahead.size, log.gap], [6, 0, false]);
});

test('a page of the change log covers a gap; numbers seen beyond it then follow on', () => {
  const log = new SeqLog(0);
  log.noted(9);
  log.noted(7);
  log.reached(6); // a page up to 6
  assert.deepEqual([log.seq, log.gap], [7, true]); // 7 follows; 8 is still missing
  log.reached(8);
  assert.deepEqual([log.seq, log.gap], [9, false]);
  log.reached(2); // an old page changes nothing
  assert.equal(log.seq, 9);
});

test('the server announcing a higher number is a gap until it is reached', () => {
  const log = new SeqLog(4);
  log.announced(7);
  log.announced(5);
  log.announced(undefined); // a version 1 server
  assert.deepEqual([log.latest, log.gap], [7, true]);
  log.noted(5);
  log.noted(6);
  log.noted(7);
  assert.equal(log.gap, false);
});

test('of two copies of a message the one with the higher seq wins; copies without seq are the same state', () => {
  assert.equal(isNewerCopy({ seq: 3 }, { seq: 4 }), true);
  assert.equal(isNewerCopy({ seq: 4 }, { seq: 4 }), false);
  assert.equal(isNewerCopy({ seq: 5 }, { seq: 4 }), false);
  assert.equal(isNewerCopy({}, { seq: 1 }), true);
  assert.equal(isNewerCopy({ seq: 1 }, {}), false);
});

/** The store with room 10 open and loaded at seq 3 (messages 1-3, each its own change). */
function loadedRoom() {
  const store = makeStore();
  store.roomListLoaded([roomData(10, { seq: 3 })], 0);
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [1, 2, 3].map((id) => message(id, 10, bob, { seq: id })), has_more: false });
  return store;
}

test('the store applies pushes in any order and any number of times, by seq', () => {
  const store = loadedRoom();
  const events = recordEvents(store, ['message.added', 'message.updated', 'message.removed', 'changes.due']);
  const edited = message(2, 10, bob, { seq: 5, body: 'edited' });
  store.messageReceived(10, edited, { seq: 5 }); // the edit's push before the new message's
  store.messageReceived(10, message(4, 10, alice, { seq: 4 }), { seq: 4 });
  store.messageReceived(10, message(2, 10, bob, { seq: 2 }), { seq: 2 }); // an old push, repeated late
  store.messageReceived(10, edited, { seq: 5 }); // and this one twice
  assert.equal(store.room(10).messages.get(2).body, 'edited');
  assert.deepEqual(events.map(([type, detail]) => [type, detail.message?.id ?? detail.roomId]),
    [['message.updated', 2], ['changes.due', 10], ['message.added', 4]]);
  assert.deepEqual([store.room(10).log.seq, store.room(10).log.gap], [5, false]);
});

test('a tombstone removes the message for good; a later copy of it does not bring it back', () => {
  const store = loadedRoom();
  store.changesLoaded(10, { seq: 6, messages: [message(1, 10, bob, { seq: 4, body: 'changed' }), { id: 3, room: 10, seq: 6, deleted: true }], has_more: false });
  store.messageReceived(10, message(3, 10, bob, { seq: 5, body: 'an edit before the deletion' }), { seq: 5 });
  assert.deepEqual(store.sortedMessages(10).map((m) => [m.id, m.body]), [[1, 'changed'], [2, 'message 2']]);
  assert.deepEqual([store.room(10).log.seq, store.room(10).log.gap], [6, false]);
});

test('a page of the change log with more to come moves the cursor to its last message only', () => {
  const store = loadedRoom();
  store.seqsAnnounced({ 10: 9 });
  store.changesLoaded(10, { seq: 9, messages: [message(4, 10, bob, { seq: 4 }), message(1, 10, bob, { seq: 6 })], has_more: true });
  assert.deepEqual([store.room(10).log.seq, store.room(10).log.gap], [6, true]);
});

test('a room whose messages are not loaded takes its seq from each Room it is given', () => {
  const store = loadedRoom();
  store.roomListLoaded([roomData(10, { seq: 3 }), roomData(20, { seq: 4 })], 1);
  store.messageReceived(20, message(9, 20, bob, { seq: 6 }), { seq: 6 }); // 5 was missed
  assert.equal(store.room(20).log.gap, true);
  store.roomListLoaded([roomData(10, { seq: 8 }), roomData(20, { seq: 7 })], 2);
  assert.deepEqual([store.room(20).log.seq, store.room(20).log.gap], [7, false]); // nothing held could have missed it
  assert.deepEqual([store.room(10).log.seq, store.room(10).log.gap], [3, true]); // its messages did: the change log says
});
