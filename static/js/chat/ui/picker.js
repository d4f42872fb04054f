// The reaction picker: a small popover by the message, with a search field and the bundled emoji
// (chat/emoji.js). The field takes the focus; ↓ or Tab goes into the emoji, where the arrow keys
// move (a grid of COLUMNS), Enter picks; Enter in the field picks the first match; Escape or a
// click elsewhere closes it (the Popover API's light dismiss) and the focus goes back to the
// button that opened it. Tabbing out closes it as well.

import { searchEmoji } from '../emoji.js';
import { EMOJI_PICKER } from '../format.js';
import { h } from './dom.js';

const COLUMNS = 8;

/** `el`: {picker (a [popover] element), search (its input), grid, empty}. Returns {open(anchor, onPick)}. */
export function mountEmojiPicker({ el }) {
  const { picker, search, grid, empty } = el;
  let onPick = null;
  let opener = null;
  let openerPlace = null; // {id, action} of the opener: its entry may be drawn again while the picker is open

  /** The opener's replacement, when its message was drawn again meanwhile (an ack, a reaction of someone). */
  function redrawnOpener() {
    if (!opener || !openerPlace?.id) return null;
    const entry = document.querySelector(`[data-id="${CSS.escape(openerPlace.id)}"]`);
    return entry?.querySelector(`[data-action="${CSS.escape(openerPlace.action || '')}"]`) || entry;
  }

  picker.setAttribute('aria-label', EMOJI_PICKER.title);
  search.placeholder = EMOJI_PICKER.search;
  search.setAttribute('aria-label', EMOJI_PICKER.search);
  empty.textContent = EMOJI_PICKER.none;

  function render() {
    const found = searchEmoji(search.value);
    grid.replaceChildren(...found.map((entry, index) => h('button', {
      type: 'button', class: 'emoji-choice', tabindex: index === 0 ? '0' : '-1', 'aria-label': entry.name, title: entry.name,
      dataset: { emoji: entry.emoji },
    }, entry.emoji)));
    empty.hidden = found.length > 0;
  }

  function choices() {
    return [...grid.querySelectorAll('.emoji-choice')];
  }

  function focusChoice(index) {
    const all = choices();
    if (!all.length) return;
    const target = all[Math.max(0, Math.min(all.length - 1, index))];
    for (const choice of all) choice.tabIndex = choice === target ? 0 : -1;
    target.focus();
  }

  function pick(emoji) {
    const callback = onPick;
    picker.hidePopover();
    callback?.(emoji);
  }

  /** Put the picker next to `anchor` (below it, or above when there is no room), inside the window. */
  function place(anchor) {
    const box = anchor.getBoundingClientRect();
    const width = picker.offsetWidth;
    const height = picker.offsetHeight;
    const below = box.bottom + 6 + height <= window.innerHeight;
    picker.style.top = `${Math.max(8, below ? box.bottom + 6 : box.top - 6 - height)}px`;
    picker.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, box.right - width))}px`;
  }

  search.addEventListener('input', render);
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault();
      const first = choices()[0];
      if (first) pick(first.dataset.emoji);
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      focusChoice(0);
    }
  });
  grid.addEventListener('click', (event) => {
    const choice = event.target.closest('.emoji-choice');
    if (choice) pick(choice.dataset.emoji);
  });
  grid.addEventListener('keydown', (event) => {
    const all = choices();
    const index = all.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS, Home: -index, End: all.length };
    if (event.key === 'ArrowUp' && index < COLUMNS) {
      event.preventDefault();
      search.focus();
    } else if (event.key in moves) {
      event.preventDefault();
      focusChoice(index + moves[event.key]);
    }
  });
  // Tabbing out of it closes it too (the popover's light dismiss covers clicks and Escape).
  picker.addEventListener('focusout', (event) => {
    if (picker.matches(':popover-open') && event.relatedTarget && !picker.contains(event.relatedTarget)) {
      opener = null; // the focus is going somewhere on purpose: leave it there
      picker.hidePopover();
    }
  });
  picker.addEventListener('toggle', (event) => {
    if (event.newState !== 'closed') return;
    onPick = null;
    const lost = !document.activeElement || document.activeElement === document.body || picker.contains(document.activeElement);
    // Not once the focus went on elsewhere (this event comes a moment after the popover closed).
    if (lost) (opener?.isConnected ? opener : redrawnOpener())?.focus({ preventScroll: true });
    opener = null;
    openerPlace = null;
  });

  return {
    /** Open by `anchor` (the button pressed); `callback(emoji)` when one is picked. */
    open(anchor, callback) {
      opener = anchor;
      openerPlace = { id: anchor.closest('[data-id]')?.dataset.id, action: anchor.dataset.action };
      onPick = callback;
      search.value = '';
      render();
      picker.showPopover();
      place(anchor);
      search.focus();
    },
  };
}
