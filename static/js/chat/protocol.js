// The WebSocket protocol (docs/PROTOCOL.md): frames the page sends, and what each frame from the
// server does to the store. One handler per frame type; a frame type this page does not know is
// ignored, so that a newer server can add frames without breaking it.

// The server drops typing frames sent more often than this per user and room.
export const TYPING_EVERY_MS = 1000;

export const messageSendFrame = ({ room, body, client_id: clientId, reply_to: replyTo }) => ({
  type: 'message.send', room, body, client_id: clientId, ...(replyTo ? { reply_to: replyTo } : {}),
});
export const messageEditFrame = ({ room, message_id: messageId, body, client_id: clientId }) => ({
  type: 'message.edit', room, message_id: messageId, body, client_id: clientId,
});
export const messageDeleteFrame = ({ room, message_id: messageId, client_id: clientId }) => ({
  type: 'message.delete', room, message_id: messageId, client_id: clientId,
});
export const reactionFrame = ({ room, message_id: messageId, emoji, add, client_id: clientId }) => ({
  type: add ? 'reaction.add' : 'reaction.remove', room, message_id: messageId, emoji, client_id: clientId,
});
export const typingFrame = (room) => ({ type: 'typing', room });
export const readFrame = (room, messageId) => ({ type: 'read', room, message_id: messageId });
export const pingFrame = () => ({ type: 'ping' });

/**
 * Return `handle(frame)`, which applies a server frame: `store` takes the state, `outbox` the
 * answers to sends, `changes` the answers to edits, deletions and reactions, `sync` the reads a
 * frame calls for (a catch-up, a member list).
 */
export function createProtocol({ store, outbox, changes, sync }) {
  const handlers = new Map(Object.entries({
    // Every (re)connect: catch up on what the last socket may have missed (hello's seqs say which
    // rooms changed), then send what it may not have delivered.
    hello: ({ seqs }) => {
      store.seqsAnnounced(seqs);
      sync.fullSync().catch((error) => store.toast(error.message)).finally(() => {
        outbox.flush();
        changes.flush();
      });
    },
    ack: ({ client_id: clientId, message }) => {
      if (changes.has(clientId)) {
        changes.acknowledge(clientId, message);
        return;
      }
      // The store hands the message to the outbox; a room this tab dropped meanwhile cannot.
      if (!store.messageReceived(message.room, message)) outbox.acknowledge(clientId);
    },
    // Pushes carry the change's number (`seq`): the store notes it, and a skipped number calls
    // for the change log (store event changes.due, which sync.js answers).
    'message.new': ({ message, seq = null }) => store.messageReceived(message.room, message, { seq }),
    'message.updated': ({ message, seq = null }) => store.messageReceived(message.room, message, { seq }),
    'message.deleted': ({ room, message_id: messageId, seq = null }) => store.messageRemoved(room, messageId, { seq }),
    error: ({ client_id: clientId, code, detail }) => {
      if (!clientId) return;
      if (changes.has(clientId)) changes.fail(clientId, { code, detail });
      else outbox.fail(clientId, detail);
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
    'user.updated': ({ user }) => store.userUpdated(user),
  }));

  return function handle(frame) {
    handlers.get(frame?.type)?.(frame);
  };
}
