// Writing: the composer (Enter sends, Shift+Enter adds a line; a draft per room, kept by the store
// as it is typed, so that switching rooms or reloading the page loses none) and the line that says
// who else is typing.

import { bodyError, typingText } from '../format.js';

export function mountComposer({ store, commands, limits, el, finePointer, scrollToBottom }) {
  const { composer, input, error, typing } = el;

  store.on('current', () => {
    const room = store.currentRoom;
    if (!room) return;
    input.value = store.draft(room.id);
    error.hidden = true;
    if (finePointer.matches) input.focus();
  });

  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    error.hidden = true;
    store.setDraft(store.currentId, input.value);
    commands.noteTyping(store.currentId, input.value);
  });
  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = store.currentRoom;
    const body = input.value.trim();
    if (!room || !body) return;
    const problem = bodyError(body, limits);
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
      return;
    }
    commands.sendMessage(room.id, body);
    input.value = ''; // the pending message holds the text now (and persist.js keeps it)
    store.setDraft(room.id, '');
    scrollToBottom();
  });

  let typingTimer = null;
  function renderTyping() {
    clearTimeout(typingTimer);
    const users = store.typingUsers(store.currentId);
    typing.textContent = typingText(users);
    const expiresAt = store.typingExpiresAt(store.currentId);
    if (expiresAt !== null) typingTimer = setTimeout(renderTyping, expiresAt - store.now() + 50);
  }
  store.on('current', renderTyping);
  store.on('typing', ({ roomId }) => {
    if (roomId === store.currentId) renderTyping();
  });
}
