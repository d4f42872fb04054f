import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ChatSocket, CLOSE_UNAUTHENTICATED, PROBE_EVERY_MS } from '../static/js/chat/socket.js';
import { reconnectDelay } from '../static/js/chat/sync.js';
import { alice, FakeClock, settle } from './fakes.js';

/** A WebSocket the test plays the server of. */
class FakeWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.listeners = { message: [], close: [] };
  }

  addEventListener(type, listener) {
    this.listeners[type].push(listener);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code) {
    this.closedWith = code;
  }

  // The server's side:
  deliver(frame) {
    this.readyState = 1;
    for (const listener of this.listeners.message) listener({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  drop(code = 1006) {
    this.readyState = 3;
    for (const listener of this.listeners.close) listener({ code });
  }
}

function setup({ random = () => 0.5, probe = null } = {}) {
  const clock = new FakeClock();
  const sockets = [];
  const seen = { frames: [], states: [], unauthenticated: 0 };
  const socket = new ChatSocket({
    url: 'ws://test/ws/chat/',
    createWebSocket: (url) => {
      const ws = new FakeWebSocket(url);
      sockets.push(ws);
      return ws;
    },
    onFrame: (frame) => seen.frames.push(frame),
    onState: (state) => seen.states.push(state),
    onUnauthenticated: () => {
      seen.unauthenticated += 1;
    },
    timers: clock, now: clock.now, random, probe,
  });
  return { clock, sockets, seen, socket, latest: () => sockets.at(-1) };
}

const hello = { type: 'hello', user: alice, rooms: [] };

test('the socket is ready once the server says hello, and each hello counts a new connection', () => {
  const { socket, seen, latest } = setup();
  socket.start();
  assert.equal(socket.send({ type: 'ping' }), false); // not before hello
  latest().deliver(hello);
  assert.equal(socket.ready, true);
  assert.equal(socket.connection, 1);
  assert.deepEqual(seen.states, ['connecting', 'online']);
  assert.deepEqual(seen.frames, [hello]);
  assert.equal(socket.send({ type: 'typing', room: 1 }), true);
  assert.deepEqual(latest().sent, [{ type: 'typing', room: 1 }]);
});

test('pongs, and frames that are not JSON objects, go no further', () => {
  const { socket, seen, latest } = setup();
  socket.start();
  latest().deliver(hello);
  latest().deliver({ type: 'pong' });
  latest().deliver('not json');
  latest().deliver('null');
  latest().deliver('[1]');
  latest().deliver({ no: 'type' });
  assert.deepEqual(seen.frames, [hello]);
});

test('a dropped socket comes back after a jittered, growing delay, which resets once it is up', () => {
  const { clock, socket, sockets, seen, latest } = setup();
  socket.start();
  latest().drop();
  assert.equal(socket.send({ type: 'ping' }), false);
  assert.deepEqual(seen.states, ['connecting', 'offline']);
  clock.advance(reconnectDelay(0, () => 0.5) - 1);
  assert.equal(sockets.length, 1);
  clock.advance(1);
  assert.equal(sockets.length, 2);

  latest().drop();
  clock.advance(reconnectDelay(1, () => 0.5) - 1);
  assert.equal(sockets.length, 2); // the second wait is longer
  clock.advance(1);
  assert.equal(sockets.length, 3);

  latest().deliver(hello);
  latest().drop();
  clock.advance(reconnectDelay(0, () => 0.5));
  assert.equal(sockets.length, 4); // back to the shortest wait after a hello
  assert.equal(socket.connection, 1);
});

test('reconnectNow skips the wait', () => {
  const { socket, sockets, latest } = setup();
  socket.start();
  latest().drop();
  socket.reconnectNow();
  assert.equal(sockets.length, 2);
  socket.reconnectNow(); // a socket is on its way already
  assert.equal(sockets.length, 2);
});

test('an unauthenticated close sends the person to sign in, and does not reconnect', () => {
  const { clock, socket, sockets, seen, latest } = setup();
  socket.start();
  latest().drop(CLOSE_UNAUTHENTICATED);
  clock.advance(60000);
  assert.equal(seen.unauthenticated, 1);
  assert.equal(sockets.length, 1);
});

test('leaving the page closes the socket without reconnecting; coming back opens a new one', () => {
  const { clock, socket, sockets, seen, latest } = setup();
  socket.start();
  latest().deliver(hello);
  socket.stop();
  assert.equal(latest().closedWith, 1000);
  latest().drop(1000);
  clock.advance(60000);
  assert.equal(sockets.length, 1);
  assert.deepEqual(seen.states, ['connecting', 'online']);
  socket.resume();
  assert.equal(sockets.length, 2);
});

test('a silent socket is pinged, then given up and replaced', () => {
  const { clock, socket, sockets, latest } = setup();
  socket.start();
  latest().deliver(hello);
  clock.advance(24000); // 20 s of silence and a tick later
  assert.deepEqual(sockets[0].sent, [{ type: 'ping' }]);
  assert.equal(sockets[0].closedWith, undefined);
  clock.advance(8000); // no pong within 8 s
  assert.equal(sockets[0].closedWith, 4000);
  clock.advance(reconnectDelay(0, () => 0.5));
  assert.equal(sockets.length, 2);
});

test('a socket that answers is not given up', () => {
  const { clock, socket, sockets, latest } = setup();
  socket.start();
  latest().deliver(hello);
  for (let n = 0; n < 10; n += 1) {
    clock.advance(15000);
    latest().deliver({ type: 'pong' });
  }
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].closedWith, undefined);
});

