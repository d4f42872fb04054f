// The dialogs: create a room, join one with a code or link, one's profile (name, picture); and the top
// bar's avatar and name. The rest of the account dialog is account.js's.

import { avatarError, displayName, PEOPLE } from '../format.js';
import { gettext, interpolate } from '../i18n.js';
import { userAvatar } from './dom.js';
import { bindImagePreview, clearErrors, showErrors } from './forms.js';

export function mountDialogs({ store, commands, limits, el }) {
  const tooLarge = (file) => avatarError(file.size, limits);
  const clearCreateAvatar = bindImagePreview(el.createForm.elements.avatar, el.createAvatarPreview, tooLarge);
  const clearProfileAvatar = bindImagePreview(el.profileForm.elements.avatar, el.profileAvatarPreview, tooLarge);

  const renderMe = () => {
    el.meAvatar.replaceChildren(userAvatar(store.me, 'sm'));
    if (el.meName) el.meName.textContent = displayName(store.me);
  };
  renderMe();
  store.on('me', renderMe);

  for (const button of document.querySelectorAll('[data-open-dialog]')) {
    button.addEventListener('click', () => {
      const dialog = document.getElementById(button.dataset.openDialog);
      const form = dialog.querySelector('form');
      form.reset();
      clearErrors(form);
      if (form === el.createForm) clearCreateAvatar();
      if (form === el.profileForm) {
        clearProfileAvatar();
        form.elements.display_name.value = displayName(store.me);
      }
      dialog.showModal();
    });
  }
  for (const button of document.querySelectorAll('[data-close-dialog]')) {
    button.addEventListener('click', () => button.closest('dialog').close());
  }

  /** Submit a dialog's form through `action(form)`; close it on success, show the errors on failure. */
  function onSubmit(form, action) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const submit = form.querySelector('[type=submit]');
      submit.disabled = true;
      try {
        await action(form);
        form.closest('dialog').close();
      } catch (error) {
        showErrors(form, error);
      } finally {
        submit.disabled = false;
      }
    });
  }

  /** The form's fields, without an avatar input left empty. */
  function formData(form) {
    const data = new FormData(form);
    if (!data.get('avatar')?.size) data.delete('avatar');
    return data;
  }

  onSubmit(el.createForm, async (form) => {
    const room = await commands.createRoom(formData(form));
    clearCreateAvatar();
    store.openRoom(room.id);
  });
  onSubmit(el.joinForm, async (form) => {
    const room = await commands.joinRoom(inviteCodeFrom(form.elements.invite_code.value));
    store.openRoom(room.id);
    store.toast(interpolate(gettext('You joined %(room)s.'), { room: room.data.name }, true));
  });
  onSubmit(el.profileForm, async (form) => {
    const data = formData(form);
    // Only what changed: the name typed as it is now is no change (a blank one is, and is refused).
    if (data.get('display_name') === displayName(store.me)) data.delete('display_name');
    if (!data.has('avatar') && !data.has('display_name')) throw Object.assign(new Error(PEOPLE.nothingToSave), { data: null });
    await commands.updateProfile(data);
    clearProfileAvatar();
    store.toast(PEOPLE.nameSaved);
  });
}

/** The invite code in what was pasted: the code itself, or an invite link (…/join/<code>/). */
export function inviteCodeFrom(text) {
  const value = text.trim();
  const match = value.match(/\/join\/([^/?#\s]+)\/?(?:[?#].*)?$/);
  if (!match) return value;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
