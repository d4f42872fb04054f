import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createSearcher, excerpt, groupByRoom, highlightParts, matchRanges, queryWords,
} from '../static/js/chat/search.js';
import { apiError, fakeApi, message } from './fakes.js';

test('the words of a query are split on whitespace, once each', () => {
  assert.deepEqual(queryWords('  lunch  Friday lunch\t开会 '), ['lunch', 'Friday', '开会']);
  assert.deepEqual(queryWords(''), []);
});

test('matches are case-insensitive substrings, overlapping ones merged', () => {
  assert.deepEqual(matchRanges('Lunch at the lunchroom', ['lunch']), [[0, 5], [13, 18]]);
  assert.deepEqual(matchRanges('abcdef', ['bcd', 'cde']), [[1, 5]]);
  assert.deepEqual(matchRanges('我们明天下午开会讨论项目', ['开会']), [[6, 8]]);
});

test('highlight parts cover the whole text, the matches marked', () => {
  assert.deepEqual(highlightParts('Lunch on <b>Friday</b>?', ['friday', 'LUNCH']), [
    { text: 'Lunch', match: true }, { text: ' on <b>', match: false }, { text: 'Friday', match: true }, { text: '</b>?', match: false },
  ]);
  assert.deepEqual(highlightParts('nothing here', ['zzz']), [{ text: 'nothing here', match: false }]);
  assert.deepEqual(highlightParts('', ['x']), [{ text: '', match: false }]);
  assert.deepEqual(highlightParts('İstanbul', ['stan']), [{ text: 'İstanbul', match: false }]); // lower-casing changes the length
});

test('a long body is cut around its first match', () => {
  const body = `${'a '.repeat(200)}the needle is here ${'b '.repeat(200)}`;
  const shown = excerpt(body, ['needle'], 60);
  assert.ok(shown.startsWith('…') && shown.endsWith('…'), shown);
  assert.ok(shown.includes('needle') && shown.length <= 62, shown);
  assert.equal(excerpt('short\n\ntext', ['x']), 'short text');
  assert.ok(excerpt('x'.repeat(300), ['nothing'], 50).startsWith('xxx'));
});

test('results are grouped by room, rooms in the order of their newest result', () => {
  const results = [message(9, 20), message(8, 10), message(7, 20)];
  assert.deepEqual(groupByRoom(results).map((g) => [g.roomId, g.messages.map((m) => m.id)]), [[20, [9, 7]], [10, [8]]]);
});

test('the searcher pages with before, and drops answers to a replaced query', async () => {
  const answers = new Map();
  const api = fakeApi((path, { query }) => answers.get(`${query.q}:${query.before || ''}`)());
  const states = [];
  const searcher = createSearcher({ api, onChange: (state) => states.push(state), pageSize: 2 });
  let release;
  answers.set('old:', () => new Promise((resolve) => { release = () => resolve({ results: [message(1, 10)], has_more: false }); }));
  answers.set('new words:', () => ({ results: [message(5, 10), message(4, 20)], has_more: true }));
  answers.set('new words:4', () => ({ results: [message(3, 10)], has_more: false }));
  const old = searcher.run('old');
  await searcher.run('  new words ');
  release();
  await old;
  assert.deepEqual(searcher.state.results.map((m) => m.id), [5, 4]);
  assert.deepEqual(searcher.state.words, ['new', 'words']);
  assert.equal(searcher.state.hasMore, true);
  await searcher.more();
  assert.deepEqual(searcher.state.results.map((m) => m.id), [5, 4, 3]);
  assert.equal(searcher.state.hasMore, false);
  assert.deepEqual(api.calls.map((c) => c.query), [{ q: 'old', limit: 2 }, { q: 'new words', limit: 2 }, { q: 'new words', limit: 2, before: 4 }]);
  await searcher.more(); // nothing more
  assert.equal(api.calls.length, 3);
  await searcher.run('');
  assert.deepEqual(searcher.state.results, []);
  assert.ok(states.some((s) => s.loading));
});

test('a failed search says why and keeps the query', async () => {
  const searcher = createSearcher({ api: fakeApi(() => { throw apiError(400, 'Ensure this field has no more than 200 characters.'); }), onChange: () => {} });
  await searcher.run('x');
  assert.equal(searcher.state.error, 'Ensure this field has no more than 200 characters.');
  assert.equal(searcher.state.query, 'x');
  assert.equal(searcher.state.loading, false);
});
