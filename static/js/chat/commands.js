// What the person asks for (create, join, manage a room and its members; send, edit, delete, react),
// as REST calls and the store actions their answers lead to, or through the outbox and changes.js
// over the socket. Errors of REST calls are thrown for the views to show.

import { TYPING_EVERY_MS, typingFrame } from './protocol.js';

export function createCommands({ store, api, sync, transport, outbox, changes, now = Date.now }) {
  let lastTyping = { roomId: null, at: 0 };
  const roomRequest = sync.roomRequest;

  return {
    async createRoom(form) {
      return store.roomAdded(await api('rooms/', { method: 'POST', form }));
    },

    async joinRoom(inviteCode) {
      return store.roomAdded(await api('rooms/join/', { method: 'POST', json: { invite_code: inviteCode } }));
    },

    /** Open the direct room with `userId` (the server makes it on first use) and show it. */
    async openDirect(userId) {
      const room = store.roomAdded(await api('dms/', { method: 'POST', json: { user_id: userId } }));
      store.openRoom(room.id);
      return room;
    },

    async updateProfile(form) {
      store.meUpdated(await api('me/', { method: 'PATCH', form }));
    },

    /** Make another member the room's owner (PROTOCOL.md "People"); the answer has this person as an admin. */
    async handOver(roomId, userId) {
      store.roomUpdated(await roomRequest(roomId, '', { method: 'PATCH', json: { owner: userId } }));
    },

    /** The room's members, for choosing a new owner; kept in the store as the members panel's are. */
    async membersOf(roomId) {
      const members = await roomRequest(roomId, 'members/');
      store.membersLoaded(roomId, members);
      return members;
    },

    bans(roomId) {
      return roomRequest(roomId, 'bans/');
    },

    async unban(roomId, userId) {
      await roomRequest(roomId, `bans/${userId}/`, { method: 'DELETE' });
    },

    /** Delete the person's own account for good (`erase`: their messages too). The page must go afterwards. */
    async deleteAccount(password, erase) {
      await api('me/', { method: 'DELETE', json: { password, erase_messages: erase } });
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

    async setRole(roomId, userId, role) {
      store.memberUpdated(roomId, await roomRequest(roomId, `members/${userId}/`, { method: 'PATCH', json: { role } }));
    },

    /** Kick or ban (`action`); the push that follows is then a no-op. */
    async removeMember(roomId, member, action) {
      await roomRequest(roomId, `members/${member.user.id}/${action}/`, { method: 'POST' });
      store.memberLeft(roomId, member.user, action === 'ban' ? 'banned' : 'kicked');
    },

    /** Send `body`, as a reply to the room's reply target when there is one. */
    sendMessage(roomId, body) {
      lastTyping = { roomId: null, at: 0 }; // typing again after a send is news
      const replyTo = store.replyTarget(roomId)?.id ?? null;
      store.setReply(roomId, null);
      return outbox.send(roomId, body, { replyTo });
    },

    /** Save the edit under way in the room's composer; false when there is none. */
    saveEdit(roomId, body) {
      const edit = store.editing(roomId);
      if (!edit) return false;
      store.editChanged(roomId, { text: body, clientId: changes.edit(roomId, edit.messageId, body) });
      return true;
    },

    deleteMessage(roomId, messageId) {
      return changes.remove(roomId, messageId);
    },

    /** Add one's reaction `emoji` to the message, or take it back when one has it (as shown). */
    toggleReaction(roomId, message, emoji) {
      const mine = store.reactionsOf(roomId, message).some((reaction) => reaction.emoji === emoji && reaction.mine);
      return changes.react(roomId, message.id, emoji, !mine);
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
