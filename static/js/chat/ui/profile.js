// A person's card: their picture, name, username and presence, with "Message" to open (or start)
// the direct conversation with them. Any element with `data-profile="<user id>"` opens it: a
// message's author and avatar, a member of the list (message.js, members.js); the card finds who
// it is from what the tab knows (directs.js knownUser). It is a popover by
// the element that opened it: Escape or a click elsewhere closes it (light dismiss), and the focus
// goes back to that element. All the card's parts are here, so that it can grow (display names...).

import { knownUser, personName, presenceOf } from '../directs.js';
import { gettext, interpolate } from '../i18n.js';
import { avatar, h } from './dom.js';

/** `el`: {card (a [popover] element)}. */
export function mountProfileCard({ store, commands, el }) {
  const { card } = el;
  let opener = null;

  function presenceText(online) {
    if (online === null) return null;
    return online ? gettext('Online') : gettext('Offline');
  }

  function render(user) {
    const name = personName(user);
    const online = presenceOf(store, user.id);
    const isMe = user.id === store.me.id;
    card.replaceChildren(
      h('div', { class: 'profile-card-head' },
        h('span', { class: 'profile-card-avatar' },
          avatar(name, user.avatar, 'lg'),
          online === null ? null : h('span', { class: `presence${online ? ' is-online' : ''}`, 'aria-hidden': 'true' })),
        h('div', { class: 'profile-card-names' },
          h('h2', { class: 'profile-card-name', id: 'profile-card-name' }, name),
          h('p', { class: 'profile-card-username' }, `@${user.username}`),
          online === null ? null : h('p', { class: `profile-card-presence${online ? ' is-online' : ''}` }, presenceText(online)))),
      isMe
        ? h('p', { class: 'profile-card-note muted' }, gettext('This is you.'))
        : h('div', { class: 'profile-card-actions' },
          h('button', {
            type: 'button', class: 'button button--primary button--small', dataset: { profileMessage: user.id },
            'aria-label': interpolate(gettext('Message %(name)s'), { name }, true),
          }, gettext('Message'))));
  }

  /** Put the card next to `anchor`, below it or above when there is no room, inside the window. */
  function place(anchor) {
    const box = anchor.getBoundingClientRect();
    const width = card.offsetWidth;
    const height = card.offsetHeight;
    const below = box.bottom + 6 + height <= window.innerHeight;
    card.style.top = `${Math.max(8, below ? box.bottom + 6 : box.top - 6 - height)}px`;
    card.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, box.left))}px`;
  }

  function open(anchor, user) {
    if (card.matches(':popover-open')) card.hidePopover();
    opener = anchor;
    render(user);
    card.showPopover();
    place(anchor);
    (card.querySelector('[data-profile-message]') || card).focus();
  }

  card.setAttribute('role', 'dialog');
  card.setAttribute('aria-labelledby', 'profile-card-name');
  card.tabIndex = -1;

  document.addEventListener('click', (event) => {
    const trigger = event.target.closest?.('[data-profile]');
    if (!trigger || card.contains(trigger)) return;
    const user = knownUser(store, Number(trigger.dataset.profile));
    if (!user) return;
    event.preventDefault();
    open(trigger, user);
  });
  card.addEventListener('click', async (event) => {
    const button = event.target.closest('[data-profile-message]');
    if (!button) return;
    button.disabled = true;
    try {
      opener = null; // the conversation takes the focus, not the element that opened the card
      card.hidePopover();
      await commands.openDirect(Number(button.dataset.profileMessage));
      document.getElementById('composer-input')?.focus();
    } catch (error) {
      store.toast(error.message);
    } finally {
      button.disabled = false;
    }
  });
  card.addEventListener('toggle', (event) => {
    if (event.newState !== 'closed') return;
    if (opener?.isConnected) opener.focus({ preventScroll: true });
    opener = null;
  });
  // Tabbing out closes it (light dismiss covers clicks and Escape).
  card.addEventListener('focusout', (event) => {
    if (card.matches(':popover-open') && event.relatedTarget && !card.contains(event.relatedTarget)) {
      opener = null;
      card.hidePopover();
    }
  });
  // Presence and names may change while it is open.
  store.on('members', () => {
    const id = Number(card.querySelector('[data-profile-message]')?.dataset.profileMessage);
    if (card.matches(':popover-open') && id) {
      const user = knownUser(store, id);
      if (!user) return;
      const hadFocus = card.contains(document.activeElement);
      render(user);
      if (hadFocus) (card.querySelector('[data-profile-message]') || card).focus();
    }
  });

  return { open };
}
