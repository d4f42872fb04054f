import assert from 'node:assert/strict';
import { test } from 'node:test';

import { searchEmoji } from '../static/js/chat/emoji.js';
import { insertMention, mentionAt, mentionChoices } from '../static/js/chat/mentions.js';
import { mentionsUser, reactionsShown, replyQuote } from '../static/js/chat/messages.js';
import { alice, bob, carol, member, message } from './fakes.js';

test('reactions as shown: the server\'s, with this person\'s own on their way applied in order', () => {
  const server = [{ emoji: '👍', count: 2, user_ids: [bob.id, carol.id] }, { emoji: '🎉', count: 1, user_ids: [alice.id] }];
  assert.deepEqual(reactionsShown(server, [], alice.id), [
    { emoji: '👍', count: 2, user_ids: [bob.id, carol.id], mine: false },
    { emoji: '🎉', count: 1, user_ids: [alice.id], mine: true },
  ]);
  const pending = [{ emoji: '👍', add: true }, { emoji: '🎉', add: false }, { emoji: '🚀', add: true }, { emoji: '🚀', add: true }];
  assert.deepEqual(reactionsShown(server, pending, alice.id), [
    { emoji: '👍', count: 3, user_ids: [bob.id, carol.id, alice.id], mine: true },
    { emoji: '🚀', count: 1, user_ids: [alice.id], mine: true }, // a new emoji goes last; 🎉 fell to 0 and went
  ]);
  assert.deepEqual(reactionsShown(server, [{ emoji: '👍', add: false }], alice.id)[0].count, 2); // not mine: no change
  assert.equal(server[0].user_ids.length, 2); // the server's copy is left alone
});

test('a reply quotes this tab\'s own copy of the original when it has one, else the server\'s excerpt', () => {
  const replyTo = { id: 5, author: bob, excerpt: 'old words' };
  assert.deepEqual(replyQuote(replyTo), replyTo);
  assert.deepEqual(replyQuote(replyTo, { original: message(5, 10, bob, { body: 'new words' }) }), { id: 5, author: bob, excerpt: 'new words' });
  assert.deepEqual(replyQuote(replyTo, { deleted: true }), { id: 5, deleted: true });
  assert.deepEqual(replyQuote({ id: 5, deleted: true }), { id: 5, deleted: true });
  assert.equal(replyQuote(null), null);
  assert.equal([...replyQuote(replyTo, { original: message(5, 10, bob, { body: '字'.repeat(300) }) }).excerpt].length, 200);
});

test('whom a message mentions', () => {
  assert.equal(mentionsUser(message(1, 10, bob, { mentions: [alice.id] }), alice.id), true);
  assert.equal(mentionsUser(message(1, 10, bob, { mentions: [carol.id] }), alice.id), false);
  assert.equal(mentionsUser(message(1, 10, bob), alice.id), false); // a version 1 message
});

test('the mention being typed: an @ that starts a word, up to the caret', () => {
  assert.deepEqual(mentionAt('hi @bo', 6), { start: 3, query: 'bo' });
  assert.deepEqual(mentionAt('@', 1), { start: 0, query: '' });
  assert.deepEqual(mentionAt('(@al.ice', 8), { start: 1, query: 'al.ice' });
  assert.deepEqual(mentionAt('@bob and', 8), null); // the caret is past it
  assert.equal(mentionAt('mail bob@example', 16), null); // an address, not a mention
  assert.equal(mentionAt('\\@bob', 5), null); // escaped
  assert.equal(mentionAt('no at here', 5), null);
  assert.deepEqual(mentionAt('你好 @小', 5), { start: 3, query: '小' });
});

test('the people offered: names that start with it first, then those that contain it; never oneself', () => {
  const members = [member(alice), member(bob), member(carol), member({ id: 4, username: 'Rob', avatar: null }), member({ id: 5, username: 'bobby', avatar: null })];
  assert.deepEqual(mentionChoices(members, 'bo', { meId: alice.id }).map((user) => user.username), ['bob', 'bobby']);
  assert.deepEqual(mentionChoices(members, 'OB', { meId: alice.id }).map((user) => user.username), ['bob', 'bobby', 'Rob']);
  assert.deepEqual(mentionChoices(members, '', { meId: alice.id, limit: 2 }).map((user) => user.username), ['bob', 'bobby']);
  assert.deepEqual(mentionChoices(members, 'ali', { meId: alice.id }), []);
});

test('picking a person puts @username and a space in place of what was typed', () => {
  assert.deepEqual(insertMention('ask @bo', { start: 4, query: 'bo' }, 7, 'bobby'), { text: 'ask @bobby ', caret: 11 });
  assert.deepEqual(insertMention('ask @bo now', { start: 4, query: 'bo' }, 7, 'bob'), { text: 'ask @bob now', caret: 9 });
  assert.deepEqual(insertMention('@b|ob', { start: 0, query: 'b' }, 2, 'bob'), { text: '@bob |ob', caret: 5 });
});

test('the emoji picker finds by name or short name, and every entry is one emoji', () => {
  assert.equal(searchEmoji('')[0].emoji, '👍');
  assert.deepEqual(searchEmoji('thumbs').map((entry) => entry.emoji), ['👍', '👎']);
  assert.deepEqual(searchEmoji('TADA').map((entry) => entry.emoji), ['🎉']);
  assert.deepEqual(searchEmoji('red heart').map((entry) => entry.emoji), ['❤️']);
  assert.deepEqual(searchEmoji('🔥').map((entry) => entry.emoji), ['🔥']);
  assert.deepEqual(searchEmoji('no such emoji'), []);
  const all = searchEmoji('');
  assert.equal(new Set(all.map((entry) => entry.emoji)).size, all.length);
  const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
  for (const { emoji, name } of all) {
    assert.equal([...segmenter.segment(emoji)].length, 1, emoji);
    assert.ok(name.length > 1, emoji);
  }
});
