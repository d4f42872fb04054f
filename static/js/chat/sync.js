// Keeping this tab level with the server, which is the record (docs/reliability.md): pushes are
// best effort, so every (re)connect (hello's `seqs`), a push that skips a change number, and a tab
// coming back into view read the room's change log (`rooms/{id}/changes/?since=<seq>`), which
// brings every message changed since in its current state: new, edited, reacted to, or deleted
// (a tombstone). The store merges it by id and `seq`. Also the other reads of the page (the first
// page of a room, older and newer history, a page around a message, members) and the reconnect
// backoff. A read of the open room that fails for a passing reason (the server unreachable or
// restarting) is tried again by itself: at once when the socket is back, else after a backoff.
// No "failed" state sticks.

export const PAGE_SIZE = 50; // messages per history page
export const CHANGES_PAGE = 200; // changes per page of the change log
// A room that missed more changes than this loads its latest page again instead of replaying them.
export const RESET_AFTER_CHANGES = 1000;
// A push that skipped a number: the one between may still come (pushes can arrive out of order).
export const GAP_WAIT_MS = 500;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first): exponential backoff with
 * "equal jitter", between half and all of the ceiling, so that clients dropped together do not
 * all come back together.
 */
export function reconnectDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}

/** A failure that goes away by itself: no answer (status 0), too many requests, the server's trouble. */
export function isTransient(error) {
  const status = error?.status;
  return status === 0 || status === 429 || status >= 500;
}

/**
 * `api(path, options)` as chat/http.js makes it; rejects with an error carrying `status`.
 * `timers` and `random` pace the retries of failed reads.
 */
