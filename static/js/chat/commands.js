// What the person asks for beyond sending (create, join, manage a room and its members), as REST
// calls and the store actions their answers lead to. Errors are thrown for the views to show.

import { TYPING_EVERY_MS, typingFrame } from './protocol.js';

export function createCommands({ store, api, sync, transport, outbox, now = Date.now }) {
  let lastTyping = { roomId: null, at: 0 };
  const roomRequest = sync.roomRequest;

  return {
    async createRoom(form) {
      return store.roomAdded(await api('rooms/', { method: 'POST', form }));
    },

    async joinRoom(inviteCode) {
      return store.roomAdded(await api('rooms/join/', { method: 'POST', json: { invite_code: inviteCode } }));
    },

    async updateProfile(form) {
      store.meUpdated(await api('me/', { method: 'PATCH', form }));
    },

    async updateRoom(roomId, form) {
      store.roomUpdated(await roomRequest(roomId, '', { method: 'PATCH', form }));
    },

    async rotateInvite(roomId) {
      const { invite_code: inviteCode } = await roomRequest(roomId, 'invite/', { method: 'POST' });
      store.roomChanged(roomId, { invite_code: inviteCode });
    },

    async deleteRoom(roomId) {
      await roomRequest(roomId, '', { method: 'DELETE' });
      store.roomRemoved(roomId, 'deleted');
    },

    async leaveRoom(roomId) {
      await roomRequest(roomId, 'leave/', { method: 'POST' });
      store.roomRemoved(roomId, 'left');
    },

    async deleteMessage(roomId, messageId) {
      await roomRequest(roomId, `messages/${messageId}/`, { method: 'DELETE' });
      if (store.messageRemoved(roomId, messageId)) sync.refreshRoom(roomId);
    },

    async setRole(roomId, userId, role) {
      store.memberUpdated(roomId, await roomRequest(roomId, `members/${userId}/`, { method: 'PATCH', json: { role } }));
    },

    /** Kick or ban (`action`); the push that follows is then a no-op. */
    async removeMember(roomId, member, action) {
      await roomRequest(roomId, `members/${member.user.id}/${action}/`, { method: 'POST' });
      store.memberLeft(roomId, member.user, action === 'ban' ? 'banned' : 'kicked');
    },

    sendMessage(roomId, body) {
      lastTyping = { roomId: null, at: 0 }; // typing again after a send is news
      return outbox.send(roomId, body);
    },

    /** The composer changed: tell the room, at most as often as the server listens. */
    noteTyping(roomId, text) {
      if (!roomId || !text.trim()) return;
      const at = now();
      if (lastTyping.roomId === roomId && at - lastTyping.at < TYPING_EVERY_MS) return;
      if (transport.send(typingFrame(roomId))) lastTyping = { roomId, at };
    },
  };
}
