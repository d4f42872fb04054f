import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, createApi, createProbe, csrfTokenFrom } from '../static/js/chat/http.js';

/** fetch answering each call with the next of `answers` ({status, data}, or an Error to throw). */
function fakeFetch(...answers) {
  const fetch = async (url, init) => {
    fetch.calls.push({ url, ...init });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      json: async () => {
        if (answer.data === undefined) throw new SyntaxError('no body');
        return answer.data;
      },
    };
  };
  fetch.calls = [];
  return fetch;
}

function makeApi(fetch, onUnauthenticated = () => {}) {
  return createApi('/api/', { fetch, csrfToken: () => 'token', onUnauthenticated });
}

test('GET sends the query and no CSRF token; unsafe methods send the token and a JSON body', async () => {
  const fetch = fakeFetch({ status: 200, data: { results: [] } }, { status: 204 });
  const api = makeApi(fetch);
  assert.deepEqual(await api('rooms/1/messages/', { query: { after: 5, limit: 200 } }), { results: [] });
  assert.equal(await api('rooms/1/read/', { method: 'POST', json: { message_id: 5 } }), null);
  const [get, post] = fetch.calls;
  assert.equal(get.url, '/api/rooms/1/messages/?after=5&limit=200');
  assert.equal(get.headers['X-CSRFToken'], undefined);
  assert.equal(post.headers['X-CSRFToken'], 'token');
  assert.equal(post.headers['Content-Type'], 'application/json');
  assert.equal(post.body, '{"message_id":5}');
  assert.equal(post.credentials, 'same-origin');
});

test('errors carry the status and the server\'s words', async () => {
  let signedOut = 0;
  const api = makeApi(fakeFetch(
    { status: 400, data: { name: ['This field is required.'] } },
    { status: 403, data: { detail: 'You are banned from this room.' } },
    { status: 401, data: { detail: 'Not signed in.' } },
    new TypeError('Failed to fetch'),
    { status: 502 },
  ), () => {
    signedOut += 1;
  });
  const failures = [];
  for (let n = 0; n < 5; n += 1) failures.push(await api('rooms/').catch((error) => error));
  assert.ok(failures.every((error) => error instanceof ApiError));
  assert.deepEqual(failures.map((error) => [error.status, error.message]), [
    [400, 'name: This field is required.'],
    [403, 'You are banned from this room.'],
    [401, 'Not signed in.'],
    [0, 'The server cannot be reached. Check your connection and try again.'],
    [502, 'The server answered 502.'],
  ]);
  assert.equal(signedOut, 1);
});

test('the CSRF token is read from the cookie string', () => {
  assert.equal(csrfTokenFrom('sessionid=x; csrftoken=abc%3D; other=1'), 'abc=');
  assert.equal(csrfTokenFrom('sessionid=x'), '');
});

test('the probe is true only for a success, fresh and without the session; no answer in time is false', async () => {
  const fetch = fakeFetch({ status: 200, data: { status: 'ok' } }, { status: 502 }, new TypeError('Failed to fetch'));
  const probe = createProbe('/healthz', { fetch });
  assert.deepEqual([await probe(), await probe(), await probe()], [true, false, false]);
  assert.equal(fetch.calls[0].url, '/healthz');
  assert.equal(fetch.calls[0].cache, 'no-store');
  assert.equal(fetch.calls[0].credentials, 'omit');

  const hanging = (url, { signal }) => new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  });
  const keepAlive = setTimeout(() => {}, 5000); // Node's AbortSignal.timeout does not hold the process open
  assert.equal(await createProbe('/healthz', { fetch: hanging, timeoutMs: 20 })(), false);
  clearTimeout(keepAlive);
});
