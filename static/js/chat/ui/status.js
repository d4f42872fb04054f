// The connection banner and the status line (toasts): what the person is told about the page itself.

import { removalText } from '../format.js';
import { gettext } from '../i18n.js';

export function mountStatus({ store, el, onReconnect }) {
  const { shell, banner, bannerText, toast } = el;

  store.on('connection', ({ state }) => {
    shell.dataset.socket = state;
    if (state === 'online') {
      banner.hidden = true;
      shell.classList.remove('is-offline');
      return;
    }
    if (state === 'connecting') {
      if (!banner.hidden) bannerText.textContent = gettext('Reconnecting…');
      return;
    }
    banner.hidden = false;
    shell.classList.add('is-offline');
    bannerText.textContent = store.connection.everOnline
      ? gettext('Connection lost. Reconnecting… Messages you send now go out once it is back.')
      : gettext('Cannot reach the chat server. Retrying…');
  });
  el.reconnectButton.addEventListener('click', onReconnect);

  let toastTimer = null;
  function show(text) {
    clearTimeout(toastTimer);
    toast.textContent = text;
    toastTimer = setTimeout(() => {
      toast.textContent = '';
    }, 5000);
  }
  store.on('toast', ({ text }) => show(text));
  store.on('room.removed', ({ name, reason, wasCurrent }) => {
    if (wasCurrent) show(removalText(reason, name));
  });
  store.on('room.unavailable', () => show(gettext('That room is not available.')));
}
