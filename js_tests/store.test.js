import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TYPING_SHOWN_MS } from '../static/js/chat/store.js';
import { alice, bob, carol, FakeClock, makeStore, member, message, recordEvents, roomData } from './fakes.js';

/** A store with the room list loaded and room 10 open and loaded (messages 1-3). */
function withOpenRoom(options = {}) {
  const clock = options.clock || new FakeClock();
  const store = makeStore({ clock, ...options });
  store.roomListLoaded([roomData(10, { last_message: message(3, 10) }), roomData(20)], clock.now());
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(1, 10), message(2, 10), message(3, 10)], has_more: false });
  return { store, clock };
}

test('a message that arrives by push, ack and catch-up is kept, shown and counted once', () => {
  const { store } = withOpenRoom();
  store.visibilityChanged(false); // not looking: new messages count as unread
  const events = recordEvents(store, ['message.added', 'message.received']);
  const pushed = message(4, 10);
  store.messageReceived(10, pushed);
  store.messageReceived(10, { ...pushed });
  store.changesLoaded(10, { seq: 4, messages: [message(3, 10), { ...pushed }], has_more: false });

  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1, 2, 3, 4]);
  assert.equal(events.filter(([type]) => type === 'message.added').length, 1);
  assert.equal(events.filter(([type]) => type === 'message.received').length, 4); // every arrival is reported
  assert.equal(store.room(10).data.unread_count, 1);
  assert.equal(store.room(10).log.seq, 4);
});

test('messages arriving out of order are listed by id', () => {
  const { store } = withOpenRoom();
  store.messageReceived(10, message(7, 10));
  store.changesLoaded(10, { seq: 7, messages: [message(6, 10), message(4, 10), message(5, 10)], has_more: false });
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(store.room(10).data.last_message.id, 7);
});

test('a message in the room being looked at asks for a read instead of counting as unread', () => {
  const { store } = withOpenRoom();
  const reads = recordEvents(store, ['read.due']);
  store.messageReceived(10, message(4, 10));
  assert.equal(store.room(10).data.unread_count, 0);
  assert.deepEqual(reads, [['read.due', { roomId: 10 }]]);

  store.messageReceived(20, message(5, 20)); // another room: a badge, and it moves to the top
  assert.equal(store.room(20).data.unread_count, 1);
  assert.deepEqual(store.order, [20, 10]);
  assert.equal(reads.length, 1);
});

test('messages of a room not loaded yet update its preview and badge only', () => {
  const { store } = withOpenRoom();
  const added = recordEvents(store, ['message.added']);
  store.messageReceived(20, message(8, 20, carol));
  assert.equal(store.room(20).messages.size, 0);
  assert.equal(store.room(20).data.last_message.id, 8);
  assert.deepEqual(added, []);
  assert.equal(store.messageReceived(99, message(9, 99)), false); // a room this tab is not in
});

test("one's own messages neither count as unread nor ask for a read", () => {
  const { store } = withOpenRoom();
  const reads = recordEvents(store, ['read.due']);
  store.messageReceived(20, message(8, 20, alice));
  assert.equal(store.room(20).data.unread_count, 0);
  assert.deepEqual(reads, []);
});

test('a room list older than what this tab saw keeps the newer preview and unread count', () => {
  const { store, clock } = withOpenRoom();
  store.visibilityChanged(false);
  store.messageReceived(20, message(9, 20));
  store.roomListLoaded([roomData(10), roomData(20, { last_message: message(5, 20), unread_count: 0, name: 'Renamed' })], clock.now());
  const room = store.room(20);
  assert.equal(room.data.last_message.id, 9);
  assert.equal(room.data.unread_count, 1);
  assert.equal(room.data.name, 'Renamed'); // the other fields are news
});

