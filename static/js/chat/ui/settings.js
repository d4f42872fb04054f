// Managing the open room: the settings panel (name, description, picture, invite link, bans,
// deletion) for those whose role allows it, and copying the invite link or leaving for everyone.

import { avatarError, displayName, PEOPLE } from '../format.js';
import { gettext, interpolate } from '../i18n.js';
import { avatar, h, userAvatar } from './dom.js';
import { bindImagePreview, clearErrors, confirmAction, showErrors } from './forms.js';

export function mountRoomSettings({ store, commands, limits, el }) {
  const { form, avatarPreview, newAvatar, invite, confirmDialog } = el;
  const clearNewAvatar = bindImagePreview(form.elements.avatar, newAvatar, (file) => avatarError(file.size, limits));

  function fill(room) {
    clearErrors(form);
    form.elements.name.value = room.data.name;
    form.elements.description.value = room.data.description;
    clearNewAvatar();
    avatarPreview.replaceChildren(avatar(room.data.name, room.data.avatar, 'lg'));
    invite.value = inviteLink(room);
  }

  store.on('current', () => {
    if (store.currentRoom) fill(store.currentRoom);
  });
  store.on('room', ({ roomId }) => {
    const room = store.currentRoom;
    if (!room || room.id !== roomId) return;
    // Someone else's change must not overwrite what the person is typing.
    if (form.contains(document.activeElement)) invite.value = inviteLink(room);
    else fill(room);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const room = store.currentRoom;
    if (!room) return;
    clearErrors(form);
    const data = new FormData(form);
    if (!data.get('avatar')?.size) data.delete('avatar');
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await commands.updateRoom(room.id, data);
      fill(room);
      store.toast(gettext('Room settings saved.'));
    } catch (error) {
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  });

  /** Ask first, then run `action(room)`; its failure is told in the status line. */
  function confirmed(question, action) {
    return async () => {
      const room = store.currentRoom;
      if (!room) return;
      if (!await confirmAction(confirmDialog, question(room))) return;
      try {
        await action(room);
      } catch (error) {
        store.toast(error.message);
      }
    };
  }

  el.rotateButton.addEventListener('click', confirmed(
    () => ({
      title: gettext('Rotate the invite code?'), text: gettext('The current code stops working at once.'), confirmLabel: gettext('Rotate'),
    }),
    async (room) => {
      await commands.rotateInvite(room.id);
      invite.value = inviteLink(room);
      store.toast(gettext('New invite code ready. The old one no longer works.'));
    },
  ));
  el.deleteButton.addEventListener('click', confirmed(
    (room) => ({
      title: interpolate(gettext('Delete %(room)s?'), { room: room.data.name }, true),
      text: gettext('Every message in it is deleted for everyone. This cannot be undone.'),
      confirmLabel: gettext('Delete room'),
    }),
    (room) => commands.deleteRoom(room.id),
  ));
  el.leaveButton.addEventListener('click', confirmed(
    (room) => ({
      title: interpolate(gettext('Leave %(room)s?'), { room: room.data.name }, true),
      text: gettext('You can come back with an invite code.'),
      confirmLabel: gettext('Leave'),
    }),
    (room) => commands.leaveRoom(room.id),
  ));

  async function copyInvite(event) {
    const button = event.currentTarget; // gone from the event once it has been dispatched
    const room = store.currentRoom;
    if (!room) return;
    const link = inviteLink(room);
    let copied = false;
    try {
      await navigator.clipboard.writeText(link);
      copied = true;
    } catch {
      // Clipboard API refused (insecure context, permission): the old way.
      const scratch = h('textarea', { class: 'visually-hidden', readonly: true });
      scratch.value = link;
      document.body.append(scratch);
      scratch.select();
      copied = document.execCommand('copy');
      scratch.remove();
    }
    // The toast (a polite live region) says it; the button shows "Copied" for a moment.
    store.toast(copied ? PEOPLE.inviteCopied : link);
    const label = button.querySelector('[data-copy-label]');
    if (copied && label) {
      const before = label.dataset.text || label.textContent;
      label.dataset.text = before;
      label.textContent = PEOPLE.copied;
      setTimeout(() => {
        label.textContent = before;
      }, 2000);
    }
  }
  for (const button of el.copyButtons) button.addEventListener('click', copyInvite);

  // --- Bans: who may not come back, and Unban ---------------------------------------------------

  const { banList } = el;
  let bansShownFor = null;

  function banItem(room, ban) {
    const name = displayName(ban.user);
    return h('li', { class: 'member ban', dataset: { userId: ban.user.id } },
      h('span', { class: 'member-avatar' }, userAvatar(ban.user, 'sm')),
      h('span', { class: 'member-main' },
        h('span', { class: 'member-name', dir: 'auto', title: `@${ban.user.username}` }, name),
        ban.banned_by ? h('span', { class: 'member-meta' }, interpolate(PEOPLE.bannedBy, { name: displayName(ban.banned_by) }, true)) : null),
      h('span', { class: 'member-actions' }, h('button', {
        type: 'button', class: 'button button--small', 'aria-label': `${PEOPLE.unban} ${name}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          try {
            await commands.unban(room.id, ban.user.id);
            store.toast(interpolate(PEOPLE.unbanned, { name }, true));
            await showBans(room);
            banList.querySelector('button')?.focus();
          } catch (error) {
            store.toast(error.message);
            button.disabled = false;
          }
        },
      }, PEOPLE.unban)));
  }

  async function showBans(room) {
    bansShownFor = room.id;
    if (!store.canManage(room)) {
      banList.replaceChildren();
      return;
    }
    if (!banList.children.length) banList.replaceChildren(h('li', { class: 'member-loading' }, PEOPLE.loadingBans));
    try {
      const bans = await commands.bans(room.id);
      if (bansShownFor !== room.id) return; // another room opened meanwhile
      banList.replaceChildren(...(bans.length ? bans.map((ban) => banItem(room, ban)) : [h('li', { class: 'muted' }, PEOPLE.noBans)]));
    } catch (error) {
      banList.replaceChildren(h('li', { class: 'muted' }, error.message));
    }
  }

  // Read when the panel opens (bans change rarely, and only owners and admins see them).
  store.on('panel', ({ panel }) => {
    if (panel === 'settings' && store.currentRoom) showBans(store.currentRoom);
  });
  store.on('current', () => {
    banList.replaceChildren();
    if (store.panel === 'settings' && store.currentRoom) showBans(store.currentRoom);
  });
  store.on('notice', ({ roomId, notice }) => {
    // Someone was banned from the open room while the panel shows: the list grows.
    if (notice.reason === 'banned' && store.panel === 'settings' && store.currentId === roomId) showBans(store.currentRoom);
  });
}

/**
 * The room's invite link, absolute: the server's `invite_url` (a pushed frame may carry only its
 * path), or, once the code was replaced here and the push has not come yet, one made from the code.
 */
function inviteLink(room) {
  const code = encodeURIComponent(room.data.invite_code);
  const url = room.data.invite_url?.endsWith(`/join/${code}/`) ? room.data.invite_url : `/join/${code}/`;
  return new URL(url, globalThis.location?.href).href;
}
