import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CATCH_UP_PAGE, createSync, isTransient, PAGE_SIZE, reconnectDelay } from '../static/js/chat/sync.js';
import { apiError, bob, FakeClock, fakeApi, makeStore, member, message, recordEvents, roomData, settle } from './fakes.js';

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

test('catch-up fetches every page after the last id the API gave, and merges pushes without duplicates', async () => {
  const store = makeStore();
  const messages = history(500);
  const api = server(messages);
  const sync = createSync({ store, api });
  store.roomListLoaded([roomData(10), roomData(20)], 0);
  store.openRoom(10);
  await settle(); // the first page (ids 451-500) and the members
  assert.equal(store.room(10).syncedId, 500);

  messages.push(...Array.from({ length: 450 }, (_, n) => message(501 + n, 10)));
  store.messageReceived(10, messages[700]); // pushes seen before the catch-up
  store.messageReceived(10, messages[949]);
  api.calls.length = 0;
  await sync.catchUp(10);

  assert.deepEqual(api.calls.map((call) => call.query.after), [500, 700, 900]);
  assert.ok(api.calls.every((call) => call.query.limit === CATCH_UP_PAGE));
  const ids = store.sortedMessages(10).map((m) => m.id);
  assert.equal(ids.length, 500);
  assert.deepEqual(ids, Array.from({ length: 500 }, (_, n) => 451 + n));
  assert.equal(store.room(10).syncedId, 950);
});

test('a full sync loads the list, the open room, catches up every loaded room and reads its members again', async () => {
  const store = makeStore();
  const api = server(history(3));
  const sync = createSync({ store, api });
  store.openRoom(10, { history: 'none' }); // from the address, before the list is known
  await sync.fullSync();
  await settle();
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1, 2, 3]);
  store.membersLoaded(20, [member(bob)]); // another room's members, seen earlier
  api.calls.length = 0;
  await sync.fullSync();
  // Presence frames missed while away are not replayed: the open room's members are read again,
  // the others' forgotten until the room is opened.
  assert.deepEqual(api.calls.map((call) => [call.path, call.query]), [
    ['rooms/', undefined], ['rooms/10/messages/', { after: 3, limit: CATCH_UP_PAGE }], ['rooms/10/members/', undefined],
  ]);
  assert.equal(store.room(20).members, null);
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

test('coming back to the tab catches the open room up', async () => {
  const store = makeStore({ visible: false });
  const messages = history(2);
  const api = server(messages);
  createSync({ store, api });
  store.roomListLoaded([roomData(10)], 0);
  store.openRoom(10);
  await settle();
  messages.push(message(3, 10));
  store.visibilityChanged(true);
  await settle();
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1, 2, 3]);
});

test('after a deletion the preview comes from the server', async () => {
  const store = makeStore();
  const sync = createSync({ store, api: fakeApi(() => roomData(10, { last_message: message(2, 10) })) });
  store.roomListLoaded([roomData(10, { last_message: message(3, 10) })], 0);
  await sync.refreshRoom(10);
  assert.equal(store.room(10).data.last_message.id, 2);
});