test('a room list on its way does not bring back a room left meanwhile, nor drop one joined meanwhile', () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  store.roomListLoaded([roomData(10), roomData(20)], clock.now());
  const askedAt = clock.now();
  clock.advance(5);
  store.roomRemoved(20, 'left');
  store.roomAdded(roomData(30));
  clock.advance(5);
  store.roomListLoaded([roomData(10), roomData(20)], askedAt); // the answer to the request sent before both
  assert.deepEqual([...store.rooms.keys()].sort(), [10, 30]);
  assert.deepEqual(store.order, [30, 10]);

  store.roomListLoaded([roomData(10)], clock.now()); // a list asked for later is believed
  assert.deepEqual([...store.rooms.keys()], [10]);
});

test('losing the open room closes it, replaces the address and says why', () => {
  const { store } = withOpenRoom();
  const events = recordEvents(store, ['room.removed', 'current', 'rooms']);
  store.roomRemoved(10, 'kicked');
  assert.equal(store.currentId, null);
  assert.deepEqual(events.map(([type]) => type), ['room.removed', 'current', 'rooms']);
  assert.deepEqual(events[0][1], { roomId: 10, name: 'Room 10', reason: 'kicked', wasCurrent: true });
  assert.deepEqual(events[1][1], { previousId: 10, roomId: null, history: 'replace' });
});

test('a room that is not in the known list cannot be opened; before the list is known it waits', () => {
  const store = makeStore();
  const events = recordEvents(store, ['room.unavailable', 'current']);
  store.openRoom(42, { history: 'none' });
  assert.equal(store.currentId, 42); // the list will tell
  store.roomListLoaded([roomData(10)], 0);
  assert.equal(store.currentId, null);
  assert.deepEqual(events.map(([type]) => type), ['current', 'room.unavailable', 'current']);
  assert.equal(events[2][1].history, 'replace');
});

test('the first page of a room shows its timeline and asks for a read when looked at', () => {
  const store = makeStore();
  store.roomListLoaded([roomData(10, { unread_count: 3 })], 0);
  store.openRoom(10);
  const events = recordEvents(store, ['timeline', 'read.due', 'message.added']);
  store.setLoading(10, true);
  store.messageReceived(10, message(5, 10)); // pushed while the page is on its way: kept
  store.firstPageLoaded(10, { results: [message(3, 10), message(4, 10)], has_more: true });
  const room = store.room(10);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [3, 4, 5]);
  assert.equal(room.oldestId, 3);
  assert.equal(room.hasOlder, true);
  assert.deepEqual(events.filter(([type]) => type !== 'message.added').map(([type]) => type), ['read.due', 'timeline', 'read.due']);
});

test('older history adds only what this tab lacks and moves the cursor back', () => {
  const { store } = withOpenRoom();
  const events = recordEvents(store, ['messages.older']);
  store.olderPageLoaded(10, { results: [message(-1, 10), message(0, 10), message(1, 10)], has_more: false });
  const [[, older]] = events;
  assert.deepEqual(older.messages.map((m) => m.id), [-1, 0]);
  assert.equal(store.room(10).oldestId, -1);
  assert.equal(store.room(10).hasOlder, false);
});

test('a deleted message leaves, once; the preview is asked for again when it was the deleted one', () => {
  const { store } = withOpenRoom();
  const events = recordEvents(store, ['message.removed', 'counts.stale']);
  store.messageRemoved(10, 2);
  store.messageRemoved(10, 2); // the ack and the push of one deletion
  store.messageRemoved(10, 3);
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1]);
  assert.deepEqual(events, [
    ['message.removed', { roomId: 10, messageId: 2 }], ['message.removed', { roomId: 10, messageId: 3 }], ['counts.stale', { roomId: 10 }],
  ]);
  store.messageReceived(10, message(2, 10, bob, { seq: 2 })); // an older copy, late: it stays deleted
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [1]);
});

