// This person's edits, deletions and reactions (protocol version 2), as WebSocket frames with a
// client_id: the server acks each with the message in its new state (a tombstone for a deletion),
// or refuses it with an error frame that echoes the client_id. Until then the change is kept in
// the store (the views show a reaction at once, and an edit as being saved). Without a socket a
// change waits for the next one: each is harmless to repeat (the same body or reaction again is
// no change; a deletion repeated is `not_found`, which is what was wanted), so a change whose
// socket went before its answer goes out again. A change with no answer in time, or refused,
// is dropped with the reason (`change.failed`), and the store keeps the state the server said.

import { messageDeleteFrame, messageEditFrame, reactionFrame } from './protocol.js';
import { ACK_TIMEOUT_MS, randomClientId } from './outbox.js';

const FRAMES = {
  edit: (change) => messageEditFrame(change),
  delete: (change) => messageDeleteFrame(change),
  react: (change) => reactionFrame(change),
};

/**
 * `transport`: `send(frame)` (false when the socket is not up), `ready` and `connection`, as the
 * outbox sees it; `timers`: setTimeout/clearTimeout.
 */
export function createChanges({
  store, transport, timers = globalThis, ackTimeoutMs = ACK_TIMEOUT_MS, newClientId = () => randomClientId(),
}) {
  const ackTimers = new Map(); // client_id -> timer

  function stopTimer(clientId) {
    timers.clearTimeout(ackTimers.get(clientId));
    ackTimers.delete(clientId);
  }

  function transmit(clientId) {
    const change = store.changes.get(clientId);
    if (!change) return;
    stopTimer(clientId);
    if (transport.send(FRAMES[change.kind](change))) {
      store.changePut({ ...change, status: 'sending', connection: transport.connection });
      ackTimers.set(clientId, timers.setTimeout(() => fail(clientId, { code: 'timeout', detail: '' }), ackTimeoutMs));
    } else {
      store.changePut({ ...change, status: 'waiting', connection: 0 });
    }
  }

  function start(fields) {
    const change = { client_id: newClientId(), status: 'waiting', connection: 0, ...fields };
    store.changePut(change);
    transmit(change.client_id);
    return change.client_id;
  }

  /** The server has the change: take the message in its new state, and forget the change. */
  function acknowledge(clientId, message) {
    const change = store.changes.get(clientId);
    if (!change) return;
    stopTimer(clientId);
    if (message?.deleted) store.messageRemoved(message.room, message.id, { deletedSeq: message.seq });
    else if (message) store.messageReceived(message.room, message);
    store.changeRemoved(clientId);
    if (change.kind === 'edit') store.editSaved(change.room, clientId);
  }

  /** Refused (`code` as the error frame has it) or unanswered ('timeout'): dropped, with the reason. */
  function fail(clientId, { code, detail }) {
    const change = store.changes.get(clientId);
    if (!change) return;
    stopTimer(clientId);
    if (change.kind === 'delete' && code === 'not_found') {
      // Gone already (another tab, a moderator): what was asked for is done.
      store.messageRemoved(change.room, change.message_id);
      store.changeRemoved(clientId);
      return;
    }
    store.changeRemoved(clientId, { code, detail });
  }

  return {
    /** Save `body` as the new text of one's message; returns the change's client_id. */
    edit: (roomId, messageId, body) => start({ kind: 'edit', room: roomId, message_id: messageId, body }),
    /** Delete a message (one's own, or as the room's owner or an admin). */
    remove: (roomId, messageId) => start({ kind: 'delete', room: roomId, message_id: messageId }),
    /** Add (`add` true) or take back one's reaction `emoji`. */
    react: (roomId, messageId, emoji, add) => start({ kind: 'react', room: roomId, message_id: messageId, emoji, add }),
    has: (clientId) => store.changes.has(clientId),
    acknowledge,
    fail,

    /** The socket is gone: what was on its way goes again on the next one. */
    connectionLost() {
      for (const change of [...store.changes.values()]) {
        if (change.status !== 'sending') continue;
        stopTimer(change.client_id);
        store.changePut({ ...change, status: 'waiting' });
      }
    },

    /** After a reconnect and catch-up, send what the last socket may not have delivered. */
    flush() {
      if (!transport.ready) return;
      for (const change of [...store.changes.values()]) {
        if (change.connection !== transport.connection) transmit(change.client_id);
      }
    },
  };
}
