// One WebSocket per tab, authenticated by the session cookie, that comes back after any failure.
// The WebSocket constructor, timers and clock are passed in (the page's own, or fakes under Node);
// the page's online/pagehide/pageshow events call reconnectNow(), stop() and resume().
//
// Coming back: retries back off (jittered, exponential: sync.reconnectDelay) so that a dead server
// is not hammered, but a server that returns is noticed at once: while disconnected, a cheap probe
// (`probe()`, the page's GET /healthz) runs every PROBE_EVERY_MS, and when it answers after having
// failed, the socket reconnects without waiting out the backoff. The page also calls
// reconnectNow() when the browser goes online and when the tab comes back into view.

import { pingFrame } from './protocol.js';
import { reconnectDelay } from './sync.js';

const HEARTBEAT_MS = 20000; // ping after this long without hearing from the server...
const PONG_TIMEOUT_MS = 8000; // ...and give the socket up if nothing comes back in time
export const PROBE_EVERY_MS = 1000; // while disconnected: is the server back?
const OPEN = 1; // WebSocket.OPEN
export const CLOSE_UNAUTHENTICATED = 4401;
// The account was deactivated or deleted: reconnecting cannot help (PROTOCOL.md, close codes).
export const CLOSE_DEACTIVATED = 4403;

export class ChatSocket {
  /**
   * `createWebSocket(url)` opens a socket. Handlers: onFrame(frame) for every frame but pong
   * (`hello` after each (re)connect included), onState('connecting' | 'online' | 'offline'),
   * onUnauthenticated(). `probe()` resolves true when the server answers (none: no probing).
   */
  constructor({
    url, createWebSocket, onFrame, onState, onUnauthenticated, probe = null,
    timers = globalThis, now = Date.now, random = Math.random,
  }) {
    Object.assign(this, { url, createWebSocket, onFrame, onState, onUnauthenticated, probe, timers, now, random });
    this.ws = null;
    this.ready = false; // the current socket said hello
    this.attempt = 0;
    this.connection = 0; // increases with each socket that said hello
    this.stopped = false;
    this.lastHeard = 0;
    this.retryTimer = null;
    this.probeTimer = null;
    this.probing = false; // a probe is on its way
    this.probeFailed = false; // a probe failed since the last hello: the server was down
  }

  start() {
    this.connect();
    // Ticks closer together than the pong timeout, so that a ping always goes out before the give-up.
    this.timers.setInterval(() => this.heartbeat(), PONG_TIMEOUT_MS / 2);
  }

  /** Leaving the page closes the socket on purpose: not a failure to report. */
  stop() {
    this.stopped = true;
    this.stopProbing();
    if (this.ws) this.ws.close(1000);
  }

  /** Back from the back-forward cache: the page lives on, its socket does not. */
  resume() {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  connect() {
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.createWebSocket(this.url);
    this.ws = ws;
    this.onState('connecting');
    ws.addEventListener('message', (event) => this.receive(ws, event));
    ws.addEventListener('close', (event) => this.closed(ws, event));
  }

  receive(ws, event) {
    if (ws !== this.ws) return;
    this.lastHeard = this.now();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (typeof frame?.type !== 'string' || frame.type === 'pong') return; // not a frame, or only a sign of life
    if (frame.type === 'hello') {
      this.ready = true;
      this.attempt = 0;
      this.connection += 1;
      this.probeFailed = false;
      this.stopProbing();
      this.onState('online');
    }
    this.onFrame(frame);
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.ready = false;
    if (this.stopped) return;
    if (event.code === CLOSE_UNAUTHENTICATED || event.code === CLOSE_DEACTIVATED) {
      this.stopProbing();
      this.onUnauthenticated();
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const delay = reconnectDelay(this.attempt, this.random);
    this.attempt += 1;
    this.onState('offline');
    this.retryTimer = this.timers.setTimeout(() => this.connect(), delay);
    if (this.probe && this.probeTimer === null) {
      this.probeTimer = this.timers.setInterval(() => this.runProbe(), PROBE_EVERY_MS);
    }
  }

  stopProbing() {
    this.timers.clearInterval(this.probeTimer);
    this.probeTimer = null;
  }

  /**
   * Ask whether the server answers, between attempts. An answer after a failure means it came
   * back: connect now. Answers without a failure leave the backoff alone, so that a server whose
   * HTTP works but whose sockets fail is not retried every second.
   */
  async runProbe() {
    if (this.probing || this.ws || this.stopped) return;
    this.probing = true;
    let answered = false;
    try {
      answered = await this.probe();
    } catch {
      answered = false;
    } finally {
      this.probing = false;
    }
    // A failure is remembered across attempts to connect (a failed attempt proves nothing the
    // probe did not already know): the first answer after it, however the attempts went, connects.
    if (!answered) this.probeFailed = true;
    else if (this.probeFailed) {
      this.probeFailed = false;
      this.reconnectNow();
    }
  }

  /** Skip the wait: the browser came back online, or the person asked. */
  reconnectNow() {
    if (this.ws || this.stopped) return;
    this.connect();
  }

  /** Forget a socket that stopped answering (a dead network rarely closes cleanly) and start over. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    this.ws = null;
    this.ready = false;
    try {
      ws.close(4000, 'no answer');
    } catch {
      // already closing
    }
    this.scheduleReconnect();
  }

  heartbeat() {
    if (!this.ready) return;
    const silentFor = this.now() - this.lastHeard;
    if (silentFor > HEARTBEAT_MS + PONG_TIMEOUT_MS) this.drop();
    else if (silentFor > HEARTBEAT_MS) this.send(pingFrame());
  }

  /** Send a frame if the socket is up; false tells the caller to keep it for later. */
  send(frame) {
    if (!this.ready || !this.ws || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}
