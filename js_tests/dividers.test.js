import assert from 'node:assert/strict';
import { test } from 'node:test';

import { daysBetween, firstUnreadId, localDay, timelineDividers } from '../static/js/chat/dividers.js';
import { alice, bob, carol, message } from './fakes.js';

// Times built from the local calendar, so that the tests hold in any time zone.
const at = (day, hour = 12, minute = 0) => new Date(2026, 0, day, hour, minute).toISOString();

test('a day is the reader\'s calendar day, and days are counted across month, year and DST', () => {
  assert.equal(localDay(new Date(2026, 0, 5, 0, 0)), '2026-01-05');
  assert.equal(localDay(new Date(2026, 0, 5, 23, 59)), '2026-01-05');
  assert.equal(daysBetween(new Date(2026, 0, 5, 23, 59), new Date(2026, 0, 6, 0, 1)), 1);
  assert.equal(daysBetween(new Date(2025, 11, 31, 12), new Date(2026, 0, 1, 8)), 1);
  assert.equal(daysBetween(new Date(2026, 2, 1), new Date(2026, 3, 1)), 31); // across a DST change in most zones
  assert.equal(daysBetween(new Date(2026, 0, 6), new Date(2026, 0, 5)), -1);
});

test('a day divider comes before the first entry of each day, notices included', () => {
  const entries = [
    { key: 1, at: at(5, 9) },
    { key: 2, at: at(5, 23, 59) },
    { key: 2.5, at: at(6, 0, 1) }, // someone joined after midnight
    { key: 3, at: at(6, 8) },
    { key: 4, at: at(9) },
  ];
  const dividers = timelineDividers(entries);
  assert.deepEqual(dividers.map((d) => [d.kind, d.day]), [['day', '2026-01-05'], ['day', '2026-01-06'], ['day', '2026-01-09']]);
  // Each sits between the entry before it and the one it introduces.
  assert.ok(dividers[0].key < 1);
  assert.ok(dividers[1].key > 2 && dividers[1].key < 2.5);
  assert.ok(dividers[2].key > 3 && dividers[2].key < 4);
  assert.deepEqual(timelineDividers([]), []);
});

test('the "New" line goes before the first unread message, after the day\'s divider', () => {
  const entries = [{ key: 1, at: at(5) }, { key: 2, at: at(6) }, { key: 3, at: at(6) }];
  const dividers = timelineDividers(entries, { unreadFromId: 2 });
  assert.deepEqual(dividers.map((d) => d.kind), ['day', 'day', 'unread']);
  const [, day, unread] = dividers;
  assert.ok(day.key < unread.key && unread.key < 2 && day.key > 1);
});

test('the first unread message is found counting back others\' messages from the newest seen', () => {
  const messages = [message(1, 10, bob), message(2, 10, alice), message(3, 10, bob), message(4, 10, alice), message(5, 10, carol)];
  assert.equal(firstUnreadId(messages, { count: 1, upToId: 5 }, alice.id), 5);
  assert.equal(firstUnreadId(messages, { count: 2, upToId: 5 }, alice.id), 3); // my own 4 is not counted
  assert.equal(firstUnreadId(messages, { count: 3, upToId: 5 }, alice.id), 1);
  // Messages that arrived after the room was opened are not among the unread.
  assert.equal(firstUnreadId([...messages, message(6, 10, bob)], { count: 1, upToId: 5 }, alice.id), 5);
  // More unread than loaded: everything shown is new.
  assert.equal(firstUnreadId(messages, { count: 40, upToId: 5 }, alice.id), 1);
  assert.equal(firstUnreadId([], { count: 2, upToId: 5 }, alice.id), null);
});
