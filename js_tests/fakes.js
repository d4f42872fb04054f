// Stand-ins for what the page injects into the logic modules: a clock with timers, a socket,
// the REST API; and objects shaped as docs/PROTOCOL.md describes them.

import { ChatStore } from '../static/js/chat/store.js';

// As rooms/views.py builds them (rooms/tests/test_views.py holds those to the services).
export const ROLES = {
  manage: ['owner', 'admin'],
  changeRoles: ['owner'],
  assignable: ['admin', 'member'],
  deleteRoom: ['owner'],
  leave: ['admin', 'member'],
  remove: { owner: ['admin', 'member'], admin: ['member'] },
};
export const LIMITS = {
  bodyMaxLength: 4000, clientIdMaxLength: 64, roomNameMaxLength: 64, roomDescriptionMaxLength: 500, avatarMaxBytes: 2097152,
};

export const alice = { id: 1, username: 'alice', avatar: null };
export const bob = { id: 2, username: 'bob', avatar: null };
export const carol = { id: 3, username: 'carol', avatar: null };

export function roomData(id, fields = {}) {
  return {
    id, name: `Room ${id}`, description: '', avatar: null, owner: alice, invite_code: `code-${id}`,
    role: 'member', member_count: 2, unread_count: 0, last_message: null, created_at: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

export function message(id, room, author = bob, fields = {}) {
  return { id, room, author, body: `message ${id}`, created_at: '2026-01-01T00:00:00.000Z', client_id: null, ...fields };
}

export function member(user, role = 'member', online = false) {
  return { user, role, joined_at: '2026-01-01T00:00:00.000Z', online };
}

/** A clock whose time moves only when told; its timers run as it passes them. */
export class FakeClock {
  constructor() {
    this.time = 1000;
    this.timers = new Map();
    this.nextId = 1;
    this.now = () => this.time;
  }

  setTimeout(callback, ms) {
    const id = this.nextId++;
    this.timers.set(id, { callback, at: this.time + ms, every: null });
    return id;
  }

  setInterval(callback, ms) {
    const id = this.nextId++;
    this.timers.set(id, { callback, at: this.time + ms, every: ms });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  clearInterval(id) {
    this.timers.delete(id);
  }

  /** Move time forward, running each timer that falls due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.timers.delete(id);
      timer.callback();
    }
    this.time = end;
  }
}

/** The socket as the outbox, reads and commands see it. */
export class FakeTransport {
  constructor() {
    this.sent = [];
    this.ready = true;
    this.connection = 1;
  }

  send(frame) {
    if (!this.ready) return false;
    this.sent.push(frame);
    return true;
  }

  ofType(type) {
    return this.sent.filter((frame) => frame.type === type);
  }
}

/** An error as chat/http.js throws it. */
export function apiError(status, message = `answered ${status}`) {
  return Object.assign(new Error(message), { status, data: null });
}

/**
 * `api(path, options)` answered by `routes(path, options)` (a value, or a thrown error);
 * each call is recorded in `api.calls`.
 */
export function fakeApi(routes) {
  const api = async (path, options = {}) => {
    api.calls.push({ path, ...options });
    return routes(path, options);
  };
  api.calls = [];
  return api;
}

export function makeStore({ me = alice, clock = new FakeClock(), visible = true } = {}) {
  return new ChatStore({ me, roles: ROLES, now: clock.now, visible });
}

/** Record the store's events of the given types, as [type, detail]. */
export function recordEvents(store, types) {
  const events = [];
  for (const type of types) store.on(type, (detail) => events.push([type, detail]));
  return events;
}

/** Let pending promises and microtasks run. */
export function settle() {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}

/** Web Storage (localStorage) in memory; `full` makes writes fail as a full quota or private mode does. */
export class FakeStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
    this.full = false;
  }

  get length() {
    return this.map.size;
  }

  key(index) {
    return [...this.map.keys()][index] ?? null;
  }

  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }

  setItem(key, value) {
    if (this.full) throw Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    this.map.set(key, String(value));
  }

  removeItem(key) {
    this.map.delete(key);
  }
}
