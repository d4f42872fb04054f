import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ChatSocket, CLOSE_UNAUTHENTICATED } from '../static/js/chat/socket.js';
import { reconnectDelay } from '../static/js/chat/sync.js';
import { alice, FakeClock } from './fakes.js';

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

function setup({ random = () => 0.5 } = {}) {
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
    timers: clock, now: clock.now, random,
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
