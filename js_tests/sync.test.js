import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  CHANGES_PAGE, createSync, GAP_WAIT_MS, isTransient, PAGE_SIZE, reconnectDelay, RESET_AFTER_CHANGES,
} from '../static/js/chat/sync.js';
import { alice, apiError, bob, FakeClock, fakeApi, makeStore, member, message, recordEvents, roomData, settle } from './fakes.js';

/** Room 10's messages on the "server": ids 1..count. */
function history(count) {
  return Array.from({ length: count }, (_, n) => message(n + 1, 10));
}

/** A server holding `messages` for room 10, answering the cursors as PROTOCOL.md says. */
function server(messages, { rooms = [roomData(10), roomData(20)] } = {}) {
  return fakeApi((path, { query = {} } = {}) => {
    if (path === 'rooms/') return rooms;
    if (path.endsWith('members/')) return [member(bob)];
    if (path === 'rooms/10/messages/') {
      const limit = Number(query.limit || PAGE_SIZE);
      if (query.after !== undefined) {
        const newer = messages.filter((m) => m.id > Number(query.after));
        return { results: newer.slice(0, limit), has_more: newer.length > limit };
      }
      const older = query.before !== undefined ? messages.filter((m) => m.id < Number(query.before)) : messages;
      return { results: older.slice(-limit), has_more: older.length > limit };
    }
    throw apiError(404);
  });
}

test('reconnect delays double from half a second, with jitter, up to 15 seconds', () => {
  assert.equal(reconnectDelay(0, () => 0), 250);
  assert.equal(reconnectDelay(0, () => 1), 500);
  assert.equal(reconnectDelay(3, () => 0), 2000);
  assert.equal(reconnectDelay(3, () => 1), 4000);
  assert.equal(reconnectDelay(30, () => 0.5), 11250);
  const delays = [0, 0.5, 0.999].map((random) => reconnectDelay(2, () => random));
  assert.ok(delays.every((delay) => delay >= 1000 && delay < 2000), delays);
  assert.equal(new Set(delays).size, 3);
});

/**
 * Room 10 as the server keeps it (PROTOCOL.md version 2): messages numbered by their latest change,
 * a change log read with `changes/?since=`, tombstones for deleted messages.
 */
class ChangeServer {
  constructor(count = 0) {
    this.seq = 0;
    this.messages = new Map(); // id -> message (deleted ones as tombstones)
    for (let n = 0; n < count; n += 1) this.add();
    this.api = fakeApi((path, { query = {} } = {}) => this.answer(path, query));
  }

  add(author = bob) {
    const id = this.messages.size + 1;
    this.seq += 1;
    const fresh = message(id, 10, author, { seq: this.seq, edited_at: null, reactions: [], mentions: [] });
    this.messages.set(id, fresh);
    return fresh;
  }

  edit(id, body) {
    this.seq += 1;
    const edited = { ...this.messages.get(id), body, seq: this.seq, edited_at: '2026-01-01T00:05:00.000Z' };
    this.messages.set(id, edited);
    return edited;
  }

  delete(id) {
    this.seq += 1;
    const tombstone = { id, room: 10, seq: this.seq, deleted: true };
    this.messages.set(id, tombstone);
    return tombstone;
  }

  visible() {
    return [...this.messages.values()].filter((m) => !m.deleted);
  }

  answer(path, query) {
    if (path === 'rooms/') return [roomData(10, { seq: this.seq }), roomData(20, { seq: 0 })];
    if (path === 'rooms/10/') return roomData(10, { seq: this.seq, last_message: this.visible().at(-1) || null });
    if (path.endsWith('members/')) return [member(bob)];
    if (path === 'rooms/10/changes/') {
      const since = Number(query.since);
      const changed = [...this.messages.values()].filter((m) => m.seq > since).sort((a, b) => a.seq - b.seq);
      const page = changed.slice(0, Number(query.limit));
      return { seq: this.seq, messages: page, has_more: changed.length > page.length };
    }
    if (path === 'rooms/10/messages/') {
      const limit = Number(query.limit || PAGE_SIZE);
      const shown = this.visible();
      if (query.around !== undefined) {
        const around = Number(query.around);
        const half = Math.floor(limit / 2);
        const older = shown.filter((m) => m.id < around);
        const newer = shown.filter((m) => m.id >= around);
        return {
          results: [...older.slice(-half), ...newer.slice(0, limit - half)], has_more: older.length > half, has_newer: newer.length > limit - half,
        };
      }
      if (query.after !== undefined) {
        const newer = shown.filter((m) => m.id > Number(query.after));
        return { results: newer.slice(0, limit), has_more: newer.length > limit };
      }
      const older = query.before !== undefined ? shown.filter((m) => m.id < Number(query.before)) : shown;
      return { results: older.slice(-limit), has_more: older.length > limit };
    }
    throw apiError(404);
  }
}