test('joins and departures change the count, leave a notice and refresh the open member list', () => {
  const { store } = withOpenRoom();
  store.membersLoaded(10, [member(alice, 'owner'), member(bob)]);
  const notices = recordEvents(store, ['notice']);

  assert.equal(store.memberJoined(10, carol), true); // open: fetch the list again
  assert.equal(store.room(10).data.member_count, 3);
  store.membersLoaded(10, [member(alice, 'owner'), member(bob), member(carol)]);
  assert.equal(store.memberJoined(10, carol), false); // already known: a repeated push

  store.memberLeft(10, bob, 'banned');
  store.memberLeft(10, bob, 'banned');
  assert.equal(store.room(10).data.member_count, 2);
  assert.deepEqual(notices.map(([, { notice }]) => [notice.kind, notice.user.username, notice.reason, notice.afterId]),
    [['joined', 'carol', undefined, 3], ['left', 'bob', 'banned', 3]]);

  assert.equal(store.memberJoined(20, carol), false); // not open: its list is fetched when it is
  assert.equal(store.room(20).members, null);
});

test('presence flips a known member only', () => {
  const { store } = withOpenRoom();
  store.membersLoaded(10, [member(alice, 'owner'), member(bob)]);
  store.presenceChanged(10, bob, true);
  store.presenceChanged(10, carol, true);
  assert.equal(store.room(10).members.get(bob.id).online, true);
  assert.equal(store.room(10).members.has(carol.id), false);
});

test('typing shows for a while, and ends with the typist\'s message', () => {
  const clock = new FakeClock();
  const { store } = withOpenRoom({ clock });
  store.typingStarted(10, bob);
  store.typingStarted(10, carol);
  assert.deepEqual(store.typingUsers(10).map((u) => u.username), ['bob', 'carol']);
  store.messageReceived(10, message(4, 10, bob));
  assert.deepEqual(store.typingUsers(10).map((u) => u.username), ['carol']);
  assert.equal(store.typingExpiresAt(10), clock.now() + TYPING_SHOWN_MS);
  clock.advance(TYPING_SHOWN_MS);
  assert.deepEqual(store.typingUsers(10), []);
});

test('losing the right to manage closes the settings panel of the open room', () => {
  const { store } = withOpenRoom();
  store.roomUpdated(roomData(10, { role: 'admin' }));
  store.setPanel('settings');
  const events = recordEvents(store, ['room']);
  store.roomUpdated(roomData(10, { role: 'member' }));
  assert.equal(store.panel, 'members');
  assert.deepEqual(events, [['room', { roomId: 10, roleChanged: true }]]);
});

test('opening a room one may not manage closes the settings panel', () => {
  const { store } = withOpenRoom();
  store.roomUpdated(roomData(20, { role: 'owner' }));
  store.openRoom(20);
  store.setPanel('settings');
  store.openRoom(10);
  assert.equal(store.panel, null);
});

test('the read pointer is sent once per new message, and again after a failure', () => {
  const { store } = withOpenRoom();
  store.roomUpdated(roomData(10, { unread_count: 2 }));
  assert.equal(store.readMarked(10), 3);
  assert.equal(store.room(10).data.unread_count, 0);
  assert.equal(store.readMarked(10), null);
  store.readFailed(10);
  assert.equal(store.readMarked(10), 3);
  assert.equal(store.readMarked(99), null);
});

test('coming back to the tab with unread messages asks for a read', () => {
  const { store } = withOpenRoom();
  store.visibilityChanged(false);
  store.messageReceived(10, message(4, 10));
  const reads = recordEvents(store, ['read.due']);
  store.visibilityChanged(true);
  assert.deepEqual(reads, [['read.due', { roomId: 10 }]]);
});

test('the connection remembers whether it was ever up', () => {
  const store = makeStore();
  store.connectionChanged('offline');
  assert.deepEqual(store.connection, { state: 'offline', everOnline: false });
  store.connectionChanged('online');
  store.connectionChanged('offline');
  assert.deepEqual(store.connection, { state: 'offline', everOnline: true });
});

test('drafts are kept per room, told as they change, and forgotten with the room', () => {
  const store = makeStore();
  const events = recordEvents(store, ['draft']);
  store.setDraft(10, 'half a thought'); // restored before the room list is known
  store.setDraft(30, 'to a room left meanwhile');
  store.setDraft(10, 'half a thought');
  store.setDraft(null, 'no room open');
  assert.deepEqual(events, [['draft', { roomId: 10 }], ['draft', { roomId: 30 }]]);

  store.roomListLoaded([roomData(10), roomData(20)], 0);
  assert.equal(store.draft(10), 'half a thought');
  assert.equal(store.draft(30), ''); // not in the list: it cannot be sent
  assert.deepEqual(events.at(-1), ['draft', { roomId: 30 }]);

  store.roomRemoved(10, 'kicked');
  assert.equal(store.draft(10), '');
  assert.deepEqual([...store.drafts.keys()], []);
});

