// Desktop notifications: the toggle in the top bar (the browser asks for permission only when it is
// pressed, never on load) and the notifications themselves, through the browser's Notification API.
// Which messages notify is chat/notify.js's rule; the person's choice is kept per user in storage.

import { NOTIFICATIONS_LABEL, notificationsHint } from '../format.js';
import { createNotifier } from '../notify.js';

const SETTING = 'setting:notifications'; // 'off' once the person turned them off

/** `local`: the user's storage (persist.js UserStorage); `button`: the toggle, hidden until supported. */
export function mountNotifications({ store, local, button }) {
  const Api = window.Notification;
  if (!Api) return; // not in this browser (or not in an insecure context on some): no button
  const enabled = () => local.get(SETTING) !== 'off';
  const settings = () => ({ permission: Api.permission, enabled: enabled() });

  function render() {
    const state = settings();
    button.hidden = false;
    button.setAttribute('aria-label', NOTIFICATIONS_LABEL);
    button.setAttribute('aria-pressed', String(state.permission === 'granted' && state.enabled));
    button.setAttribute('aria-disabled', String(state.permission === 'denied'));
    button.title = notificationsHint(state);
  }

  button.addEventListener('click', async () => {
    const { permission } = settings();
    if (permission === 'denied') {
      store.toast(notificationsHint(settings()));
      return;
    }
    if (permission === 'granted') {
      local.set(SETTING, enabled() ? 'off' : 'on');
    } else if (await Api.requestPermission() === 'granted') {
      local.set(SETTING, 'on');
    }
    render();
  });
  // The person may change the permission in the browser's settings meanwhile.
  store.on('visibility', render);

  createNotifier({
    store,
    settings,
    show: ({ roomId, tag, title, body }) => {
      let notification;
      try {
        notification = new Api(title, { body, tag, renotify: true });
      } catch {
        return null; // Android's Chrome allows them from a service worker only
      }
      notification.addEventListener('click', () => {
        window.focus();
        store.openRoom(roomId);
        notification.close();
      });
      return notification;
    },
  });
  render();
}
