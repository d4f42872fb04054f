import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  dayLabel, historyText, newMessagesText, notificationsHint, notificationText, notSentText, pendingStatusText,
} from '../static/js/chat/format.js';
import { bob, message, roomData } from './fakes.js';

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