test('the "New" line goes before the first message unread when the page opened the room', () => {
  const store = makeStore();
  store.openRoom(10, { history: 'none' }); // from the address, before the list is known
  store.roomListLoaded([roomData(10, { unread_count: 2, last_message: message(4, 10) })], 0);
  assert.equal(store.readMarked(10), 4); // the read pointer moves before the messages arrive
  store.firstPageLoaded(10, { results: [message(1, 10), message(2, 10, alice), message(3, 10), message(4, 10)], has_more: false });
  assert.equal(store.room(10).unreadFromId, 3);
});

test('reopening a loaded room places the "New" line from its badge; leaving it clears the line', () => {
  const { store } = withOpenRoom();
  assert.equal(store.room(10).unreadFromId, null); // nothing was unread
  store.openRoom(20);
  store.messageReceived(10, message(4, 10));
  store.messageReceived(10, message(5, 10, alice)); // my own, from another tab
  store.messageReceived(10, message(6, 10));
  assert.equal(store.room(10).data.unread_count, 2);
  store.openRoom(10);
  assert.equal(store.room(10).unreadFromId, 4);
  store.openRoom(20);
  assert.equal(store.room(10).unreadFromId, null);
  assert.equal(store.room(10).unreadMark, null);
});

test('coming back to the tab moves the "New" line before what arrived unseen', () => {
  const { store } = withOpenRoom();
  store.visibilityChanged(false);
  store.messageReceived(10, message(4, 10));
  store.messageReceived(10, message(5, 10));
  const events = recordEvents(store, ['marker', 'read.due']);
  store.visibilityChanged(true);
  assert.equal(store.room(10).unreadFromId, 4);
  assert.deepEqual(events.map(([type]) => type), ['marker', 'read.due']);
  store.readMarked(10); // as reads.js does on read.due
  store.visibilityChanged(false);
  store.visibilityChanged(true); // nothing new meanwhile: the line stays
  assert.equal(store.room(10).unreadFromId, 4);
  assert.equal(events.length, 2);
});

test('someone else\'s new message is announced once, whatever path brings it', () => {
  const { store } = withOpenRoom();
  const incoming = recordEvents(store, ['message.incoming']);
  store.messageReceived(10, message(4, 10));
  store.changesLoaded(10, { seq: 5, messages: [message(4, 10), message(5, 10, alice)], has_more: false });
  store.messageReceived(20, message(6, 20, carol)); // a room not loaded counts too
  store.messageReceived(10, message(2, 10)); // older than what was counted: a repeat
  assert.deepEqual(incoming.map(([, { roomId, message: m }]) => [roomId, m.id]), [[10, 4], [20, 6]]);
});

test('a failed load is remembered until the next try of the same kind', () => {
  const { store } = withOpenRoom();
  const events = recordEvents(store, ['history']);
  store.setLoading(10, false, { older: true, failed: true });
  assert.equal(store.room(10).loadFailed, 'older');
  store.setLoading(10, false, { failed: false }); // the first page's flags do not clear it
  assert.equal(store.room(10).loadFailed, 'older');
  store.setLoading(10, true, { older: true });
  assert.equal(store.room(10).loadFailed, null);
  assert.equal(events.length, 3);
});

test('messages pushed before the first room list arrives count once it has, unless the list had them', () => {
  const store = makeStore({ visible: false });
  store.messageReceived(10, message(4, 10)); // the list was computed after this one...
  store.messageReceived(10, message(5, 10)); // ...and before these
  store.messageReceived(10, message(6, 10, alice));
  store.messageReceived(99, message(7, 99)); // a room the list does not have
  store.roomListLoaded([roomData(10, { unread_count: 1, last_message: message(4, 10) })], 0);
  const room = store.room(10);
  assert.equal(room.data.unread_count, 2);
  assert.equal(room.data.last_message.id, 6);
  assert.deepEqual(store.early, []);
  store.messageReceived(99, message(8, 99)); // once the list is known, a stranger is ignored
  assert.deepEqual(store.early, []);
});

