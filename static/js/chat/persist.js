// Nothing typed is lost on a reload: the composer's draft of each room, the edit under way in it,
// and the sends the server has not acknowledged yet are kept in the browser's storage (localStorage), per signed-in user, and
// come back when the page loads; the outbox then sends them again with their own client_id, so the
// server stores each once. Storage is passed in (the page's localStorage, or a fake under Node);
// when there is none, or it refuses a write (private mode, a full quota), the page works on and
// `unsentWork()` says what would be lost by leaving. The composer's finished uploads (attachments.js)
// are kept with the draft, per room, as the server's Attachment objects; the server keeps an unused
// upload for 24 hours, and so do we, less an hour.

import { attachmentFrom } from './attachments.js';

/**
 * One user's corner of a Web Storage object (getItem, setItem, removeItem, key, length): every
 * call is guarded, since access itself may throw. Keys: `chatroom:<user id>:<name>`.
 */
export class UserStorage {
  constructor(storage, userId) {
    this.storage = storage || null;
    this.prefix = `chatroom:${userId}:`;
  }

  get(name) {
    try {
      return this.storage ? this.storage.getItem(this.prefix + name) : null;
    } catch {
      return null;
    }
  }

  /** False when the value could not be kept. */
  set(name, value) {
    if (!this.storage) return false;
    try {
      this.storage.setItem(this.prefix + name, value);
      return true;
    } catch {
      return false;
    }
  }

  remove(name) {
    try {
      this.storage?.removeItem(this.prefix + name);
    } catch {
      // Nothing kept, or nothing to reach: either way it is not there for the next page.
    }
  }

  /** The names kept under `start` (e.g. 'draft:'), without the user's prefix. */
  names(start = '') {
    const names = [];
    try {
      for (let index = 0; index < (this.storage?.length || 0); index += 1) {
        const key = this.storage.key(index);
        if (key?.startsWith(this.prefix + start)) names.push(key.slice(this.prefix.length));
      }
    } catch {
      return [];
    }
    return names;
  }

  /** Forget everything of this user (signing out on a shared computer). */
  clear() {
    for (const name of this.names()) this.remove(name);
  }
}

const DRAFT = 'draft:';
const EDIT = 'edit:'; // an edit under way in a room's composer: {messageId, text}
const OUTBOX = 'outbox:';
const UPLOADS = 'uploads:'; // a room's finished uploads: [{attachment, at}]

/** Attachments as kept with a pending send: the valid ones. */
function keptAttachments(value) {
  return Array.isArray(value) ? value.map(attachmentFrom).filter(Boolean) : [];
}

/** A pending send as it was kept, or null when the stored value is not one (an older page's, a damaged one). */
function parseKept(text) {
  let item;
  try {
    item = JSON.parse(text);
  } catch {
    return null;
  }
  const valid = item && typeof item.client_id === 'string' && Number.isInteger(item.room)
    && typeof item.body === 'string' && (item.body.length > 0 || keptAttachments(item.attachments).length > 0);
  return valid ? item : null;
}

/** An edit as it was kept, or null. */
function parseEdit(text) {
  try {
    const edit = JSON.parse(text);
    return Number.isInteger(edit?.messageId) && typeof edit.text === 'string' ? edit : null;
  } catch {
    return null;
  }
}

/** A room's kept uploads, or [] when the stored value is not a list of them. */
function parseUploads(text) {
  try {
    const kept = JSON.parse(text);
    return Array.isArray(kept) ? kept.filter((entry) => entry && Number.isFinite(entry.at) && attachmentFrom(entry.attachment)) : [];
  } catch {
    return [];
  }
}

/**
 * Keep the store's drafts, edits under way and pending sends in `local` (a UserStorage) as they change,
 * and the finished uploads of `uploads` (an attachments.js Uploads, optional).
 * `restore()` puts what an earlier page kept into the store: call it once, before the socket starts.
 */