test('the change log is read from where the tab stands, page by page, in each message\'s current state', async () => {
  const store = makeStore();
  const server = new ChangeServer(60);
  const sync = createSync({ store, api: server.api });
  store.roomListLoaded(server.answer('rooms/'), 0);
  store.openRoom(10);
  await settle(); // the first page (ids 11-60) and the members
  assert.equal(store.room(10).log.seq, 60);

  for (let n = 0; n < 450; n += 1) server.add();
  server.edit(20, 'edited while away');
  server.delete(30);
  store.messageReceived(10, server.messages.get(300), { seq: server.messages.get(300).seq }); // a push seen before the catch-up
  server.api.calls.length = 0;
  await sync.catchUp(10);

  assert.deepEqual(server.api.calls.map((call) => call.query.since), [60, 260, 460]);
  assert.ok(server.api.calls.every((call) => call.query.limit === CHANGES_PAGE));
  const ids = store.sortedMessages(10).map((m) => m.id);
  assert.equal(ids.length, 499); // 11-510 but 30
  assert.equal(ids.includes(30), false);
  assert.equal(store.room(10).messages.get(20).body, 'edited while away');
  assert.equal(store.room(10).log.seq, server.seq);
  assert.equal(store.room(10).log.gap, false);
});

test('a full sync loads the list and the open room, reads the change log of rooms behind, and the members again', async () => {
  const store = makeStore();
  const server = new ChangeServer(3);
  const sync = createSync({ store, api: server.api });
  store.openRoom(10, { history: 'none' }); // from the address, before the list is known
  await sync.fullSync();
  await settle();
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1, 2, 3]);
  store.membersLoaded(20, [member(bob)]); // another room's members, seen earlier
  server.api.calls.length = 0;
  await sync.fullSync(); // nothing changed: no change log to read
  assert.deepEqual(server.api.calls.map((call) => call.path), ['rooms/', 'rooms/10/members/']);

  server.add();
  server.edit(2, 'fixed');
  server.api.calls.length = 0;
  store.seqsAnnounced({ 10: server.seq }); // as hello says it
  await sync.fullSync();
  // Presence frames missed while away are not replayed: the open room's members are read again,
  // the others' forgotten until the room is opened.
  assert.deepEqual(server.api.calls.map((call) => [call.path, call.query]), [
    ['rooms/', undefined], ['rooms/10/changes/', { since: 3, limit: CHANGES_PAGE }], ['rooms/10/members/', undefined],
  ]);
  assert.equal(store.room(20).members, null);
  assert.deepEqual(store.sortedMessages(10).map((m) => [m.id, m.body]), [[1, 'message 1'], [2, 'fixed'], [3, 'message 3'], [4, 'message 4']]);
});

test('a gap in the pushes is filled from the change log, unless the missing push comes meanwhile', async () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const server = new ChangeServer(2);
  createSync({ store, api: server.api, timers: clock });
  store.roomListLoaded(server.answer('rooms/'), 0);
  store.openRoom(10);
  await settle();
  const push = (m) => store.messageReceived(10, m, { seq: m.seq });
  server.api.calls.length = 0;

  // Out of order: 4 before 3. Nothing is fetched once 3 arrives.
  const [three, four] = [server.add(), server.add()];
  push(four);
  push(three);
  clock.advance(GAP_WAIT_MS);
  await settle();
  assert.deepEqual(server.api.calls, []);
  assert.equal(store.room(10).log.seq, 4);

  // Lost: 5 (an edit of message 1) never comes; 6 does. The change log has 5.
  server.edit(1, 'edited, push lost');
  push(server.add());
  clock.advance(GAP_WAIT_MS - 1);
  await settle();
  assert.deepEqual(server.api.calls, []); // the missing one may still come
  clock.advance(1);
  await settle();
  assert.deepEqual(server.api.calls.map((call) => [call.path, call.query.since]), [['rooms/10/changes/', 4]]);
  assert.equal(store.room(10).messages.get(1).body, 'edited, push lost');
  assert.equal(store.room(10).log.seq, 6);
});