export function createSync({ store, api, timers = globalThis, random = Math.random }) {
  const firstPages = new Map(); // room id -> the request of its first page, while it runs
  const changeRuns = new Map(); // room id -> the catch-up on its change log, while it runs
  const changeAgain = new Set(); // rooms whose catch-up was asked for again while it ran
  const gapTimers = new Map(); // room id -> the timer before a gap is filled from the change log
  const refreshes = new Map(); // room id -> the request of its Room for its preview and counts
  const refreshAgain = new Set();
  const retries = new Map(); // 'first' | 'older' | 'members' -> {roomId, attempt, timer}: a read to try again
  let running = null;
  let runAgain = false;

  /** Try the open room's failed read `kind` again after a backoff (sooner if the socket comes back). */
  function retryLater(kind, roomId) {
    const previous = retries.get(kind);
    const attempt = previous?.roomId === roomId ? previous.attempt + 1 : 0;
    timers.clearTimeout(previous?.timer);
    const timer = timers.setTimeout(() => retryNow(kind), reconnectDelay(attempt + 1, random));
    retries.set(kind, { roomId, attempt, timer });
  }

  function retried(kind, roomId) {
    const entry = retries.get(kind);
    if (entry?.roomId !== roomId) return;
    timers.clearTimeout(entry.timer);
    retries.delete(kind);
  }

  /** Run a waiting retry now; one for a room no longer open is dropped (opening it reads it again). */
  function retryNow(kind) {
    const entry = retries.get(kind);
    if (!entry) return;
    timers.clearTimeout(entry.timer);
    const room = store.currentRoom;
    if (!room || room.id !== entry.roomId) {
      retries.delete(kind);
      return;
    }
    const quiet = () => {}; // a failure again schedules the next retry itself
    if (kind === 'first' && !room.loaded) loadFirstPage(room.id).catch(quiet);
    else if (kind === 'older') loadOlder(room.id);
    else if (kind === 'members' && !room.members) loadMembers(room.id);
    else retries.delete(kind);
  }

  /** A request about one room; a 404 means this tab is no longer in it. */
  async function roomRequest(roomId, path, options) {
    try {
      return await api(`rooms/${roomId}/${path}`, options);
    } catch (error) {
      if (error.status === 404) store.roomRemoved(roomId, null); // removed while we looked away
      throw error;
    }
  }

  /** Rethrow an error, unless it says the room is gone (roomRequest has forgotten it then). */
  function unlessGone(error) {
    if (error.status !== 404) throw error;
  }

  async function syncRoomList() {
    const askedAt = store.now();
    store.roomListLoaded(await api('rooms/'), askedAt);
  }

  /**
   * Read the room's change log from where this tab stands until it is current, page by page; one
   * run at a time per room (a call meanwhile makes one more pass). A room that missed too much
   * starts over from its latest page instead (or, with no messages loaded, from its Room).
   */
  function catchUp(roomId) {
    if (changeRuns.has(roomId)) {
      changeAgain.add(roomId);
      return changeRuns.get(roomId);
    }
    const run = (async () => {
      do {
        changeAgain.delete(roomId);
        for (;;) {
          const room = store.room(roomId);
          if (!room) return;
          if (room.log.latest - room.log.seq > RESET_AFTER_CHANGES) {
            await startOver(room);
            break;
          }
          const page = await roomRequest(roomId, 'changes/', { query: { since: room.log.seq, limit: CHANGES_PAGE } });
          store.changesLoaded(roomId, page);
          if (!page.has_more || !page.messages.length) break;
        }
      } while (changeAgain.has(roomId));
    })().finally(() => changeRuns.delete(roomId));
    changeRuns.set(roomId, run);
    return run;
  }

  /** Too far behind to replay: the latest page of the open room, the preview and counts of others. */
  async function startOver(room) {
    if (!room.loaded && !room.loading) {
      await refreshRoom(room.id);
      return;
    }
    store.messagesReset(room.id);
    if (room.id === store.currentId) await loadFirstPage(room.id).catch(unlessGone);
  }

  /** The newest page of a room; one request at a time per room. */
  function loadFirstPage(roomId) {
    if (firstPages.has(roomId)) return firstPages.get(roomId);
    const request = (async () => {
      store.setLoading(roomId, true);
      try {
        store.firstPageLoaded(roomId, await roomRequest(roomId, 'messages/', { query: { limit: PAGE_SIZE } }));
        retried('first', roomId);
        // Changes the room's Room announced beyond what the page was read after.
        if (store.room(roomId)?.log.gap) catchUp(roomId).catch(unlessGone);
      } catch (error) {
        const transient = isTransient(error);
        store.setLoading(roomId, false, { failed: transient });
        if (transient) retryLater('first', roomId);
        throw error;
      }
    })().finally(() => firstPages.delete(roomId));
    firstPages.set(roomId, request);
    return request;
  }

  /** One page of older history; resolves true when a page arrived (the caller may want more). */
  async function loadOlder(roomId) {
    const room = store.room(roomId);
    if (!room || !room.loaded || !room.hasOlder || room.loadingOlder || room.oldestId === null) return false;
    store.setLoading(roomId, true, { older: true });
    let failed = false;
    try {
      store.olderPageLoaded(roomId, await roomRequest(roomId, 'messages/', { query: { before: room.oldestId, limit: PAGE_SIZE } }));
      retried('older', roomId);
      return true;
    } catch (error) {
      failed = isTransient(error);
      if (failed) retryLater('older', roomId);
      else if (error.status !== 404) store.toast(error.message);
      return false;
    } finally {
      store.setLoading(roomId, false, { older: true, failed });
    }
  }

  async function loadMembers(roomId) {
    try {
      store.membersLoaded(roomId, await roomRequest(roomId, 'members/'));
      retried('members', roomId);
    } catch (error) {
      if (isTransient(error)) retryLater('members', roomId);
      else if (error.status !== 404) store.toast(error.message);
    }
  }

  /**
   * Older history around a message (a reply's original, a search result): the page replaces the
   * room's timeline, and newer pages follow as the reader goes down. Resolves true when the page
   * has the message.
   */
  async function loadAround(roomId, messageId) {
    const page = await roomRequest(roomId, 'messages/', { query: { around: messageId, limit: PAGE_SIZE } });
    store.aroundPageLoaded(roomId, page);
    return page.results.some((message) => message.id === messageId);
  }

  /**
   * One page of newer history after a page around an older message; true when a page arrived.
   * A failure is tried again as the reader scrolls on (or jumps to the latest).
   */
  async function loadNewer(roomId) {
    const room = store.room(roomId);
    if (!room?.loaded || !room.hasNewer || room.loadingNewer) return false;
    store.setLoading(roomId, true, { newer: true });
    try {
      const after = store.newestLoadedId(roomId);
      store.newerPageLoaded(roomId, await roomRequest(roomId, 'messages/', { query: { after, limit: PAGE_SIZE } }));
      return true;
    } catch (error) {
      if (!isTransient(error) && error.status !== 404) store.toast(error.message);
      return false;
    } finally {
      store.setLoading(roomId, false, { newer: true });
    }
  }

  /**
   * The room as the server has it now: its preview and counts, after a deletion or an edit. One
   * request at a time per room; a call meanwhile asks once more after it (it may have been read
   * before the change that called).
   */
  function refreshRoom(roomId) {
    if (refreshes.has(roomId)) {
      refreshAgain.add(roomId);
      return refreshes.get(roomId);
    }
    const request = (async () => {
      do {
        refreshAgain.delete(roomId);
        const seenId = store.room(roomId)?.seenId;
        try {
          store.roomRefreshed(await roomRequest(roomId, ''), seenId);
        } catch {
          return; // the preview stays as it was; the next sync of the room list corrects it
        }
      } while (refreshAgain.has(roomId));
    })().finally(() => refreshes.delete(roomId));
    refreshes.set(roomId, request);
    return request;
  }

  /**
   * Bring this tab level with the database: the room list (membership, unread and mention counts,
   * previews, each room's latest change number), then the change log of every loaded room that
   * is behind, and the open room's members (presence frames sent while the tab was away are not
   * replayed). Runs on start and after every hello; calls that arrive while one runs fold into
   * one more pass.
   */
  function fullSync() {
    if (running) {
      runAgain = true;
      return running;
    }
    running = (async () => {
      do {
        runAgain = false;
        try {
          await syncRoomList();
          const current = store.currentRoom;
          if (current && !current.loaded) await loadFirstPage(current.id).catch(unlessGone);
          for (const room of [...store.rooms.values()]) {
            if (room.loaded && room.log.gap) await catchUp(room.id).catch(unlessGone);
            // The open room's members, and a direct room's two (its peer's presence shows in the list).
            if (room.members && (room.id === store.currentRoom?.id || room.data.kind === 'direct')) await loadMembers(room.id);
            else if (room.members) store.membersStale(room.id);
          }
        } catch (error) {
          if (error.status !== 0) throw error;
          // Unreachable: the next hello starts over.
        }
      } while (runAgain);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  // Opening a room loads what it shows; a passing failure is shown in the timeline and retried.
  store.on('current', ({ roomId }) => {
    const room = store.room(roomId);
    if (!room) return;
    if (!room.loaded) {
      loadFirstPage(roomId).catch((error) => {
        if (!isTransient(error) && error.status !== 404) store.toast(error.message);
      });
    }
    if (!room.members) loadMembers(roomId);
  });
  // The socket is back: so is the server, most likely. Waiting retries go now.
  store.on('connection', ({ state }) => {
    if (state === 'online') for (const kind of [...retries.keys()]) retryNow(kind);
  });
  // Pushes are best effort, and a lost one shows only when a later one comes: coming back to the
  // tab is a good moment to read the open room's change log.
  store.on('visibility', ({ visible }) => {
    const room = store.currentRoom;
    if (visible && room?.loaded) catchUp(room.id).catch(unlessGone);
  });
  // A push skipped a number: unless the missing one arrives meanwhile, the change log has it.
  store.on('changes.due', ({ roomId }) => {
    if (gapTimers.has(roomId)) return;
    gapTimers.set(roomId, timers.setTimeout(() => {
      gapTimers.delete(roomId);
      if (store.room(roomId)?.log.gap) catchUp(roomId).catch(() => {}); // a failure waits for the next hello
    }, GAP_WAIT_MS));
  });
  // A deletion or an edit of a message already counted: the server says what the counts are now.
  store.on('counts.stale', ({ roomId }) => {
    refreshRoom(roomId);
  });

  return { fullSync, catchUp, loadFirstPage, loadOlder, loadNewer, loadAround, loadMembers, refreshRoom, roomRequest };
}