test('mentions of me count apart from the unread messages, and a read clears both', () => {
  const { store } = withOpenRoom();
  store.messageReceived(20, message(8, 20, bob, { mentions: [alice.id] }));
  store.messageReceived(20, message(9, 20, bob, { mentions: [carol.id] }));
  store.messageReceived(20, message(10, 20, alice, { mentions: [alice.id] })); // my own: neither
  store.messageReceived(10, message(11, 10, bob, { mentions: [alice.id] })); // the room in view: read at once
  assert.deepEqual([store.room(20).data.unread_count, store.room(20).data.mention_count], [2, 1]);
  assert.equal(store.room(10).data.mention_count || 0, 0);
  assert.equal(store.totalMentions(), 1);
  store.readMarked(20);
  assert.deepEqual([store.room(20).data.unread_count, store.room(20).data.mention_count], [0, 0]);
});

test('an edit that names me, or a deletion, of a message already counted asks the server for the counts', () => {
  const { store } = withOpenRoom();
  store.openRoom(20);
  store.firstPageLoaded(20, { results: [], has_more: false });
  store.openRoom(10);
  store.messageReceived(20, message(8, 20, bob, { seq: 1 }));
  const stale = recordEvents(store, ['counts.stale']);
  store.messageReceived(20, message(8, 20, bob, { seq: 1 })); // a repeat: nothing
  store.messageReceived(20, message(8, 20, bob, { seq: 2, mentions: [alice.id], edited_at: '2026-01-01T00:01:00.000Z' }));
  assert.deepEqual(stale, [['counts.stale', { roomId: 20 }]]);
  store.messageRemoved(20, 8, { seq: 3 });
  assert.equal(stale.length, 2);
});

test('the composer\'s edit and reply, per room; a deleted message ends them without losing the text', () => {
  const { store } = withOpenRoom();
  store.messageReceived(10, message(4, 10, alice, { body: 'mine' }));
  assert.equal(store.lastOwnMessage(10).id, 4);
  const events = recordEvents(store, ['edit', 'reply', 'draft']);
  store.editStarted(10, 4, 'mine');
  store.editChanged(10, { text: 'mine, better' });
  store.setReply(20, { id: 7, author: bob, excerpt: 'hi' });
  assert.deepEqual(store.editing(10), { messageId: 4, text: 'mine, better', clientId: null });
  assert.equal(store.editing(20), null);
  assert.equal(store.replyTarget(20).id, 7);

  store.messageRemoved(10, 4); // deleted (by a moderator, another tab) while being edited
  assert.equal(store.editing(10), null);
  assert.equal(store.draft(10), 'mine, better'); // in the composer as a draft
  assert.deepEqual(events.map(([type]) => type), ['edit', 'edit', 'reply', 'draft', 'edit']);
  store.setReply(20, null);
  store.setReply(20, null);
  assert.equal(events.filter(([type]) => type === 'reply').length, 2);
});

test('back from an older stretch, the latest page replaces it and keeps what was pushed meanwhile', () => {
  const store = makeStore();
  store.roomListLoaded([roomData(10)], 0);
  store.openRoom(10);
  store.aroundPageLoaded(10, { results: [message(5, 10), message(6, 10)], has_more: true, has_newer: true });
  store.messageReceived(10, message(100, 10)); // beyond the stretch: counted, not shown
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [5, 6]);
  store.setLoading(10, true); // the latest page, asked for
  store.messageReceived(10, message(101, 10)); // pushed while it is on its way
  store.firstPageLoaded(10, { results: [message(99, 10), message(100, 10)], has_more: true });
  assert.deepEqual(store.sortedMessages(10).map((m) => m.id), [99, 100, 101]);
  assert.equal(store.room(10).hasNewer, false);
});
