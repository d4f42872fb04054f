// The WebSocket protocol (docs/PROTOCOL.md): frames the page sends, and what each frame from the
// server does to the store. One handler per frame type; a frame type this page does not know is
// ignored, so that a newer server can add frames without breaking it.

// The server drops typing frames sent more often than this per user and room.
export const TYPING_EVERY_MS = 1000;

export const messageSendFrame = ({ room, body, client_id: clientId }) => ({
  type: 'message.send', room, body, client_id: clientId,
});
export const typingFrame = (room) => ({ type: 'typing', room });
export const readFrame = (room, messageId) => ({ type: 'read', room, message_id: messageId });
export const pingFrame = () => ({ type: 'ping' });

/**
 * Return `handle(frame)`, which applies a server frame: `store` takes the state, `outbox` the
 * answers to sends, `sync` the reads a frame calls for (a catch-up, a member list, a preview).
 */
export function createProtocol({ store, outbox, sync }) {
  const handlers = new Map(Object.entries({
    // Every (re)connect: catch up on what the last socket may have missed, then send what it may
    // not have delivered.
    hello: () => sync.fullSync().catch((error) => store.toast(error.message)).finally(() => outbox.flush()),
    ack: ({ client_id: clientId, message }) => {
      // The store hands the message to the outbox; a room this tab dropped meanwhile cannot.
      if (!store.messageReceived(message.room, message)) outbox.acknowledge(clientId);
    },
    'message.new': ({ message }) => store.messageReceived(message.room, message),
    'message.deleted': ({ room, message_id: messageId }) => {
      if (store.messageRemoved(room, messageId)) sync.refreshRoom(room);
    },
    error: ({ client_id: clientId, detail }) => {
      if (clientId) outbox.fail(clientId, detail);
    },
    typing: ({ room, user }) => store.typingStarted(room, user),
    presence: ({ room, user, online }) => store.presenceChanged(room, user, online),
    'member.joined': ({ room, user }) => {
      if (store.memberJoined(room, user)) sync.loadMembers(room);
    },
    'member.left': ({ room, user, reason }) => store.memberLeft(room, user, reason),
    'room.added': ({ room }) => store.roomAdded(room),
    'room.updated': ({ room }) => store.roomUpdated(room),
    'room.removed': ({ room, reason }) => store.roomRemoved(room, reason),
  }));

  return function handle(frame) {
    handlers.get(frame?.type)?.(frame);
  };
}
