import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  changeErrorText, dayLabel, historyText, mentionBadge, messageActionLabel, newMessagesText, notificationsHint, notificationText,
  notSentText, pendingStatusText, quoteText, reactionText,
} from '../static/js/chat/format.js';
import { alice, bob, carol, member, message, roomData } from './fakes.js';

test('day dividers say Today, Yesterday, else the date in the reader\'s locale (the year when not this one)', () => {
  const now = new Date(2026, 4, 20, 9, 30);
  assert.equal(dayLabel(new Date(2026, 4, 20, 0, 5), now), 'Today');
  assert.equal(dayLabel(new Date(2026, 4, 19, 23, 55), now), 'Yesterday');
  // The words are Intl's (ICU's), whose punctuation varies by version: hold to what they contain.
  assert.match(dayLabel(new Date(2026, 4, 12, 8), now, 'en-US'), /^Tuesday, May 12$/);
  assert.match(dayLabel(new Date(2025, 11, 24, 8), now, 'en-GB'), /^Wednesday,? 24 December 2025$/);
  assert.match(dayLabel(new Date(2026, 4, 12, 8), now, 'zh-CN'), /^5月12日星期二$/);
});

test('the pill counts new messages', () => {
  assert.equal(newMessagesText(1), '1 new message');
  assert.equal(newMessagesText(3), '3 new messages');
});

test('the history line says when loading failed and that it is being tried again', () => {
  const room = { data: roomData(10), loaded: false, loadingOlder: false, hasOlder: true, loadFailed: null };
  assert.equal(historyText(room), 'Loading messages…');
  assert.match(historyText({ ...room, loadFailed: 'first' }), /Could not load the messages\. Trying again/);
  assert.match(historyText({ ...room, loaded: true, loadFailed: 'older' }), /Could not load older messages\. Trying again/);
  assert.equal(historyText({ ...room, loaded: true, hasOlder: false }), 'This is the beginning of Room 10.');
  assert.equal(historyText({ ...room, loaded: true }), '');
});

test('pending sends and sends that can no longer go out say so', () => {
  assert.equal(pendingStatusText({ status: 'waiting' }), 'Waiting for the connection…');
  assert.equal(pendingStatusText({ status: 'failed', error: 'Slow down.' }), 'Not sent: Slow down.');
  assert.match(notSentText(1), /^A message you wrote earlier was not sent/);
  assert.match(notSentText(2), /^2 messages you wrote earlier were not sent/);
});

test('a notification names the author and room, or counts, with an excerpt of the newest message', () => {
  const last = message(5, 10, bob, { body: 'Coffee\nat 3?' });
  assert.deepEqual(notificationText('Lounge', 1, last), { title: 'bob in Lounge', body: 'Coffee at 3?' });
  assert.deepEqual(notificationText('Lounge', 4, last), { title: '4 new messages in Lounge', body: 'bob: Coffee at 3?' });
  const long = notificationText('Lounge', 1, message(6, 10, bob, { body: '😀'.repeat(500) })).body;
  assert.equal([...long].length, 140);
  assert.ok(long.endsWith('…'));
});

test('the notifications toggle says what pressing it does', () => {
  assert.match(notificationsHint({ permission: 'default', enabled: true }), /^Turn on/);
  assert.match(notificationsHint({ permission: 'granted', enabled: true }), /turn them off/);
  assert.match(notificationsHint({ permission: 'granted', enabled: false }), /^Turn on/);
  assert.match(notificationsHint({ permission: 'denied', enabled: true }), /blocked/);
});

test('each action on a message says which message', () => {
  const long = message(1, 10, bob, { body: 'Where shall we go for lunch today, and who is coming along with us?' });
  assert.equal(messageActionLabel('reply', long, alice), 'Reply to bob: Where shall we go for lunch today, and…');
  assert.equal(messageActionLabel('react', long, alice), "React to bob's message: Where shall we go for lunch today, and…");
  assert.equal(messageActionLabel('delete', long, alice), "Delete bob's message: Where shall we go for lunch today, and…");
  const mine = message(2, 10, alice, { body: 'line one\nline two' });
  assert.equal(messageActionLabel('edit', mine, alice), 'Edit your message: line one line two');
  assert.equal(messageActionLabel('reply', mine, alice), 'Reply to yourself: line one line two');
});

test('a reaction names who reacted, from the member list when known', () => {
  const members = new Map([bob, carol].map((user) => [user.id, member(user)]));
  const reaction = { emoji: '👍', count: 4, user_ids: [bob.id, alice.id, 99, carol.id], mine: true };
  assert.deepEqual(reactionText(reaction, { me: alice, members }), {
    label: '👍 4 reactions: you, bob, carol and 1 other', title: 'You, bob, carol and 1 other reacted with 👍',
  });
  assert.equal(reactionText({ emoji: '🎉', count: 1, user_ids: [bob.id] }, { me: alice, members: null }).label, '🎉 1 reaction: 1 other');
});

test('refused changes are told in plain words', () => {
  const edit = { kind: 'edit' };
  assert.equal(changeErrorText(edit, 'forbidden', 'Only its author may edit a message.'), 'Your edit was not saved: only its author can edit a message.');
  assert.equal(changeErrorText({ kind: 'delete' }, 'forbidden', ''), 'The message was not deleted: you are not allowed to do that in this room.');
  assert.equal(changeErrorText({ kind: 'react' }, 'not_found', ''), 'Your reaction was not saved: the message was deleted.');
  assert.match(changeErrorText({ kind: 'react' }, 'rate_limited', ''), /too often/);
  assert.equal(changeErrorText({ kind: 'react' }, 'invalid', 'emoji: Must be a single emoji.'), 'Your reaction was not saved: emoji: Must be a single emoji.');
  assert.match(changeErrorText(edit, 'timeout', ''), /no answer from the server/);
  assert.match(changeErrorText(edit, 'unavailable', 'The service is temporarily unavailable; try again.'), /could not do it right now/);
});

test('the mention badge, a quote, a mention notification', () => {
  assert.deepEqual(mentionBadge(1), { shown: '@', label: ', 1 mention of you' });
  assert.deepEqual(mentionBadge(3), { shown: '@3', label: ', 3 mentions of you' });
  assert.deepEqual(quoteText({ id: 1, deleted: true }), { author: '', text: 'Deleted message', label: 'Reply to a deleted message' });
  assert.equal(quoteText({ id: 1, author: bob, excerpt: 'hi' }).label, 'Reply to bob: hi. Show that message');
  const mention = message(3, 10, bob, { body: '@alice lunch?', mentions: [alice.id] });
  assert.deepEqual(notificationText('Lounge', 1, mention, alice), { title: 'bob mentioned you in Lounge', body: '@alice lunch?' });
});
