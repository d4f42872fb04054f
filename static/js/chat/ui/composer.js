// Writing: the composer (Enter sends, Shift+Enter adds a line; a draft per room, kept by the store
// as it is typed, so that switching rooms or reloading the page loses none) and the line that says
// who else is typing. Version 2: the composer also replies ("Replying to …", with Cancel; the
// send carries `reply_to`) and edits one's own message ("Editing your message": Enter saves,
// Escape cancels, ↑ in an empty composer edits one's last message; the edit stays in the composer
// until the server has it, so a refused one keeps its text), and `@` offers the room's members
// (a listbox the arrow keys move in, announced through aria-activedescendant; Enter or Tab picks).

import {
  bodyError, changeErrorText, COMPOSER_MODES, displayName, firstWords, MENTION_LIST_LABEL, replyingText, typingText,
} from '../format.js';
import { insertMention, mentionAt, mentionChoices } from '../mentions.js';
import { h, userAvatar } from './dom.js';

export function mountComposer({ store, commands, limits, el, finePointer, scrollToBottom }) {
  const { composer, input, error, typing, context, contextText, contextDetail, contextCancel, mentionList } = el;
  let shown = null; // what the input holds: 'edit:<room>:<message>' or 'draft:<room>'

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  // --- Replying and editing: the line above the input ------------------------------------------

  function renderContext() {
    const room = store.currentRoom;
    const edit = room && store.editing(room.id);
    const reply = room && store.replyTarget(room.id);
    context.hidden = !edit && !reply;
    context.classList.toggle('composer-context--edit', Boolean(edit));
    if (edit) {
      contextText.textContent = COMPOSER_MODES.editing;
      const change = edit.clientId && store.changes.get(edit.clientId);
      contextDetail.textContent = change ? (change.status === 'waiting' ? COMPOSER_MODES.waiting : COMPOSER_MODES.saving) : COMPOSER_MODES.editHint;
      contextCancel.setAttribute('aria-label', COMPOSER_MODES.cancelEdit);
      contextCancel.title = COMPOSER_MODES.cancelEdit;
    } else if (reply) {
      contextText.textContent = replyingText(reply);
      contextDetail.textContent = firstWords(reply.excerpt, 80);
      contextCancel.setAttribute('aria-label', COMPOSER_MODES.cancelReply);
      contextCancel.title = COMPOSER_MODES.cancelReply;
    }
  }

  /** Put the room's edit, or its draft, in the input when the composer changes mode. */
  function syncInput() {
    const room = store.currentRoom;
    if (!room) return;
    const edit = store.editing(room.id);
    const wanted = edit ? `edit:${room.id}:${edit.messageId}` : `draft:${room.id}`;
    if (wanted === shown) return;
    shown = wanted;
    input.value = edit ? edit.text : store.draft(room.id);
    input.setSelectionRange(input.value.length, input.value.length);
  }

  function cancelEdit() {
    store.editEnded(store.currentId);
    showError('');
  }

  function startEditingLast() {
    const room = store.currentRoom;
    // One's last message may still be on its way: not the one before it, then, but none.
    const message = room && !store.pendingIn(room.id).length && store.lastOwnMessage(room.id);
    if (!message) return false;
    store.editStarted(room.id, message.id, message.body);
    return true;
  }

  contextCancel.addEventListener('click', () => {
    if (store.editing(store.currentId)) cancelEdit();
    else store.setReply(store.currentId, null);
    input.focus();
  });

  // --- Mentions: the list of people ----------------------------------------------------------------

  let mention = null; // {start, query, choices, active} while the list shows
  mentionList.setAttribute('aria-label', MENTION_LIST_LABEL);

  function closeMentions() {
    mention = null;
    mentionList.hidden = true;
    mentionList.replaceChildren();
    input.removeAttribute('aria-activedescendant');
  }

  function renderMentions() {
    mentionList.replaceChildren(...mention.choices.map((user, index) => h('li', {
      id: `mention-option-${user.id}`, role: 'option', class: 'mention-option', 'aria-selected': String(index === mention.active),
      dataset: { index },
    }, userAvatar(user, 'sm'), h('span', { dir: 'auto' }, displayName(user)),
    displayName(user) !== user.username ? h('span', { class: 'mention-option-username' }, `@${user.username}`) : null)));
    mentionList.hidden = false;
    input.setAttribute('aria-activedescendant', `mention-option-${mention.choices[mention.active].id}`);
    mentionList.children[mention.active].scrollIntoView({ block: 'nearest' });
  }

  /** Offer the members whose name the `@word` at the caret starts, or close the list. */
  function updateMentions() {
    const room = store.currentRoom;
    const found = room?.members && input.selectionStart === input.selectionEnd && mentionAt(input.value, input.selectionStart);
    const choices = found ? mentionChoices([...room.members.values()], found.query, { meId: store.me.id }) : [];
    if (!choices.length) {
      closeMentions();
      return;
    }
    const keep = mention && mention.start === found.start ? choices.findIndex((user) => user.id === mention.choices[mention.active]?.id) : -1;
    mention = { ...found, choices, active: Math.max(0, keep) };
    renderMentions();
  }

  function pickMention(index) {
    const user = mention.choices[index];
    const result = insertMention(input.value, mention, input.selectionStart, user.username);
    closeMentions();
    input.value = result.text;
    input.setSelectionRange(result.caret, result.caret);
    textChanged();
  }

  mentionList.addEventListener('mousedown', (event) => event.preventDefault()); // keep the focus in the input
  mentionList.addEventListener('click', (event) => {
    const option = event.target.closest('[role="option"]');
    if (option && mention) pickMention(Number(option.dataset.index));
  });
  input.addEventListener('blur', closeMentions);
  input.addEventListener('click', updateMentions);

  // --- Typing and sending -----------------------------------------------------------------------------

  function textChanged() {
    showError('');
    const roomId = store.currentId;
    if (store.editing(roomId)) {
      store.editChanged(roomId, { text: input.value });
      return;
    }
    store.setDraft(roomId, input.value);
    commands.noteTyping(roomId, input.value);
  }

  input.addEventListener('keydown', (event) => {
    if (event.isComposing) return;
    if (mention) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        mention.active = (mention.active + moves[event.key] + mention.choices.length) % mention.choices.length;
        renderMentions();
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || (event.key === 'Tab' && !event.shiftKey)) {
        event.preventDefault();
        pickMention(mention.active);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        closeMentions();
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    } else if (event.key === 'ArrowUp' && !input.value && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      if (!store.editing(store.currentId) && startEditingLast()) event.preventDefault();
    } else if (event.key === 'Escape' && !event.shiftKey) {
      if (store.editing(store.currentId)) cancelEdit();
      else if (store.replyTarget(store.currentId)) store.setReply(store.currentId, null);
      else return; // the timeline's: back to the latest
      event.preventDefault();
    }
  });
  input.addEventListener('input', () => {
    textChanged();
    updateMentions();
  });
  input.addEventListener('keyup', (event) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) updateMentions();
  });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = store.currentRoom;
    if (!room) return;
    const body = input.value.trim();
    const edit = store.editing(room.id);
    const problem = body ? bodyError(body, limits) : edit ? COMPOSER_MODES.emptyEdit : null;
    if (problem) {
      showError(problem);
      return;
    }
    if (edit) {
      if (body === room.messages.get(edit.messageId)?.body) cancelEdit(); // nothing changed: nothing to save
      else commands.saveEdit(room.id, body);
      return;
    }
    if (!body) return;
    commands.sendMessage(room.id, body);
    input.value = ''; // the pending message holds the text now (and persist.js keeps it)
    store.setDraft(room.id, '');
    scrollToBottom();
  });

  // --- The store's events -------------------------------------------------------------------------------

  store.on('current', () => {
    const room = store.currentRoom;
    closeMentions();
    if (!room) return;
    shown = null; // whatever the room holds goes in
    syncInput();
    showError('');
    renderContext();
    if (finePointer.matches) input.focus();
  });
  store.on('edit', ({ roomId, deleted }) => {
    if (roomId !== store.currentId) return;
    syncInput();
    renderContext();
    if (deleted) showError(COMPOSER_MODES.editedMessageDeleted);
  });
  store.on('reply', ({ roomId, deleted }) => {
    if (roomId !== store.currentId) return;
    renderContext();
    if (deleted) showError(COMPOSER_MODES.repliedMessageDeleted);
  });
  store.on('change', ({ roomId, clientId }) => {
    if (roomId === store.currentId && store.editing(roomId)?.clientId === clientId) renderContext();
  });
  store.on('change.failed', ({ change, code, detail }) => {
    if (change.kind !== 'edit') return;
    const text = changeErrorText(change, code, detail);
    const edit = store.editing(change.room);
    if (edit?.clientId === change.client_id) {
      store.editChanged(change.room, { clientId: null }); // still editing, with the text kept
      if (change.room === store.currentId) {
        showError(text);
        return;
      }
    }
    store.toast(text);
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
