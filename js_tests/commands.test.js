import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createCommands } from '../static/js/chat/commands.js';
import { createOutbox } from '../static/js/chat/outbox.js';
import { TYPING_EVERY_MS } from '../static/js/chat/protocol.js';
import { createSync } from '../static/js/chat/sync.js';
import { alice, bob, FakeClock, FakeTransport, fakeApi, makeStore, member, message, roomData, settle } from './fakes.js';

function setup(routes = () => null) {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const api = fakeApi(routes);
  const sync = createSync({ store, api });
  const transport = new FakeTransport();
  const outbox = createOutbox({ store, transport, timers: clock, newClientId: () => 'client-1' });
  const commands = createCommands({ store, api, sync, transport, outbox, now: clock.now });
  store.roomListLoaded([roomData(10, { role: 'owner', member_count: 2 }), roomData(20)], clock.now());
  return { clock, store, api, transport, commands };
}

test('a kick shows at once, and the push that follows changes nothing more', async () => {
  const { store, api, commands } = setup((path) => (path.endsWith('members/') ? [member(alice, 'owner'), member(bob)] : null));
  store.openRoom(10);
  await settle();
  await commands.removeMember(10, member(bob), 'kick');
  assert.deepEqual(api.calls.at(-1), { path: 'rooms/10/members/2/kick/', method: 'POST' });
  store.memberLeft(10, bob, 'kicked');
  assert.equal(store.room(10).data.member_count, 1);
  assert.deepEqual(store.room(10).notices.map((notice) => notice.reason), ['kicked']);
});

test('typing frames go out at most once a second per room, and again right after a send', () => {
  const { clock, transport, commands } = setup();
  commands.noteTyping(10, 'h');
  commands.noteTyping(10, 'he');
  commands.noteTyping(20, 'x'); // another room
  commands.noteTyping(10, '   '); // nothing typed
  clock.advance(TYPING_EVERY_MS);
  commands.noteTyping(10, 'hel');
  commands.sendMessage(10, 'hello');
  commands.noteTyping(10, 'n');
  assert.deepEqual(transport.sent.map((frame) => [frame.type, frame.room]),
    [['typing', 10], ['typing', 20], ['typing', 10], ['message.send', 10], ['typing', 10]]);
});

test('deleting the message a room shows as its preview asks the server for the new one', async () => {
  const { store, api, commands } = setup((path, { method }) => (method ? null : roomData(10, { last_message: message(1, 10) })));
  store.messageReceived(10, message(2, 10));
  await commands.deleteMessage(10, 2);
  await settle();
  assert.deepEqual(api.calls.map((call) => [call.method, call.path]), [['DELETE', 'rooms/10/messages/2/'], [undefined, 'rooms/10/']]);
  assert.equal(store.room(10).data.last_message.id, 1);
});

test('leaving a room forgets it and says so', async () => {
  const { store, commands } = setup();
  store.openRoom(20);
  await commands.leaveRoom(20);
  assert.equal(store.room(20), null);
  assert.equal(store.currentId, null);
});
