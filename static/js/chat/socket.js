// One WebSocket per tab, authenticated by the session cookie, that comes back after any failure.

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const HEARTBEAT_MS = 20000; // ping after this long without hearing from the server...
const PONG_TIMEOUT_MS = 8000; // ...and give the socket up if nothing comes back in time
export const CLOSE_UNAUTHENTICATED = 4401;

export class ChatSocket {
  /**
   * Handlers: onHello(frame) after every (re)connect, onFrame(frame) for the rest,
   * onState('connecting' | 'online' | 'offline'), onUnauthenticated().
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.ws = null;
    this.ready = false;
    this.attempt = 0;
    this.connection = 0; // increases with each socket that said hello
    this.stopped = false;
    this.lastHeard = 0;
  }

  start() {
    window.addEventListener('online', () => this.reconnectNow());
    // Leaving the page closes the socket on purpose: not a failure to report.
    window.addEventListener('pagehide', () => {
      this.stopped = true;
      if (this.ws) this.ws.close(1000);
    });
    // Back in from the back-forward cache: the page lives on, its socket does not.
    window.addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      this.stopped = false;
      this.attempt = 0;
      this.connect();
    });
    this.connect();
    setInterval(() => this.heartbeat(), HEARTBEAT_MS / 2);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.handlers.onState('connecting');
    ws.addEventListener('message', (event) => this.receive(ws, event));
    ws.addEventListener('close', (event) => this.closed(ws, event));
  }

  receive(ws, event) {
    if (ws !== this.ws) return;
    this.lastHeard = Date.now();
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === 'hello') {
      this.ready = true;
      this.attempt = 0;
      this.connection += 1;
      this.handlers.onState('online');
      this.handlers.onHello(frame);
    } else if (frame.type !== 'pong') {
      this.handlers.onFrame(frame);
    }
  }

  closed(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.ready = false;
    if (this.stopped) return;
    if (event.code === CLOSE_UNAUTHENTICATED) {
      this.handlers.onUnauthenticated();
      return;
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    // Exponential backoff with "equal jitter": between half and all of the ceiling,
    // so that clients dropped together do not all come back together.
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt += 1;
    this.handlers.onState('offline', { retryInMs: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
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
    const silentFor = Date.now() - this.lastHeard;
    if (silentFor > HEARTBEAT_MS + PONG_TIMEOUT_MS) this.drop();
    else if (silentFor > HEARTBEAT_MS) this.send({ type: 'ping' });
  }

  /** Send a frame if the socket is up; false tells the caller to keep it for later. */
  send(frame) {
    if (!this.ready || !this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }
}
