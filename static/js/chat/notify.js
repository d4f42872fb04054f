// Desktop notifications of new messages while the tab is in the background. Which messages notify
// is one rule, shouldNotify(); the Notification API is the page's (ui/notifications.js), passed in
// as `show`, so that this runs under Node.

import { isDirect, personName } from './directs.js';
import { notificationText } from './format.js';
import { interpolate, ngettext } from './i18n.js';
import { mentionsUser } from './messages.js';

const DIRECT_BODY_MAX = 140; // code points: a line or two

/** A direct message's notification: from the person, with what they wrote ("3 new messages from bob" for more). */
export function directNotificationText(count, last) {
  const name = personName(last.author);
  const points = [...last.body.replace(/\s+/g, ' ').trim()];
  const body = points.length > DIRECT_BODY_MAX ? `${points.slice(0, DIRECT_BODY_MAX - 1).join('')}…` : points.join('');
  if (count === 1) return { title: name, body };
  return {
    title: interpolate(ngettext('%(count)s new message from %(name)s', '%(count)s new messages from %(name)s', count), { count, name }, true),
    body,
  };
}

/**
 * Whether a message in `room` (the API's Room, or null) speaks to the person `me` directly: it
 * mentions them, or it is in a direct room (`kind` "direct", protocol version 2; direct rooms
 * come with issue 14, and this is where they count).
 */
export function addressedTo(message, room, me) {
  return mentionsUser(message, me.id) || room?.kind === 'direct';
}

/**
 * Whether `message` should raise a desktop notification, given `state`: {me, visible (the tab is
 * in view), permission (the browser's: 'granted', 'denied' or 'default'), enabled (the person's
 * setting), room (the API's Room the message is in)}: a message of someone else addressed to the
 * person (a mention, a direct message) while the tab is hidden.
 */
export function shouldNotify(message, { me, visible, permission, enabled, room = null }) {
  return permission === 'granted' && enabled && !visible && message.author.id !== me.id && addressedTo(message, room, me);
}

/**
 * Show a notification for the messages shouldNotify() allows: one per room, which the next
 * replaces (its `tag` is the room's), counting what arrived since the tab was last in view. A burst
 * (a catch-up after a reconnect brings many at once) makes one notification, not one per message.
 * `settings()` gives {permission, enabled}; `show({roomId, tag, title, body})` returns a handle
 * with close(), or null. Coming back to the tab closes them.
 */
export function createNotifier({ store, settings, show, queueTask = queueMicrotask }) {
  const burst = new Map(); // room id -> the newest message of this burst
  const unseen = new Map(); // room id -> messages notified since the tab was in view
  const shown = new Map(); // room id -> handle

  function flush() {
    for (const [roomId, message] of burst) {
      const room = store.room(roomId);
      if (!room) continue;
      const text = isDirect(room.data)
        ? directNotificationText(unseen.get(roomId), message)
        : notificationText(room.data.name, unseen.get(roomId), message, store.me);
      const handle = show({ roomId, tag: `room-${roomId}`, ...text });
      if (handle) shown.set(roomId, handle);
    }
    burst.clear();
  }

  store.on('message.incoming', ({ roomId, message }) => {
    const room = store.room(roomId)?.data || null;
    if (!shouldNotify(message, { me: store.me, visible: store.visible, room, ...settings() })) return;
    if (!burst.size) queueTask(flush);
    burst.set(roomId, message);
    unseen.set(roomId, (unseen.get(roomId) || 0) + 1);
  });
  store.on('visibility', ({ visible }) => {
    if (!visible) return;
    for (const handle of shown.values()) handle.close();
    shown.clear();
    unseen.clear();
  });
}
