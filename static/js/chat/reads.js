// The read pointer: when the person has seen new messages, the server hears of it once per burst,
// over the socket when it is up, else by REST.

import { readFrame } from './protocol.js';

/** `transport.send(frame)` is false without a socket; `request(roomId, path, options)` is sync's roomRequest. */
export function createReadMarker({ store, transport, request, queueTask = queueMicrotask }) {
  const queued = new Set();

  function markRead(roomId) {
    const messageId = store.readMarked(roomId);
    if (!messageId) return;
    if (transport.send(readFrame(roomId, messageId))) return;
    request(roomId, 'read/', { method: 'POST', json: { message_id: messageId } }).catch(() => store.readFailed(roomId));
  }

  // Once for a burst of messages handled together; still at once, so that leaving the page loses nothing.
  store.on('read.due', ({ roomId }) => {
    if (queued.has(roomId)) return;
    queued.add(roomId);
    queueTask(() => {
      queued.delete(roomId);
      markRead(roomId);
    });
  });
}