/** A server the test turns on and off: sockets to it fail while it is down; the probe says whether it answers. */
function withServer(options = {}) {
  const server = { up: true, probes: 0 };
  const probe = async () => {
    server.probes += 1;
    if (!server.up) throw new TypeError('Failed to fetch');
    return true;
  };
  const harness = setup({ ...options, probe });
  /** Let `ms` pass in steps, failing every new socket while the server is down. */
  harness.run = async (ms, step = 50) => {
    for (let passed = 0; passed < ms; passed += step) {
      harness.clock.advance(step);
      await settle();
      const ws = harness.latest();
      if (!server.up && ws.readyState === 0) ws.drop(1006);
    }
  };
  return { ...harness, server };
}

test('a server back after a long outage is noticed within a probe, not after the backoff', async () => {
  const { clock, socket, sockets, server, latest, run } = withServer();
  socket.start();
  latest().deliver(hello);
  server.up = false;
  latest().drop(1006);
  await run(40000); // the backoff has grown to its ceiling (7.5-15 s)
  const attempts = sockets.length;
  assert.ok(attempts < 12, attempts);

  server.up = true;
  const back = clock.now();
  while (sockets.length === attempts) await run(50);
  assert.ok(clock.now() - back <= PROBE_EVERY_MS + 50, clock.now() - back);
  latest().deliver(hello);
  assert.equal(socket.ready, true);

  const probes = server.probes;
  await run(10000);
  assert.equal(server.probes, probes); // connected: no more probing
});

test('a failed probe is remembered across a failed attempt: the server back just after one is noticed at once', async () => {
  const { clock, socket, sockets, server, latest, run } = withServer();
  socket.start();
  latest().deliver(hello);
  server.up = false;
  latest().drop(1006);
  while (server.probes === 0) await run(50); // the probe has seen the server down
  await run(3000); // the backoff's next attempts come and fail
  const attempts = sockets.length;
  while (sockets.length === attempts) await run(50); // one more attempt fails, just now
  server.up = true;
  const back = clock.now();
  const failed = sockets.length;
  while (sockets.length === failed) await run(50);
  assert.ok(clock.now() - back <= PROBE_EVERY_MS + 50, clock.now() - back);
});

test('a server whose HTTP answers while its sockets fail is retried at the backoff\'s pace only', async () => {
  const paced = withServer();
  paced.socket.start();
  const plain = setup(); // the same, without a probe
  plain.socket.start();
  for (const { latest } of [paced, plain]) latest().drop(1006);
  for (let step = 0; step < 600; step += 1) { // 30 s: every attempt fails at once
    for (const harness of [paced, plain]) {
      harness.clock.advance(50);
      if (harness.latest().readyState === 0) harness.latest().drop(1006);
    }
    await settle();
  }
  assert.ok(paced.server.probes > 20);
  assert.equal(paced.sockets.length, plain.sockets.length);
});

test('the probe waits while a socket is on its way, and stops when the page leaves', async () => {
  const { socket, server, latest, run } = withServer();
  socket.start();
  await run(5000); // connecting, no answer yet
  assert.equal(server.probes, 0);
  server.up = false;
  latest().drop(1006);
  await run(3000);
  const probes = server.probes;
  assert.ok(probes >= 1);
  socket.stop();
  await run(10000);
  assert.equal(server.probes, probes);
});
