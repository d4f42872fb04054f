// The address bar follows the open room (/rooms/<id>/), and Back and Forward move between rooms.

/** The room id in a chat page's path, or null for the room list. */
export function roomIdFromPath(pathname) {
  const match = pathname.match(/\/rooms\/(\d+)\/$/);
  return match ? Number(match[1]) : null;
}

export function mountRouter({ store, roomsUrl, roomHref, backButton }) {
  store.on('current', ({ roomId, history: mode }) => {
    if (mode === 'none') return;
    const url = roomId ? roomHref(roomId) : roomsUrl;
    if (location.pathname !== url) history[mode === 'replace' ? 'replaceState' : 'pushState']({ roomId }, '', url);
  });
  window.addEventListener('popstate', () => store.openRoom(roomIdFromPath(location.pathname), { history: 'none' }));
  backButton.addEventListener('click', () => store.openRoom(null));
}
