import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createChanges } from '../static/js/chat/changes.js';
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
  let n = 0;
  const changes = createChanges({ store, transport, timers: clock, newClientId: () => `change-${++n}` });
  const commands = createCommands({ store, api, sync, transport, outbox, changes, now: clock.now });
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

test('a send answers the message the composer replies to, and the reply is then done', () => {
  const { store, transport, commands } = setup();
  store.setReply(10, { id: 7, author: bob, excerpt: 'the question' });
  commands.sendMessage(10, 'the answer');
  commands.sendMessage(10, 'and more');
  assert.deepEqual(transport.ofType('message.send').map((frame) => frame.reply_to ?? null), [7, null]);
  assert.equal(store.replyTarget(10), null);
});

test('edits, deletions and reactions go over the socket with a client_id', () => {
  const { store, transport, commands } = setup();
  store.openRoom(10);
  const mine = message(2, 10, alice, { body: 'helo', reactions: [{ emoji: '👍', count: 1, user_ids: [bob.id] }] });
  store.firstPageLoaded(10, { results: [mine], has_more: false });
  store.editStarted(10, 2, 'helo');
  assert.equal(commands.saveEdit(10, 'hello'), true);
  assert.equal(store.editing(10).clientId, 'change-1');
  commands.toggleReaction(10, mine, '👍'); // not mine yet: added
  commands.toggleReaction(10, mine, '👍'); // shown as mine now: taken back
  commands.deleteMessage(10, 2);
  assert.deepEqual(transport.sent, [
    { type: 'message.edit', room: 10, message_id: 2, body: 'hello', client_id: 'change-1' },
    { type: 'reaction.add', room: 10, message_id: 2, emoji: '👍', client_id: 'change-2' },
    { type: 'reaction.remove', room: 10, message_id: 2, emoji: '👍', client_id: 'change-3' },
    { type: 'message.delete', room: 10, message_id: 2, client_id: 'change-4' },
  ]);
  assert.equal(commands.saveEdit(20, 'no edit under way'), false);
});

test('leaving a room forgets it and says so', async () => {
  const { store, commands } = setup();
  store.openRoom(20);
  await commands.leaveRoom(20);
  assert.equal(store.room(20), null);
  assert.equal(store.currentId, null);
});
