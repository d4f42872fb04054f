// The chat page's state: rooms, their messages, members and typing, pending sends, the open room,
// the connection. Actions (the methods below) are the only writers, and each tells what changed by
// an event; views (ui/*) and the logic modules subscribe. No DOM and no window here: it runs under
// Node (js_tests/). Messages are kept by id per room, so pushes, acks, history pages and catch-up
// merge in any order and any number of times.
//
// Events (detail in braces):
//   rooms                       the room list: membership, order, previews, unread counts
//   room {roomId, roleChanged}  one room's own fields (name, picture, role, member count, invite code)
//   room.removed {roomId, name, reason, wasCurrent}     room.unavailable {roomId}
//   current {previousId, roomId, history}  the open room; history: 'push', 'replace' or 'none' for the URL
//   timeline {roomId}           the room's first page (or a page around a message) arrived, or its
//                               messages were dropped to be loaded again: show it whole
//   message.received {roomId, message}  any message taken in, repeats included (the outbox acks by it)
//   message.incoming {roomId, message}  someone else's message newer than any this tab counted (notifications)
//   message.added {roomId, message}     message.removed {roomId, messageId}
//   message.updated {roomId, message, previous}  a newer state of a message shown (edit, reactions)
//   messages.older {roomId, messages}   older history, new to this tab, oldest first
//   messages.newer {roomId, messages}   newer history after a page around an older message
//   changes.due {roomId}        a push skipped a change number: the change log has what was missed
//   counts.stale {roomId}       a deletion or an edit may have changed the room's unread or mention count
//   change {roomId, messageId, clientId}  an edit, deletion or reaction of this person's was sent or settled
//   change.failed {change, code, detail}  ...or refused; the views say why
//   edit {roomId}               the message being edited in the room's composer changed
//   reply {roomId}              the message the room's composer replies to changed
//   history {roomId}            loading flags, a failed load, or whether older history exists
//   marker {roomId}             the "New" line (room.unreadFromId) moved in the room on show; a
//                               whole timeline (current, timeline) reads room.unreadFromId itself
//   notice {roomId, notice}     members {roomId}     typing {roomId}
//   pending {roomId, clientId}  a pending send was added, changed or resolved
//   draft {roomId}              the composer's text for a room changed
//   read.due {roomId}           the person has seen messages the server does not know they read
//   connection   visibility   panel   me   toast {text}
//   user {user, roomIds}        someone's name or picture changed: every copy this tab holds has it

import { isNewerCopy, SeqLog } from './changelog.js';
import { firstUnreadId } from './dividers.js';
import { mentionsUser, reactionsShown } from './messages.js';
import { RoomRules } from './rules.js';

export const TYPING_SHOWN_MS = 4000; // a typing notice lasts this long unless renewed

/** A tiny event emitter; a listener that throws is reported without stopping the others. */
export class Emitter {
  #listeners = new Map();