test('a room that missed too many changes loads its latest page again instead of replaying them', async () => {
  const store = makeStore();
  const server = new ChangeServer(5);
  const sync = createSync({ store, api: server.api });
  store.roomListLoaded(server.answer('rooms/'), 0);
  store.openRoom(10);
  await settle();
  for (let n = 0; n <= RESET_AFTER_CHANGES; n += 1) server.add();
  const events = recordEvents(store, ['timeline']);
  server.api.calls.length = 0;
  store.seqsAnnounced({ 10: server.seq });
  await sync.catchUp(10);
  assert.deepEqual(server.api.calls.map((call) => [call.path, call.query]), [['rooms/10/messages/', { limit: PAGE_SIZE }]]);
  assert.equal(events.length, 2); // dropped, then the latest page
  assert.equal(store.sortedMessages(10).at(-1).id, server.messages.size);
  assert.equal(store.room(10).log.seq, server.seq);
});

test('a jump to an older message shows the history around it, and newer pages lead back to the latest', async () => {
  const store = makeStore();
  const server = new ChangeServer(200);
  const sync = createSync({ store, api: server.api });
  store.roomListLoaded(server.answer('rooms/'), 0);
  store.openRoom(10);
  await settle();
  assert.equal(await sync.loadAround(10, 20), true);
  const room = store.room(10);
  // Up to 25 older, the message and those after it: 1-44 here, with newer ones beyond.
  assert.deepEqual([room.oldestId, store.newestLoadedId(10), room.hasOlder, room.hasNewer], [1, 44, false, true]);
  // A new message meanwhile is counted, not shown beyond the gap.
  const fresh = server.add(alice);
  store.messageReceived(10, fresh, { seq: fresh.seq });
  assert.equal(room.messages.has(fresh.id), false);
  while (room.hasNewer) assert.equal(await sync.loadNewer(10), true);
  assert.equal(store.newestLoadedId(10), fresh.id);
  assert.equal(room.messages.size, 201);
});

test('full syncs asked for while one runs fold into one more pass', async () => {
  const store = makeStore();
  const api = server([]);
  const sync = createSync({ store, api });
  const first = sync.fullSync();
  assert.equal(sync.fullSync(), first);
  assert.equal(sync.fullSync(), first);
  await first;
  assert.equal(api.calls.filter((call) => call.path === 'rooms/').length, 2);
});

test('an unreachable server ends a full sync quietly; other errors reach the caller', async () => {
  const store = makeStore();
  let failure = apiError(0);
  const sync = createSync({ store, api: fakeApi(() => { throw failure; }) });
  await sync.fullSync();
  failure = apiError(500, 'Server error');
  await assert.rejects(sync.fullSync(), /Server error/);
});

test('a 404 about a room means this tab is no longer in it', async () => {
  const store = makeStore();
  const sync = createSync({ store, api: server([]) });
  store.roomListLoaded([roomData(10), roomData(20)], 0);
  await assert.rejects(sync.roomRequest(20, 'messages/'), (error) => error.status === 404);
  assert.equal(store.room(20), null);
});

test('opening a room loads its first page once, however often it is opened, and its members', async () => {
  const store = makeStore();
  const api = server(history(3));
  createSync({ store, api });
  store.roomListLoaded([roomData(10), roomData(20)], 0);
  store.openRoom(10);
  store.openRoom(20);
  store.openRoom(10);
  await settle();
  store.openRoom(20);
  store.openRoom(10);
  await settle();
  const calls = api.calls.map((call) => call.path);
  assert.equal(calls.filter((path) => path === 'rooms/10/messages/').length, 1);
  assert.equal(store.room(10).loaded, true);
  assert.deepEqual([...store.room(10).members.keys()], [bob.id]);
});

test('older history is asked for before the oldest id, one page at a time', async () => {
  const store = makeStore();
  const api = server(history(120));
  const sync = createSync({ store, api });
  store.roomListLoaded([roomData(10)], 0);
  store.openRoom(10);
  await settle();
  const loading = sync.loadOlder(10);
  assert.equal(await sync.loadOlder(10), false); // one at a time
  assert.equal(await loading, true);
  assert.equal(await sync.loadOlder(10), true);
  assert.equal(await sync.loadOlder(10), false); // nothing older
  const befores = api.calls.filter((call) => call.query?.before).map((call) => call.query.before);
  assert.deepEqual(befores, [71, 21]);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), Array.from({ length: 120 }, (_, n) => n + 1));
});

/** A server for room 10 that fails with `status` while `state.broken`; the sync paced by a fake clock. */
function flakyServer(count, state) {
  const healthy = server(history(count));
  return fakeApi((path, options) => {
    if (state.broken && path !== 'rooms/') throw apiError(state.status ?? 0, 'The server cannot be reached.');
    return healthy(path, options);
  });
}

