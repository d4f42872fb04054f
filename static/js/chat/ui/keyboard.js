// The page's keyboard, beyond each view's own keys: Escape closes the side panel (members,
// settings) and gives the focus back to its toggle; a toggle that opens a panel puts the focus in
// it; Alt+↑ / Alt+↓ open the previous or next room of the list; "?" opens the list of shortcuts.
// Dialogs close on Escape by themselves (<dialog>), and the browser gives the focus back to
// what had it when they opened.

function isTextField(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

const inDialog = (target) => Boolean(target.closest?.('dialog, [popover]'));

export function mountKeyboard({ store, el }) {
  const { panels, toggles, closePanelButtons, roomList, shortcutsButton, composerInput } = el;

  /** Close the open panel; the focus goes to the toggle that opens it (when it can take it). */
  function closePanel() {
    const name = store.panel;
    if (!name) return false;
    store.setPanel(null);
    const toggle = toggles[name];
    if (toggle && !toggle.hidden) toggle.focus();
    else composerInput.focus();
    return true;
  }

  for (const [name, toggle] of Object.entries(toggles)) {
    // After the view's own click handler (room.js) has opened or closed the panel.
    toggle.addEventListener('click', () => {
      if (store.panel === name) panels[name].focus();
    });
    toggle.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && store.panel === name && closePanel()) event.preventDefault();
    });
  }
  for (const panel of Object.values(panels)) {
    panel.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || event.defaultPrevented || inDialog(event.target)) return;
      if (closePanel()) event.preventDefault();
    });
  }
  for (const button of closePanelButtons) {
    button.addEventListener('click', () => {
      const toggle = toggles[button.closest('.panel')?.id === 'settings-panel' ? 'settings' : 'members'];
      if (toggle && !toggle.hidden) toggle.focus();
    });
  }

  /** The rooms in the order the side bar shows them. */
  const roomIds = () => [...roomList.querySelectorAll('[data-room-id]')].map((item) => Number(item.dataset.roomId));

  function moveRoom(step) {
    const ids = roomIds();
    if (!ids.length) return false;
    const at = ids.indexOf(store.currentId);
    const next = at === -1 ? (step > 0 ? 0 : ids.length - 1) : at + step;
    if (next < 0 || next >= ids.length) return false;
    const hadFocusInRoom = document.activeElement?.closest?.('#room-view');
    store.openRoom(ids[next]);
    // The timeline is drawn again: a focus that was in it goes to the composer.
    if (hadFocusInRoom && (document.activeElement === document.body || !document.activeElement)) composerInput.focus();
    return true;
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing || inDialog(event.target)) return;
    if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey
      && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      if (moveRoom(event.key === 'ArrowDown' ? 1 : -1)) event.preventDefault();
      return;
    }
    if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !isTextField(event.target)) {
      event.preventDefault();
      shortcutsButton.click();
    }
  });
}
