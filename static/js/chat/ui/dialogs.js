// The dialogs: create a room, join one with a code, change one's picture; and the top bar's avatar.

import { avatarError, displayName } from '../format.js';
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
      if (form === el.profileForm) clearProfileAvatar();
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
    const room = await commands.joinRoom(form.elements.invite_code.value.trim());
    store.openRoom(room.id);
    store.toast(`You joined ${room.data.name}.`);
  });
  onSubmit(el.profileForm, async (form) => {
    const data = formData(form);
    if (!data.has('avatar')) throw Object.assign(new Error('Choose a picture first.'), { data: null });
    await commands.updateProfile(data);
    clearProfileAvatar();
    store.toast('Your picture is updated.');
  });
}
