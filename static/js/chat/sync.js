// Keeping this tab level with the server, which is the record (docs/reliability.md): pushes are
// best effort, so every (re)connect, and a tab coming back into view, fetches what was missed by id
// (`rooms/{id}/messages/?after=<last id>`), and the store merges it by id. Also the other reads of
// the page (the first page of a room, older history, members) and the reconnect backoff. A read of
// the open room that fails for a passing reason (the server unreachable or restarting) is tried
// again by itself: at once when the socket is back, else after a backoff. No "failed" state sticks.

export const PAGE_SIZE = 50; // messages per history page
export const CATCH_UP_PAGE = 200; // the API's largest page
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

  /** Fetch every message after the last one the API gave this tab, page by page. */
  async function catchUp(roomId) {
    for (;;) {
      const room = store.room(roomId);
      if (!room) return;
      const page = await roomRequest(roomId, 'messages/', { query: { after: room.syncedId, limit: CATCH_UP_PAGE } });
      store.caughtUp(roomId, page.results);
      if (!page.has_more || !page.results.length) return;
    }
  }

  /** The newest page of a room; one request at a time per room. */
  function loadFirstPage(roomId) {
    if (firstPages.has(roomId)) return firstPages.get(roomId);
    const request = (async () => {
      store.setLoading(roomId, true);
      try {
        store.firstPageLoaded(roomId, await roomRequest(roomId, 'messages/', { query: { limit: PAGE_SIZE } }));
        retried('first', roomId);
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

  /** The room as the server has it now; after a deletion, for its preview. */
  async function refreshRoom(roomId) {
    try {
      const data = await roomRequest(roomId, '');
      store.roomChanged(roomId, { last_message: data.last_message });
    } catch {
      // The preview stays as it was; the next sync of the room list corrects it.
    }
  }

  /**
   * Bring this tab level with the database: the room list (membership, unread counts, previews),
   * then every loaded room's messages after the last one fetched, and the open room's members
   * (presence frames sent while the tab was away are not replayed). Runs on start and after every
   * hello; calls that arrive while one runs fold into one more pass.
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
            if (room.loaded) await catchUp(room.id).catch(unlessGone);
            if (room.members && room.id === store.currentRoom?.id) await loadMembers(room.id);
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
  // Pushes are best effort: coming back to the tab is a good moment to catch up by id.
  store.on('visibility', ({ visible }) => {
    const room = store.currentRoom;
    if (visible && room?.loaded) catchUp(room.id).catch(unlessGone);
  });

  return { fullSync, catchUp, loadFirstPage, loadOlder, loadMembers, refreshRoom, roomRequest };
}