export function createPersistence({ store, local, uploads = null }) {
  const unsaved = new Set(); // rooms whose latest draft the storage refused
  const unsavedEdits = new Set(); // rooms whose edit under way the storage refused
  const unsavedUploads = new Set(); // rooms whose finished uploads the storage refused

  function restore() {
    for (const name of local.names(DRAFT)) {
      const roomId = Number(name.slice(DRAFT.length));
      const text = local.get(name);
      if (Number.isInteger(roomId) && text) store.setDraft(roomId, text);
      else local.remove(name);
    }
    for (const name of local.names(EDIT)) {
      const roomId = Number(name.slice(EDIT.length));
      const edit = parseEdit(local.get(name));
      if (Number.isInteger(roomId) && edit) store.editStarted(roomId, edit.messageId, edit.text);
      else local.remove(name);
    }
    const kept = [];
    for (const name of local.names(OUTBOX)) {
      const item = parseKept(local.get(name));
      if (item) kept.push(item);
      else local.remove(name);
    }
    // Sent again on the next connection, in the order they were written; a refused one stays
    // refused until the person retries or discards it.
    for (const item of kept.sort((a, b) => (a.at || 0) - (b.at || 0))) {
      store.pendingPut({
        client_id: item.client_id, room: item.room, body: item.body, at: item.at || 0,
        reply_to: Number.isInteger(item.reply_to) ? item.reply_to : null,
        attachments: keptAttachments(item.attachments),
        status: item.status === 'failed' ? 'failed' : 'waiting', error: item.status === 'failed' ? item.error || null : null,
        connection: 0,
      });
    }
    for (const name of local.names(UPLOADS)) {
      const roomId = Number(name.slice(UPLOADS.length));
      const kept = parseUploads(local.get(name));
      if (uploads && Number.isInteger(roomId) && kept.length) {
        uploads.restore(roomId, kept);
        saveUploads(roomId); // without the ones too old to send now
      } else {
        local.remove(name);
      }
    }
  }

  function saveDraft(roomId) {
    const text = store.draft(roomId);
    if (!text) {
      local.remove(DRAFT + roomId);
      unsaved.delete(roomId);
    } else if (local.set(DRAFT + roomId, text)) {
      unsaved.delete(roomId);
    } else {
      unsaved.add(roomId);
    }
  }

  function saveEdit(roomId) {
    const edit = store.editing(roomId);
    if (!edit) {
      local.remove(EDIT + roomId);
      unsavedEdits.delete(roomId);
    } else if (local.set(EDIT + roomId, JSON.stringify({ messageId: edit.messageId, text: edit.text }))) {
      unsavedEdits.delete(roomId);
    } else {
      unsavedEdits.add(roomId);
    }
  }

  function savePending(clientId) {
    const item = store.pending.get(clientId);
    if (!item) {
      local.remove(OUTBOX + clientId);
      return;
    }
    const { client_id: id, room, body, reply_to: replyTo, attachments = [], status, error, at } = item;
    local.set(OUTBOX + clientId, JSON.stringify({ client_id: id, room, body, reply_to: replyTo, attachments, status, error, at }));
  }

  function saveUploads(roomId) {
    const done = uploads.inRoom(roomId).filter((item) => item.status === 'done');
    if (!done.length) {
      local.remove(UPLOADS + roomId);
      unsavedUploads.delete(roomId);
    } else if (local.set(UPLOADS + roomId, JSON.stringify(done.map(({ attachment, at }) => ({ attachment, at }))))) {
      unsavedUploads.delete(roomId);
    } else {
      unsavedUploads.add(roomId);
    }
  }

  /**
   * Whether leaving the page now would lose or strand something: a send not yet acknowledged (kept
   * or not, it reaches nobody until the page is opened again), a draft the storage did not keep, or
   * a file still uploading (or finished, and not kept).
   */
  function unsentWork() {
    return store.pending.size > 0 || [...unsaved].some((roomId) => store.draft(roomId))
      || [...unsavedEdits].some((roomId) => store.editing(roomId))
      || Boolean(uploads && (uploads.busy() || [...unsavedUploads].some((roomId) => uploads.ready(roomId).length)));
  }

  store.on('draft', ({ roomId }) => saveDraft(roomId));
  store.on('edit', ({ roomId }) => saveEdit(roomId));
  store.on('pending', ({ clientId }) => savePending(clientId));
  if (uploads) {
    uploads.on('uploads', ({ roomId, progress }) => {
      if (!progress) saveUploads(roomId);
    });
    // Uploads kept for a room the person is no longer in cannot be sent (as drafts, store.js).
    store.on('rooms', () => {
      if (!store.roomsLoaded) return;
      for (const roomId of uploads.rooms()) if (!store.rooms.has(roomId)) uploads.clearRoom(roomId);
    });
    store.on('room.removed', ({ roomId }) => uploads.clearRoom(roomId));
  }

  return { restore, unsentWork, clear: () => local.clear() };
}
