// Managing the open room: the settings panel (name, description, picture, invite code, deletion)
// for those whose role allows it, and copying the invite code or leaving for everyone.

import { avatarError } from '../format.js';
import { gettext, interpolate } from '../i18n.js';
import { avatar, h } from './dom.js';
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
    invite.value = room.data.invite_code;
  }

  store.on('current', () => {
    if (store.currentRoom) fill(store.currentRoom);
  });
  store.on('room', ({ roomId }) => {
    const room = store.currentRoom;
    if (!room || room.id !== roomId) return;
    // Someone else's change must not overwrite what the person is typing.
    if (form.contains(document.activeElement)) invite.value = room.data.invite_code;
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
      invite.value = room.data.invite_code;
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

  async function copyInvite() {
    const room = store.currentRoom;
    if (!room) return;
    const code = room.data.invite_code;
    let copied = false;
    try {
      await navigator.clipboard.writeText(code);
      copied = true;
    } catch {
      // Clipboard API refused (insecure context, permission): the old way.
      const scratch = h('textarea', { class: 'visually-hidden', readonly: true });
      scratch.value = code;
      document.body.append(scratch);
      scratch.select();
      copied = document.execCommand('copy');
      scratch.remove();
    }
    store.toast(copied
      ? gettext('Invite code copied. Anyone with it can join this room.')
      : interpolate(gettext('Invite code: %(code)s'), { code }, true));
  }
  for (const button of el.copyButtons) button.addEventListener('click', copyInvite);
}