  /** Call `listener(detail)` on each `type` event; returns the function that unsubscribes it. */
  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.#listeners.get(type).delete(listener);
  }

  emit(type, detail = {}) {
    for (const listener of [...(this.#listeners.get(type) || [])]) {
      try {
        listener(detail);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** What this tab knows of one room. */
class RoomState {
  constructor(data, knownSince) {
    this.id = data.id;
    this.data = data; // the API's Room object, kept current by pushes
    this.messages = new Map(); // id -> Message, once the room is loading or loaded
    this.loading = false;
    this.loaded = false; // the newest page arrived
    this.hasOlder = false;
    this.oldestId = null; // `before` cursor for older history
    this.loadingOlder = false;
    // After a jump to an older message (a page `around` it), newer messages exist beyond the
    // loaded ones until the reader pages down to the latest again.
    this.hasNewer = false;
    this.loadingNewer = false;
    this.loadFailed = null; // 'first' or 'older' while a failed load waits for its retry
    // Where this tab stands in the room's change log (changelog.js): the `since` cursor of
    // rooms/{id}/changes/. With no messages held, a Room object's `seq` is as good as any.
    this.log = new SeqLog(data.seq || 0);
    this.tombstones = new Map(); // id -> seq of messages this tab saw deleted: older copies stay out
    this.seenId = data.last_message ? data.last_message.id : 0; // newest id already counted for unread
    this.readSentId = 0; // newest id the server was told was read
    this.members = null; // user id -> Member, once loaded
    this.notices = []; // {kind, user, reason, afterId, at}: who joined or left, shown in the timeline
    this.typing = new Map(); // user id -> {user, until}
    // The "New" line: what was unread when the person came to the room ({count, upToId}: the last
    // `count` messages of others up to `upToId`), and the first of them once the messages are here.
    this.unreadMark = null;
    this.unreadFromId = null;
    this.knownSince = knownSince;
  }
}

export class ChatStore extends Emitter {
  /**
   * `me`: the signed-in User; `roles`: the page config's role rules; `now`: a clock in
   * milliseconds (monotonic in the page); `visible`: whether the tab is in view.
   */
  constructor({ me, roles, now = () => performance.now(), visible = true }) {
    super();
    this.me = { ...me };
    this.rules = new RoomRules(roles);
    this.now = now;
    this.visible = visible;
    this.rooms = new Map(); // id -> RoomState
    this.order = []; // room ids, most recent activity first (as the API sorts them)
    this.roomsLoaded = false;
    this.currentId = null;
    this.forgottenAt = new Map(); // room id -> when this tab dropped it
    this.early = []; // [room id, message] pushed before the first room list arrived: counted once it has
    this.pending = new Map(); // client_id -> {client_id, room, body, status, error, connection, at}
    this.drafts = new Map(); // room id -> the composer's text; kept apart from rooms, which come and go
    this.changes = new Map(); // client_id -> an edit, deletion or reaction on its way (changes.js)
    this.edits = new Map(); // room id -> {messageId, text, clientId}: the composer edits that message
    this.replies = new Map(); // room id -> {id, author, excerpt}: the composer's next send answers it
    this.panel = null; // 'members', 'settings' or null
    this.connection = { state: 'connecting', everOnline: false };
  }

  // --- Reading ---------------------------------------------------------------

  room(id) {
    return this.rooms.get(id) || null;
  }

  get currentRoom() {
    return this.room(this.currentId);
  }

  isViewing(room) {
    return room.id === this.currentId && this.visible;
  }

  canManage(room) {
    return this.rules.canManage(room.data.role);
  }

  orderedRooms() {
    return this.order.map((id) => this.rooms.get(id)).filter(Boolean);
  }

  totalMentions() {
    let sum = 0;
    for (const room of this.rooms.values()) sum += room.data.mention_count || 0;
    return sum;
  }

  totalUnread() {
    let sum = 0;
    for (const room of this.rooms.values()) sum += room.data.unread_count || 0;
    return sum;
  }

  /** The room's messages in id order (the order they were stored in). */
  sortedMessages(roomId) {
    const room = this.room(roomId);
    return room ? [...room.messages.values()].sort((a, b) => a.id - b.id) : [];
  }

  pendingIn(roomId) {
    return [...this.pending.values()].filter((item) => item.room === roomId);
  }

  /** A message of the room as this tab has it, or null. */
  message(roomId, messageId) {
    return this.room(roomId)?.messages.get(messageId) || null;
  }

  /** This person's changes to a message still on their way, oldest first. */
  changesTo(roomId, messageId) {
    return [...this.changes.values()].filter((change) => change.room === roomId && change.message_id === messageId);
  }

  /** The message's reactions as this person should see them: the server's, with their own on their way. */
  reactionsOf(roomId, message) {
    const pending = this.changesTo(roomId, message.id).filter((change) => change.kind === 'react');
    return reactionsShown(message.reactions, pending, this.me.id);
  }

  /** The newest loaded message of this person in the room (what ↑ in an empty composer edits), or null. */
  lastOwnMessage(roomId) {
    const own = this.sortedMessages(roomId).filter((message) => message.author.id === this.me.id);
    return own.at(-1) || null;
  }

  /** The edit under way in the room's composer, or null. */
  editing(roomId) {
    return this.edits.get(roomId) || null;
  }

  /** The message the room's composer replies to, or null. */
  replyTarget(roomId) {
    return this.replies.get(roomId) || null;
  }

  /** The composer's unsent text for the room ('' for none). */
  draft(roomId) {
    return this.drafts.get(roomId) || '';
  }

  /** Who is typing in the room now (expired notices are dropped). */
  typingUsers(roomId) {
    const room = this.room(roomId);
    if (!room) return [];
    const now = this.now();
    for (const [userId, entry] of room.typing) if (entry.until <= now) room.typing.delete(userId);
    return [...room.typing.values()].map((entry) => entry.user);
  }

  /** When the first typing notice of the room runs out, or null. */
  typingExpiresAt(roomId) {
    const room = this.room(roomId);
    if (!room || !room.typing.size) return null;
    return Math.min(...[...room.typing.values()].map((entry) => entry.until));
  }

  // --- Rooms -----------------------------------------------------------------

  /** Merge a Room from the API or a push. A value older than what this tab already counted does not win. */
  #upsert(data) {
    let room = this.rooms.get(data.id);
    if (!room) {
      room = new RoomState(data, this.now());
      this.rooms.set(data.id, room);
    } else {
      const known = room.data;
      const serverLastId = data.last_message ? data.last_message.id : 0;
      room.data = { ...known, ...data };
      if (serverLastId < room.seenId) {
        room.data.last_message = known.last_message;
        room.data.unread_count = known.unread_count;
        room.data.mention_count = known.mention_count;
      }
      room.seenId = Math.max(room.seenId, serverLastId);
    }
    room.log.announced(data.seq);
    if (!this.#holdsMessages(room)) room.log.reached(data.seq); // nothing held that could miss a change
    if (room.data.unread_count && this.isViewing(room)) {
      room.readSentId = 0; // the server has not heard our read yet: tell it again
      this.emit('read.due', { roomId: room.id });
    }
    return room;
  }

  /** The room list from the API, asked for at `askedAt` (this.now()). */
  roomListLoaded(list, askedAt) {
    const fresh = list.filter((data) => !(this.forgottenAt.get(data.id) > askedAt));
    const present = new Set(fresh.map((data) => data.id));
    // A room this tab learnt of while the list was on its way is newer than the list.
    for (const room of [...this.rooms.values()]) {
      if (!present.has(room.id) && room.knownSince < askedAt) this.roomRemoved(room.id, null);
    }
    for (const data of fresh) this.#upsert(data);
    this.order = [...this.order.filter((id) => !present.has(id) && this.rooms.has(id)), ...fresh.map((data) => data.id)];
    const firstLoad = !this.roomsLoaded;
    this.roomsLoaded = true;
    // Pushed while the list was on its way: those newer than the list's previews are news.
    for (const [roomId, message, seq] of this.early.splice(0)) this.messageReceived(roomId, message, { seq });
    if (firstLoad) {
      // Drafts kept from an earlier visit to rooms this person is no longer in cannot be sent.
      for (const roomId of [...this.drafts.keys()]) if (!this.rooms.has(roomId)) this.setDraft(roomId, '');
      for (const roomId of [...this.edits.keys()]) if (!this.rooms.has(roomId)) this.editEnded(roomId);
    }
    this.emit('rooms');
    if (firstLoad) this.openRoom(this.currentId, { history: 'none' });
  }

  /** A room joined or created (here or on another tab). */
  roomAdded(data) {
    this.forgottenAt.delete(data.id);
    const isNew = !this.rooms.has(data.id);
    const room = this.#upsert(data);
    if (!this.order.includes(room.id)) this.order.unshift(room.id);
    this.emit('rooms');
    // A direct room reaches its peer with its first message (protocol version 2): that message is news.
    const first = data.last_message;
    if (isNew && data.kind === 'direct' && first && first.author.id !== this.me.id) {
      this.emit('message.incoming', { roomId: room.id, message: first });
    }
    if (room.id === this.currentId) this.openRoom(room.id, { history: 'none' });
    return room;
  }

  /** New fields of a room: its name, picture or description changed, or our role. */
  roomUpdated(data) {
    const room = this.rooms.get(data.id);
    if (!room) return;
    const wasManager = this.canManage(room);
    this.#upsert(data);
    const roleChanged = wasManager !== this.canManage(room);
    if (roleChanged && room.id === this.currentId && !this.canManage(room) && this.panel === 'settings') {
      this.setPanel('members');
    }
    this.emit('rooms');
    this.emit('room', { roomId: room.id, roleChanged });
  }

  /** Fields this tab learnt by itself (a new invite code, the preview after a deletion). */
  roomChanged(roomId, fields) {
    const room = this.room(roomId);
    if (!room) return;
    Object.assign(room.data, fields);
    this.emit('rooms');
    this.emit('room', { roomId, roleChanged: false });
  }

  /** This tab is no longer in the room: left, removed, deleted, or missing from the list. */
  roomRemoved(roomId, reason) {
    const room = this.room(roomId);
    if (!room) return;
    this.rooms.delete(roomId);
    this.forgottenAt.set(roomId, this.now());
    this.order = this.order.filter((id) => id !== roomId);
    this.setDraft(roomId, '');
    this.edits.delete(roomId);
    this.replies.delete(roomId);
    const wasCurrent = this.currentId === roomId;
    this.emit('room.removed', { roomId, name: room.data.name, reason, wasCurrent });
    if (wasCurrent) this.openRoom(null, { history: 'replace' });
    this.emit('rooms');
  }

  /** Show a room (or none: the list). A room this tab is not in, once the list is known, is refused. */
  openRoom(id, { history = 'push' } = {}) {
    if (id && this.roomsLoaded && !this.rooms.has(id)) {
      this.emit('room.unavailable', { roomId: id });
      id = null;
      history = 'replace';
    }
    const previousId = this.currentId;
    this.currentId = id;
    const room = this.currentRoom;
    const previous = previousId !== id && this.room(previousId);
    if (previous) previous.unreadMark = previous.unreadFromId = null; // seen: no "New" line next time
    if (room) this.#markUnread(room);
    if (!room || (this.panel === 'settings' && !this.canManage(room))) this.setPanel(null);
    this.emit('current', { previousId, roomId: id, history });
    if (room && room.loaded && this.isViewing(room)) this.emit('read.due', { roomId: id });
  }

  /** The person's unsent text for a room; '' forgets it. */
  setDraft(roomId, text) {
    if (roomId === null || roomId === undefined || this.draft(roomId) === text) return;
    if (text) this.drafts.set(roomId, text);
    else this.drafts.delete(roomId);
    this.emit('draft', { roomId });
  }

  /**
   * Remember what is unread as the person comes to the room, before the read pointer moves:
   * the "New" line goes before the first of those messages once they are loaded.
   */
  #markUnread(room) {
    const count = room.data.unread_count || 0;
    room.unreadMark = count ? { count, upToId: room.seenId } : null;
    room.unreadFromId = null;
    this.#placeMark(room);
  }

  #placeMark(room) {
    if (room.unreadMark && room.loaded) {
      room.unreadFromId = firstUnreadId(this.sortedMessages(room.id), room.unreadMark, this.me.id);
    }
  }

  // --- Messages --------------------------------------------------------------

  /**
   * The newest page (or, with `older`, a page of older history; with `newer`, a page of newer)
   * is on its way, or no longer; `failed`: it did not arrive, and a retry is due (room.loadFailed
   * says which, until then).
   */
  setLoading(roomId, loading, { older = false, newer = false, failed = false } = {}) {
    const room = this.room(roomId);
    if (!room) return;
    const kind = older ? 'older' : newer ? 'newer' : 'first';
    room[{ older: 'loadingOlder', newer: 'loadingNewer', first: 'loading' }[kind]] = loading;
    // The latest page is on its way to replace an older stretch: what is pushed meanwhile is kept.
    if (kind === 'first' && loading) room.hasNewer = false;
    if (failed) room.loadFailed = kind;
    else if (room.loadFailed === kind) room.loadFailed = null;
    this.emit('history', { roomId });
  }

  /** The newest page of the room: its timeline can be shown. */
  firstPageLoaded(roomId, page) {
    const room = this.room(roomId);
    if (!room) return;
    // Held now: what was pushed while the page was on its way, and any older stretch shown before
    // (after a jump back), which the latest page replaces.
    const oldest = page.results.length ? Math.min(...page.results.map((message) => message.id)) : Infinity;
    if (page.has_more) for (const id of [...room.messages.keys()]) if (id < oldest) room.messages.delete(id);
    room.loading = false;
    room.loaded = true;
    room.hasNewer = false;
    if (room.loadFailed === 'first') room.loadFailed = null;
    room.hasOlder = page.has_more;
    room.oldestId = page.results.length ? Math.min(...page.results.map((message) => message.id)) : null;
    this.#takeIn(room, page.results);
    this.#placeMark(room);
    this.emit('timeline', { roomId });
    if (this.isViewing(room)) this.emit('read.due', { roomId });
  }

  /**
   * A page of history around an older message (`messages/?around=`): it replaces what the room
   * shows, with newer messages beyond it (`has_newer`) loaded as the reader goes down.
   */
  aroundPageLoaded(roomId, page) {
    const room = this.room(roomId);
    if (!room || !page.results.length) return;
    room.messages.clear();
    room.loaded = true;
    room.hasOlder = page.has_more;
    room.hasNewer = false; // while the page goes in
    room.oldestId = Math.min(...page.results.map((message) => message.id));
    this.#takeIn(room, page.results);
    room.hasNewer = Boolean(page.has_newer);
    this.#placeMark(room);
    this.emit('timeline', { roomId });
  }

  /** A page of newer history (`after` the newest loaded) after a page around an older message. */
  newerPageLoaded(roomId, page) {
    const room = this.room(roomId);
    if (!room?.hasNewer) return;
    const newer = page.results.filter((message) => !room.messages.has(message.id) && !room.tombstones.has(message.id))
      .sort((a, b) => a.id - b.id);
    for (const message of newer) room.messages.set(message.id, message);
    // A push that came while this page was on its way was not shown (beyond the loaded ones then):
    // one more page brings it.
    room.hasNewer = page.has_more || (page.results.length > 0 && room.seenId > this.newestLoadedId(roomId));
    this.emit('messages.newer', { roomId, messages: newer });
  }

  /** The newest message id loaded (0 for none). */
  newestLoadedId(roomId) {
    const room = this.room(roomId);
    let newest = 0;
    for (const id of room?.messages.keys() || []) newest = Math.max(newest, id);
    return newest;
  }

  #takeIn(room, messages) {
    const sorted = [...messages].sort((a, b) => a.id - b.id);
    for (const message of sorted) this.messageReceived(room.id, message, { quiet: true });
  }

  /** A page of older history just older than `oldestId`. */
  olderPageLoaded(roomId, page) {
    const room = this.room(roomId);
    if (!room) return;
    room.hasOlder = page.has_more;
    if (page.results.length) room.oldestId = Math.min(...page.results.map((message) => message.id));
    const older = page.results.filter((message) => !room.messages.has(message.id) && !room.tombstones.has(message.id))
      .sort((a, b) => a.id - b.id);
    for (const message of older) room.messages.set(message.id, message);
    this.emit('messages.older', { roomId, messages: older });
  }

  /**
   * Take a message from any source (push, ack, history, the change log); ids make it idempotent
   * and `seq` picks the newer of two copies (an edit, new reactions). Only a message newer than
   * any this tab counted moves the preview and the badges. `quiet` keeps views from adding it one
   * by one (a whole timeline follows). `seq`: the push's change number, for the change log.
   * False for an unknown room.
   */
  messageReceived(roomId, message, { quiet = false, seq = null } = {}) {
    const room = this.room(roomId);
    if (!room) {
      if (!this.roomsLoaded) this.early.push([roomId, message, seq]);
      return false;
    }
    this.emit('message.received', { roomId, message });
    if (!room.tombstones.has(message.id)) {
      this.#keep(room, message, quiet);
      this.#count(room, message);
    }
    if (seq !== null) this.#noted(room, seq);
    return true;
  }

  /** Whether the room's messages are loaded or loading: changes to them must not be missed. */
  #holdsMessages(room) {
    return room.loaded || room.loading;
  }

  /** Whether a message of that id belongs to what the room has loaded (not beyond either end). */
  #inWindow(room, id) {
    if (room.hasOlder && room.oldestId !== null && id < room.oldestId) return false;
    return !(room.hasNewer && id > this.newestLoadedId(room.id));
  }

  /** Keep the message, or its newer state, where the room shows it: timeline and preview. */
  #keep(room, message, quiet) {
    const roomId = room.id;
    const held = room.messages.get(message.id);
    const preview = room.data.last_message?.id === message.id ? room.data.last_message : null;
    const known = held || preview;
    if (held) {
      if (isNewerCopy(held, message)) {
        room.messages.set(message.id, message);
        this.emit('message.updated', { roomId, message, previous: held });
      }
    } else if (this.#holdsMessages(room) && this.#inWindow(room, message.id)) {
      room.messages.set(message.id, message);
      if (!quiet) this.emit('message.added', { roomId, message });
    }
    if (preview && isNewerCopy(preview, message)) {
      room.data.last_message = message;
      this.emit('rooms');
    }
    // An edit that names or stops naming me, of a message this tab counted already: the room's
    // mention count is the server's to say.
    const counted = message.id <= room.seenId;
    const mentionChanged = known ? mentionsUser(known, this.me.id) !== mentionsUser(message, this.me.id)
      : Boolean(message.edited_at) && mentionsUser(message, this.me.id);
    if (counted && mentionChanged && (!known || isNewerCopy(known, message))) this.#countsMayBeStale(room, message.author.id);
  }

  /** A message newer than any this tab counted: the preview, the order, the badges. */
  #count(room, message) {
    const roomId = room.id;
    if (message.id <= room.seenId) return;
    room.seenId = message.id;
    room.data.last_message = message;
    if (message.author.id !== this.me.id) {
      this.typingStopped(roomId, message.author.id);
      if (this.isViewing(room)) {
        this.emit('read.due', { roomId });
      } else {
        room.data.unread_count = (room.data.unread_count || 0) + 1;
        if (mentionsUser(message, this.me.id)) room.data.mention_count = (room.data.mention_count || 0) + 1;
      }
      this.emit('message.incoming', { roomId, message });
    }
    this.order = [roomId, ...this.order.filter((id) => id !== roomId)];
    this.emit('rooms');
  }

  /** A push numbered `seq` was applied; a gap it reveals calls for the change log. */
  #noted(room, seq) {
    if (room.log.noted(seq) && room.log.gap) this.emit('changes.due', { roomId: room.id });
  }

  /** The counts this tab keeps may be wrong after a change to a message it already counted. */
  #countsMayBeStale(room, authorId) {
    if (authorId === this.me.id || this.isViewing(room)) return;
    if (room.data.unread_count || room.data.mention_count) this.emit('counts.stale', { roomId: room.id });
  }

  /**
   * A message was deleted (a push, an ack, a tombstone of the change log). `seq`: the push's
   * change number, for the change log. The room's preview and counts are refreshed by whoever
   * listens to counts.stale (sync.js).
   */
  messageRemoved(roomId, messageId, { seq = null, deletedSeq = seq } = {}) {
    const room = this.room(roomId);
    if (!room) return;
    const news = !room.tombstones.has(messageId);
    room.tombstones.set(messageId, deletedSeq ?? 0);
    const held = room.messages.get(messageId);
    if (news) {
      room.messages.delete(messageId);
      this.emit('message.removed', { roomId, messageId });
      if (this.edits.get(roomId)?.messageId === messageId) this.editEnded(roomId, { deleted: true });
      if (this.replies.get(roomId)?.id === messageId) this.setReply(roomId, null, { deleted: true });
      if (room.data.last_message?.id === messageId) this.emit('counts.stale', { roomId });
      else this.#countsMayBeStale(room, held?.author.id);
    }
    if (seq !== null) this.#noted(room, seq);
  }

  /**
   * A page of the room's change log (`changes/?since=`): each message in its current state, a
   * tombstone for each deleted one. Every change up to the page's end is applied after it.
   */
  changesLoaded(roomId, page) {
    const room = this.room(roomId);
    if (!room) return;
    for (const item of page.messages) {
      if (item.deleted) this.messageRemoved(roomId, item.id, { deletedSeq: item.seq });
      else this.messageReceived(roomId, item);
    }
    room.log.announced(page.seq);
    const last = page.messages.at(-1);
    room.log.reached(page.has_more && last ? last.seq : page.seq);
  }

  /** The change numbers the server announced on (re)connect (hello's `seqs`). */
  seqsAnnounced(seqs) {
    for (const [roomId, seq] of Object.entries(seqs || {})) this.room(Number(roomId))?.log.announced(seq);
  }

  /**
   * Forget the room's messages, to load the latest page again: cheaper than replaying a long
   * stretch of its change log (a tab that slept for days).
   */
  messagesReset(roomId) {
    const room = this.room(roomId);
    if (!room) return;
    room.messages.clear();
    Object.assign(room, { loaded: false, loading: false, hasOlder: false, hasNewer: false, oldestId: null, loadFailed: null });
    room.log.reached(room.log.latest);
    this.emit('timeline', { roomId });
  }

  /**
   * The room as the server has it now (asked for when `seenId` was this tab's newest): its
   * preview and counts, unless a newer message arrived meanwhile, which the answer may lack.
   */
  roomRefreshed(data, seenId) {
    const room = this.room(data.id);
    if (!room || room.seenId !== seenId) return;
    const { last_message: lastMessage = null, unread_count: unread = 0, mention_count: mentions = 0 } = data;
    Object.assign(room.data, { last_message: lastMessage, unread_count: unread, mention_count: mentions });
    room.log.announced(data.seq);
    if (!this.#holdsMessages(room)) room.log.reached(data.seq);
    this.emit('rooms');
  }

  #addNotice(room, fields) {
    const notice = { ...fields, afterId: room.seenId, at: new Date().toISOString() };
    room.notices.push(notice);
    this.emit('notice', { roomId: room.id, notice });
  }

  // --- Members, presence, typing --------------------------------------------------

  membersLoaded(roomId, list) {
    const room = this.room(roomId);
    if (!room) return;
    room.members = new Map(list.map((member) => [member.user.id, member]));
    room.data.member_count = list.length;
    this.emit('members', { roomId });
    this.emit('room', { roomId, roleChanged: false });
  }

  /** What this tab knows of the room's members may be out of date (presence frames missed while away). */
  membersStale(roomId) {
    const room = this.room(roomId);
    if (room) room.members = null; // fetched again when the room is opened
  }

  memberUpdated(roomId, member) {
    const room = this.room(roomId);
    if (!room?.members) return;
    room.members.set(member.user.id, member);
    this.emit('members', { roomId });
  }

  presenceChanged(roomId, user, online) {
    const member = this.room(roomId)?.members?.get(user.id);
    if (!member) return;
    this.room(roomId).members.set(user.id, { ...member, online });
    this.emit('members', { roomId });
  }

  /** Someone joined. True when the open room's member list should be fetched again to show them. */
  memberJoined(roomId, user) {
    const room = this.room(roomId);
    if (!room || room.members?.has(user.id)) return false;
    room.data.member_count += 1;
    this.#addNotice(room, { kind: 'joined', user });
    this.emit('room', { roomId, roleChanged: false });
    if (room.id === this.currentId) return true;
    room.members = null; // fetched again when the room is opened
    return false;
  }

  memberLeft(roomId, user, reason) {
    const room = this.room(roomId);
    if (!room || (room.members && !room.members.delete(user.id))) return;
    room.data.member_count = Math.max(1, room.data.member_count - 1);
    this.typingStopped(roomId, user.id);
    this.#addNotice(room, { kind: 'left', user, reason });
    this.emit('room', { roomId, roleChanged: false });
    this.emit('members', { roomId });
  }

  typingStarted(roomId, user) {
    const room = this.room(roomId);
    if (!room) return;
    room.typing.set(user.id, { user, until: this.now() + TYPING_SHOWN_MS });
    this.emit('typing', { roomId });
  }

  typingStopped(roomId, userId) {
    if (this.room(roomId)?.typing.delete(userId)) this.emit('typing', { roomId });
  }

  // --- Reading -----------------------------------------------------------------

  /**
   * Clear the badge; return the message id the server's read pointer should move to,
   * or null when the server knows it already.
   */
  readMarked(roomId) {
    const room = this.room(roomId);
    if (!room) return null;
    if (room.data.unread_count || room.data.mention_count) {
      room.data.unread_count = 0;
      room.data.mention_count = 0; // the pointer moves to the latest: every mention is read too
      this.emit('rooms');
    }
    const messageId = room.seenId;
    if (!messageId || messageId <= room.readSentId) return null;
    room.readSentId = messageId;
    return messageId;
  }

  /** The read did not reach the server: tell it again next time. */
  readFailed(roomId) {
    const room = this.room(roomId);
    if (room) room.readSentId = 0;
  }

  // --- Pending sends (written by the outbox) --------------------------------------

  pendingPut(item) {
    this.pending.set(item.client_id, item);
    this.emit('pending', { roomId: item.room, clientId: item.client_id });
  }

  pendingRemoved(clientId) {
    const item = this.pending.get(clientId);
    if (!item) return;
    this.pending.delete(clientId);
    this.emit('pending', { roomId: item.room, clientId });
  }

  // --- Edits, deletions and reactions on their way (written by changes.js) -------

  changePut(item) {
    this.changes.set(item.client_id, item);
    this.emit('change', { roomId: item.room, messageId: item.message_id, clientId: item.client_id });
  }

  /** The change is settled: acknowledged, or refused (`failure`: {code, detail}) for the views to say. */
  changeRemoved(clientId, failure = null) {
    const change = this.changes.get(clientId);
    if (!change) return;
    this.changes.delete(clientId);
    this.emit('change', { roomId: change.room, messageId: change.message_id, clientId });
    if (failure) this.emit('change.failed', { change, ...failure });
  }

  // --- The composer: editing and replying ---------------------------------------

  /** Edit one's message in the room's composer, starting from `text` (its body, or a kept edit). */
  editStarted(roomId, messageId, text) {
    this.edits.set(roomId, { messageId, text, clientId: null });
    this.emit('edit', { roomId });
  }

  /** The edit's text as typed, or the client_id of the frame saving it. */
  editChanged(roomId, fields) {
    const edit = this.edits.get(roomId);
    if (!edit) return;
    this.edits.set(roomId, { ...edit, ...fields });
    this.emit('edit', { roomId });
  }

  /**
   * The edit is over (saved, or given up). `deleted`: its message went meanwhile; the text typed
   * becomes the draft, unless there is one, so that it is not lost.
   */
  editEnded(roomId, { deleted = false } = {}) {
    const edit = this.edits.get(roomId);
    if (!edit) return;
    this.edits.delete(roomId);
    if (deleted && !this.draft(roomId)) this.setDraft(roomId, edit.text);
    this.emit('edit', { roomId, deleted });
  }

  /** An edit's frame was acknowledged: the composer is done with it, if it still shows it. */
  editSaved(roomId, clientId) {
    if (this.edits.get(roomId)?.clientId === clientId) this.editEnded(roomId);
  }

  /** Reply to `target` ({id, author, excerpt}) with the room's next send, or to nothing (null). */
  setReply(roomId, target, { deleted = false } = {}) {
    if (!target && !this.replies.has(roomId)) return;
    if (target) this.replies.set(roomId, target);
    else this.replies.delete(roomId);
    this.emit('reply', { roomId, deleted });
  }

  // --- The page around the rooms ---------------------------------------------------

  /** 'connecting', 'online' or 'offline', from the socket. */
  connectionChanged(state) {
    this.connection = { state, everOnline: this.connection.everOnline || state === 'online' };
    this.emit('connection', { state });
  }

  visibilityChanged(visible) {
    this.visible = visible;
    this.emit('visibility', { visible });
    const room = this.currentRoom;
    if (room && this.isViewing(room) && room.data.unread_count) {
      // Back to a room where messages arrived unseen: the "New" line moves before the first of them.
      this.#markUnread(room);
      if (room.unreadFromId) this.emit('marker', { roomId: room.id });
      this.emit('read.due', { roomId: room.id });
    }
  }

  setPanel(name) {
    if (this.panel === name) return;
    this.panel = name;
    this.emit('panel', { panel: name });
  }

  meUpdated(user) {
    Object.assign(this.me, user);
    this.emit('me');
  }

  /**
   * Someone's display name or picture changed (`user.updated`): every copy of them this tab
   * holds (messages and the messages they answer, members, owners, previews) takes the new one.
   * Messages are replaced, not changed in place, like every other change of a message here.
   */
  userUpdated(user) {
    if (user.id === this.me.id) this.meUpdated(user);
    const roomIds = [];
    const fresh = (old) => (old?.id === user.id ? { ...old, ...user } : old);
    const renamed = (message) => {
      const replyAuthor = message.reply_to?.author;
      if (message.author?.id !== user.id && replyAuthor?.id !== user.id) return message;
      return {
        ...message,
        author: fresh(message.author),
        ...(replyAuthor ? { reply_to: { ...message.reply_to, author: fresh(replyAuthor) } } : {}),
      };
    };
    for (const room of this.rooms.values()) {
      let touched = false;
      for (const [id, message] of room.messages) {
        const updated = renamed(message);
        if (updated !== message) {
          room.messages.set(id, updated);
          touched = true;
        }
      }
      const preview = room.data.last_message && renamed(room.data.last_message);
      const owned = room.data.owner?.id === user.id;
      if (preview !== room.data.last_message || owned) {
        room.data.last_message = preview;
        room.data.owner = fresh(room.data.owner);
        touched = true;
      }
      const member = room.members?.get(user.id);
      if (member) {
        room.members.set(user.id, { ...member, user: fresh(member.user) });
        touched = true;
      }
      if (touched) roomIds.push(room.id);
    }
    this.emit('user', { user, roomIds });
    for (const roomId of roomIds) {
      this.emit('room', { roomId, roleChanged: false });
      this.emit('members', { roomId });
    }
  }

  /** Tell the person something (an error, a confirmation) in the page's status line. */
  toast(text) {
    this.emit('toast', { text });
  }
}