test('a page of older history that failed for a passing reason is shown as failed and retried by itself', async () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const state = { broken: false };
  const api = flakyServer(60, state);
  const sync = createSync({ store, api, timers: clock, random: () => 0 });
  const toasts = recordEvents(store, ['toast']);
  store.roomListLoaded([roomData(10)], 0);
  store.openRoom(10);
  await settle();
  state.broken = true;
  assert.equal(await sync.loadOlder(10), false);
  assert.equal(store.room(10).loadFailed, 'older');
  assert.equal(store.room(10).loadingOlder, false);
  assert.deepEqual(toasts, []); // the timeline says it; no toast on top

  clock.advance(500); // still down: the next try waits longer
  await settle();
  assert.equal(store.room(10).loadFailed, 'older');
  state.broken = false;
  clock.advance(999);
  await settle();
  assert.equal(store.room(10).loadFailed, 'older'); // not yet: 1 s this time
  clock.advance(1);
  await settle();
  assert.equal(store.room(10).loadFailed, null);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), Array.from({ length: 60 }, (_, n) => n + 1));
  const befores = api.calls.filter((call) => call.query?.before).map((call) => call.query.before);
  assert.deepEqual(befores, [11, 11, 11]);
  clock.advance(60000);
  await settle();
  assert.equal(api.calls.filter((call) => call.query?.before).length, 3); // nothing more once it worked
});

test('a first page that failed during an outage loads as soon as the socket is back', async () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const state = { broken: true };
  createSync({ store, api: flakyServer(3, state), timers: clock, random: () => 0 });
  const toasts = recordEvents(store, ['toast']);
  store.roomListLoaded([roomData(10)], 0);
  store.openRoom(10);
  await settle();
  const room = store.room(10);
  assert.equal(room.loaded, false);
  assert.equal(room.loadFailed, 'first');
  assert.equal(room.loading, false);
  assert.equal(room.members, null); // the members failed too

  state.broken = false;
  store.connectionChanged('online'); // long before the backoff's timer
  await settle();
  assert.equal(room.loaded, true);
  assert.equal(room.loadFailed, null);
  assert.deepEqual([...room.members.keys()], [bob.id]);
  assert.deepEqual(toasts, []);
});

test('a retry waiting for a room the person left is dropped; other errors are told, not retried', async () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const state = { broken: true };
  const api = flakyServer(3, state);
  createSync({ store, api, timers: clock, random: () => 0 });
  store.roomListLoaded([roomData(10), roomData(20)], 0);
  store.openRoom(10);
  await settle();
  store.openRoom(null);
  state.broken = false;
  api.calls.length = 0;
  clock.advance(60000);
  await settle();
  assert.deepEqual(api.calls, []); // opening it again loads it

  const toasts = recordEvents(store, ['toast']);
  Object.assign(state, { broken: true, status: 403 });
  store.openRoom(10);
  await settle();
  assert.equal(store.room(10).loadFailed, null);
  assert.ok(toasts.length >= 1);
  api.calls.length = 0;
  clock.advance(60000);
  await settle();
  assert.deepEqual(api.calls, []);
});

test('passing failures: no answer, too many requests, the server\'s own trouble', () => {
  assert.deepEqual([0, 429, 500, 502, 503].map((status) => isTransient(apiError(status))), [true, true, true, true, true]);
  assert.deepEqual([400, 401, 403, 404].map((status) => isTransient(apiError(status))), [false, false, false, false]);
});

test('coming back to the tab reads the open room\'s change log (a lost push shows only with a later one)', async () => {
  const store = makeStore({ visible: false });
  const server = new ChangeServer(2);
  createSync({ store, api: server.api });
  store.roomListLoaded(server.answer('rooms/'), 0);
  store.openRoom(10);
  await settle();
  server.add();
  server.delete(1);
  store.visibilityChanged(true);
  await settle();
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [2, 3]);
});

test('after a deletion the preview and counts come from the server, unless a newer message came meanwhile', async () => {
  const store = makeStore({ visible: false });
  const server = new ChangeServer(3);
  createSync({ store, api: server.api });
  store.roomListLoaded([roomData(10, { last_message: server.messages.get(3), seq: 3, unread_count: 2, mention_count: 1 })], 0);
  server.delete(3);
  store.messageRemoved(10, 3, { seq: server.seq });
  await settle();
  assert.equal(store.room(10).data.last_message.id, 2);
  assert.equal(store.room(10).data.unread_count, 0); // the fake server's Room counts nothing

  store.roomRefreshed(roomData(10, { last_message: null }), store.room(10).seenId - 1); // asked before a newer one came
  assert.equal(store.room(10).data.last_message.id, 2);
});
