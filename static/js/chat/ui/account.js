// The "Your account" dialog beyond the profile (dialogs.js): hand a room one owns over to another
// member, and delete one's account, each after a confirmation that says what will happen.

import { displayName, PEOPLE } from '../format.js';
import { interpolate } from '../i18n.js';
import { h } from './dom.js';
import { clearErrors, confirmAction, showErrors } from './forms.js';

export function mountAccount({ store, commands, el, onDeleted }) {
  const { dialog, handoverForm, deleteForm, confirmDialog } = el;
  const roomSelect = handoverForm.elements.room;
  const ownerSelect = handoverForm.elements.owner;
  const handoverSubmit = handoverForm.querySelector('[type=submit]');

  const ownedRooms = () => store.orderedRooms().filter((room) => room.data.role === 'owner');

  function option(value, text) {
    return h('option', { value: String(value) }, text);
  }

  /** The members of the chosen room who could take it over (everyone but the owner). */
  async function fillMembers() {
    const roomId = Number(roomSelect.value);
    ownerSelect.replaceChildren();
    handoverSubmit.disabled = true;
    if (!roomId) return;
    const room = store.room(roomId);
    let members = room?.members ? [...room.members.values()] : null;
    if (!members) {
      ownerSelect.replaceChildren(option('', PEOPLE.loadingBans));
      try {
        members = await commands.membersOf(roomId);
      } catch (error) {
        showErrors(handoverForm, error);
        return;
      }
      if (Number(roomSelect.value) !== roomId) return; // another room chosen meanwhile
    }
    const others = members.filter((member) => member.user.id !== store.me.id)
      .sort((a, b) => displayName(a.user).localeCompare(displayName(b.user)));
    if (!others.length) {
      ownerSelect.replaceChildren(option('', PEOPLE.noOtherMembers));
      return;
    }
    ownerSelect.replaceChildren(option('', PEOPLE.chooseMember),
      ...others.map((member) => option(member.user.id, `${displayName(member.user)} (@${member.user.username})`)));
    handoverSubmit.disabled = false;
  }

  function fillRooms() {
    clearErrors(handoverForm);
    const rooms = ownedRooms();
    roomSelect.disabled = !rooms.length;
    roomSelect.replaceChildren(...(rooms.length
      ? rooms.map((room) => option(room.id, room.data.name))
      : [option('', PEOPLE.noOwnedRooms)]));
    if (store.currentRoom?.data.role === 'owner') roomSelect.value = String(store.currentId);
    fillMembers();
  }

  // Filled each time the dialog opens (dialogs.js resets the profile form).
  for (const button of document.querySelectorAll(`[data-open-dialog="${dialog.id}"]`)) {
    button.addEventListener('click', () => {
      fillRooms();
      deleteForm.reset();
      clearErrors(deleteForm);
    });
  }
  roomSelect.addEventListener('change', fillMembers);

  handoverForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(handoverForm);
    const room = store.room(Number(roomSelect.value));
    const member = room?.members?.get(Number(ownerSelect.value));
    if (!room || !member) {
      showErrors(handoverForm, { message: PEOPLE.chooseMember, data: { owner: [PEOPLE.chooseMember] } });
      return;
    }
    const words = { room: room.data.name, name: displayName(member.user) };
    const question = {
      title: interpolate(PEOPLE.handOverTitle, words, true),
      text: interpolate(PEOPLE.handOverText, words, true),
      confirmLabel: PEOPLE.handOverConfirm,
    };
    if (!await confirmAction(confirmDialog, question)) return;
    handoverSubmit.disabled = true;
    try {
      await commands.handOver(room.id, member.user.id);
      store.toast(interpolate(PEOPLE.handedOver, words, true));
      fillRooms();
    } catch (error) {
      showErrors(handoverForm, error);
      handoverSubmit.disabled = false;
    }
  });

  deleteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(deleteForm);
    const password = deleteForm.elements.password.value;
    const erase = deleteForm.elements.erase_messages.checked;
    if (!password) {
      showErrors(deleteForm, { message: '', data: { password: [deleteForm.elements.password.validationMessage] } });
      deleteForm.elements.password.focus();
      return;
    }
    const question = {
      title: PEOPLE.deleteTitle,
      text: `${PEOPLE.deleteText} ${erase ? PEOPLE.deleteErase : PEOPLE.deleteKeep}`,
      confirmLabel: PEOPLE.deleteConfirm,
    };
    if (!await confirmAction(confirmDialog, question)) return;
    const submit = deleteForm.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      await commands.deleteAccount(password, erase);
      onDeleted();
    } catch (error) {
      submit.disabled = false;
      if (Array.isArray(error.data?.rooms)) {
        const rooms = error.data.rooms.map((room) => room.name).join(', ');
        showErrors(deleteForm, { message: interpolate(PEOPLE.ownsRooms, { rooms }, true), data: null });
      } else {
        showErrors(deleteForm, error);
      }
    }
  });
}
