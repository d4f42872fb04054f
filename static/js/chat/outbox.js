// Messages on their way: each keeps its client_id from the first try to the last, so the server
// stores it once however often it goes out (PROTOCOL.md: a repeated client_id answers the original).
// Statuses: 'waiting' (no connection), 'sending' (sent, no ack yet), 'failed' (refused or no answer:
// the person may retry or discard it). The items live in the store, for the views (and persist.js,
// which keeps them across a reload); timers live here.

import { gettext } from './i18n.js';
import { notSentText } from './format.js';
import { messageSendFrame } from './protocol.js';

export const ACK_TIMEOUT_MS = 10000; // a send with no ack by then is shown as failed, with Retry

/** A random client_id; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function randomClientId(crypto = globalThis.crypto) {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * `transport`: `send(frame)` (false when the socket is not up), `ready`, and `connection`
 * (a number that changes with each socket). `timers`: setTimeout/clearTimeout.
 */
export function createOutbox({
  store, transport, timers = globalThis, ackTimeoutMs = ACK_TIMEOUT_MS, newClientId = () => randomClientId(), now = Date.now,
}) {
  const ackTimers = new Map(); // client_id -> timer

  function update(item, fields) {
    store.pendingPut({ ...item, ...fields });
  }

  function stopTimer(clientId) {
    timers.clearTimeout(ackTimers.get(clientId));
    ackTimers.delete(clientId);
  }

  /** Send (again) with the item's own client_id; without a socket it waits for flush(). */
  function transmit(clientId) {
    const item = store.pending.get(clientId);
    if (!item) return;
    stopTimer(clientId);
    if (transport.send(messageSendFrame(item))) {
      update(item, { status: 'sending', error: null, connection: transport.connection });
      ackTimers.set(clientId, timers.setTimeout(() => fail(clientId, gettext('no answer from the server.')), ackTimeoutMs));
    } else {
      update(item, { status: 'waiting', error: null, connection: 0 });
    }
  }

  /** A new message from the person (`replyTo`: the id of the message it answers); returns its pending item. */
  function send(roomId, body, { replyTo = null } = {}) {
    const item = {
      client_id: newClientId(), room: roomId, body, reply_to: replyTo, status: 'waiting', error: null, connection: 0, at: now(),
    };
    store.pendingPut(item);
    transmit(item.client_id);
    return store.pending.get(item.client_id);
  }

  /** Stored: the message itself is in the store now. */
  function acknowledge(clientId) {
    stopTimer(clientId);
    store.pendingRemoved(clientId);
  }

  /** The person gave up on a send that failed: it goes, unsent. */
  function discard(clientId) {
    stopTimer(clientId);
    store.pendingRemoved(clientId);
  }

  /** Refused (an error frame) or unanswered: shown with the reason, until the person retries. */
  function fail(clientId, error) {
    const item = store.pending.get(clientId);
    if (!item) return;
    stopTimer(clientId);
    update(item, { status: 'failed', error });
  }

  /** The socket is gone: what was on its way waits for the next one. */
  function connectionLost() {
    for (const item of [...store.pending.values()]) {
      if (item.status !== 'sending') continue;
      stopTimer(item.client_id);
      update(item, { status: 'waiting' });
    }
  }

  /** After a reconnect and catch-up, send again what the last socket may not have delivered. */
  function flush() {
    if (!transport.ready) return;
    for (const item of [...store.pending.values()]) {
      if (item.status !== 'failed' && item.connection !== transport.connection) transmit(item.client_id);
    }
  }

  // Any path that brings our own message in (ack, push, catch-up) settles its pending send.
  store.on('message.received', ({ message }) => {
    if (message.author.id === store.me.id && message.client_id && store.pending.has(message.client_id)) {
      acknowledge(message.client_id);
    }
  });
  // Sends to a room this tab is no longer in cannot succeed.
  store.on('room.removed', ({ roomId }) => {
    for (const item of store.pendingIn(roomId)) acknowledge(item.client_id);
  });
  // Nor can sends kept from an earlier page to a room that is no longer in the list; say so.
  store.on('rooms', () => {
    if (!store.roomsLoaded) return;
    const stranded = [...store.pending.values()].filter((item) => !store.rooms.has(item.room));
    for (const item of stranded) acknowledge(item.client_id);
    if (stranded.length) store.toast(notSentText(stranded.length));
  });

  return { send, retry: transmit, discard, acknowledge, fail, connectionLost, flush };
}
