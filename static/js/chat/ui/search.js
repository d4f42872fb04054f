// The search box in the top bar and its results (chat/search.js does the work). Ctrl+K (⌘K) or "/"
// focuses it, except while typing in a field. Results are links grouped by room, the matching words
// in <mark> (text nodes only: a body never becomes markup); ↓ from the box goes into them, ↑ ↓ move,
// Escape goes back to the box and then closes. Choosing one opens its room at that message, with
// the messages around it (history around=). A polite live region says how many were found.

import { gettext, interpolate, ngettext } from '../i18n.js';
import { personName } from '../directs.js';
import { createSearcher, excerpt, groupByRoom, highlightParts, QUERY_MAX_LENGTH } from '../search.js';
import { avatar, h, timeElement } from './dom.js';

const TYPING_PAUSE_MS = 250; // search as one types, once they pause

/** The parts of `text` as text nodes and <mark> elements. */
function highlighted(text, words) {
  return highlightParts(text, words).map((part) => (part.match ? h('mark', {}, part.text) : part.text));
}

function isTextField(node) {
  return Boolean(node?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

/**
 * `el`: {form, input, panel, status, results, more}. `jumpToMessage(roomId, messageId)` is the
 * timeline's; `sync.loadFirstPage` lets a room that was not loaded yet load before the jump.
 */
export function mountSearch({ store, api, sync, jumpToMessage, roomHref, el }) {
  const { form, input, panel, status, results, more } = el;
  input.maxLength = QUERY_MAX_LENGTH;
  input.placeholder = gettext('Search messages');
  input.setAttribute('aria-label', gettext('Search messages'));
  more.textContent = gettext('More results');

  const searcher = createSearcher({ api, onChange: render });
  let timer = null;

  function roomLabel(roomId) {
    const data = store.room(roomId)?.data;
    if (!data) return gettext('A room you left');
    return data.kind === 'direct' ? interpolate(gettext('Direct message with %(name)s'), { name: personName(data.peer) || data.name }, true) : data.name;
  }

  function resultItem(message, words) {
    const author = message.author;
    return h('li', { class: 'search-result' },
      h('a', {
        class: 'search-result-link', href: roomHref(message.room), dataset: { roomId: message.room, messageId: message.id },
      },
      avatar(personName(author), author.avatar, 'sm'),
      h('span', { class: 'search-result-main' },
        h('span', { class: 'search-result-meta' },
          h('span', { class: 'search-result-author' }, personName(author)),
          timeElement(message.created_at, 'search-result-time')),
        h('span', { class: 'search-result-text' }, highlighted(excerpt(message.body, words), words)))));
  }

  function render(state) {
    panel.hidden = !state.query;
    more.hidden = !state.hasMore;
    more.disabled = state.loading;
    if (state.error) status.textContent = state.error;
    else if (state.loading && !state.results.length) status.textContent = gettext('Searching…');
    else if (!state.results.length) status.textContent = interpolate(gettext('No messages match “%(query)s”.'), { query: state.query }, true);
    else {
      const count = state.results.length;
      status.textContent = state.hasMore
        ? interpolate(ngettext('%(count)s message found, more below', '%(count)s messages found, more below', count), { count }, true)
        : interpolate(ngettext('%(count)s message found', '%(count)s messages found', count), { count }, true);
    }
    const focusedId = document.activeElement?.closest?.('.search-result-link')?.dataset.messageId;
    results.replaceChildren(...groupByRoom(state.results).map(({ roomId, messages }) => {
      const headingId = `search-room-${roomId}`;
      return h('section', { class: 'search-group', 'aria-labelledby': headingId },
        h('h3', { class: 'search-group-name', id: headingId }, roomLabel(roomId)),
        h('ul', { class: 'search-group-results' }, messages.map((message) => resultItem(message, state.words))));
    }));
    if (focusedId) results.querySelector(`[data-message-id="${focusedId}"]`)?.focus();
  }

  function close({ clear = false } = {}) {
    panel.hidden = true;
    if (clear) {
      input.value = '';
      searcher.run('');
    }
  }

  function links() {
    return [...results.querySelectorAll('.search-result-link')];
  }

  async function open(roomId, messageId) {
    close();
    store.openRoom(roomId);
    if (store.currentId !== roomId) return; // a room this person is no longer in: the store says so
    try {
      if (!store.room(roomId)?.loaded) await sync.loadFirstPage(roomId);
    } catch {
      // the timeline shows the failure and tries again; the jump below loads the page it needs
    }
    await jumpToMessage(roomId, messageId);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => searcher.run(input.value), TYPING_PAUSE_MS);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    if (input.value.trim() && input.value.trim() === searcher.state.query) {
      panel.hidden = false;
      links()[0]?.focus();
    } else searcher.run(input.value);
  });
  input.addEventListener('focus', () => {
    if (searcher.state.query) panel.hidden = false;
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && links().length) {
      event.preventDefault();
      panel.hidden = false;
      links()[0].focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      if (!panel.hidden) close();
      else close({ clear: true });
    }
  });
  results.addEventListener('keydown', (event) => {
    const all = links();
    const index = all.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: all.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      if (moves[event.key] < 0) input.focus();
      else all[Math.min(all.length - 1, moves[event.key])].focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      input.focus();
    }
  });
  results.addEventListener('click', (event) => {
    const link = event.target.closest('.search-result-link');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(Number(link.dataset.roomId), Number(link.dataset.messageId));
  });
  more.addEventListener('click', () => searcher.more());
  // A click or the focus elsewhere puts the results away (the query stays for the next focus).
  document.addEventListener('pointerdown', (event) => {
    if (!panel.hidden && !form.contains(event.target) && !panel.contains(event.target)) close();
  });
  panel.addEventListener('focusout', (event) => {
    if (event.relatedTarget && !panel.contains(event.relatedTarget) && event.relatedTarget !== input) close();
  });

  // Ctrl+K or ⌘K anywhere; "/" unless typing somewhere.
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const shortcut = (event.key === 'k' || event.key === 'K') && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
    const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTextField(event.target)
      && !event.target.closest?.('dialog, [popover]');
    if (!shortcut && !slash) return;
    event.preventDefault();
    input.focus();
    input.select();
  });
}
