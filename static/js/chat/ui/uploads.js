// The composer's attachments: an attach button (and its file input), a paste of files into the
// room (an image copied from a screenshot tool goes straight in), files dropped on the room; and
// the tray above the input that lists the room's uploads: name, size, a progress bar while it
// uploads, why it failed (with Retry when trying again may help), and a button to remove it.
// The state is attachments.js's Uploads; the composer's send takes the finished ones.
// The controls are made here, not in the template, so that their words go through gettext.

import { dragHasFiles, formatSize, pastedFiles } from '../attachments.js';
import { gettext, interpolate } from '../i18n.js';
import { h, svgIcon } from './dom.js';

const PAPERCLIP = 'M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48';
const CROSS = 'M18 6L6 18M6 6l12 12';

const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent' });

function progressText(item) {
  const percent = percentFormat.format(item.size ? Math.min(1, item.loaded / item.size) : 0);
  return interpolate(gettext('Uploading %(name)s: %(percent)s'), { name: item.name, percent }, true);
}

export function mountUploads({ store, uploads, el }) {
  const { composer, input, roomView } = el;

  const fileInput = h('input', { type: 'file', multiple: true, hidden: true, class: 'composer-file', tabindex: '-1', 'aria-hidden': 'true' });
  const attachButton = h('button', {
    type: 'button', class: 'icon-button composer-attach', id: 'composer-attach',
    'aria-label': gettext('Attach files'), title: gettext('Attach files (or paste, or drop them here)'),
  }, svgIcon(PAPERCLIP));
  const tray = h('ul', { class: 'upload-tray', id: 'upload-tray', 'aria-label': gettext('Attachments'), hidden: true });
  const dropHint = h('div', { class: 'drop-hint', 'aria-hidden': 'true' }, h('span', {}, gettext('Drop files to attach them')));
  // The tray above the input; the button after it, by Send (Tab: the input, attach, send).
  input.before(tray);
  (composer.querySelector('[type="submit"]') || input).before(attachButton);
  composer.append(fileInput);
  roomView.append(dropHint);

  function add(files) {
    const roomId = store.currentId;
    if (!roomId || !files.length) return;
    uploads.add(roomId, files);
  }

  // --- The tray ------------------------------------------------------------------------------------

  function itemElement(item) {
    const uploading = item.status === 'uploading' || item.status === 'queued';
    const thumbnail = item.attachment?.thumbnail_url;
    return h('li', { class: `upload upload--${item.status}`, dataset: { key: item.key } },
      thumbnail ? h('img', { class: 'upload-thumb', src: thumbnail, alt: '', width: 36, height: 36 }) : h('span', { class: 'upload-thumb upload-thumb--file', 'aria-hidden': 'true' }),
      h('span', { class: 'upload-text' },
        h('span', { class: 'upload-name', title: item.name }, item.name),
        h('span', { class: 'upload-size' }, formatSize(item.size)),
        uploading ? h('progress', {
          class: 'upload-progress', max: item.size || 1, value: item.loaded, 'aria-label': progressText(item),
        }) : null,
        item.status === 'failed' ? h('span', { class: 'upload-error', role: 'alert' }, item.error) : null),
      item.status === 'failed' && item.retryable && uploads.canRetry(item.key)
        ? h('button', { type: 'button', class: 'button button--small upload-retry', dataset: { action: 'retry-upload' } }, gettext('Retry'))
        : null,
      h('button', {
        type: 'button', class: 'icon-button upload-remove', dataset: { action: 'remove-upload' },
        'aria-label': interpolate(gettext('Remove %(name)s'), { name: item.name }, true), title: gettext('Remove'),
      }, svgIcon(CROSS)));
  }

  const findItem = (key) => tray.querySelector(`[data-key="${CSS.escape(key)}"]`);

  function renderTray() {
    const items = uploads.inRoom(store.currentId);
    tray.replaceChildren(...items.map(itemElement));
    tray.hidden = !items.length;
  }

  function renderItem(key, progress) {
    const item = uploads.items.get(key);
    const old = findItem(key);
    if (item?.room !== store.currentId) {
      if (old) renderTray();
      return;
    }
    if (progress && old) {
      const bar = old.querySelector('progress');
      if (bar) {
        bar.value = item.loaded;
        bar.setAttribute('aria-label', progressText(item));
      }
      return;
    }
    const fresh = itemElement(item);
    const focused = old?.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    if (old) old.replaceWith(fresh);
    else tray.append(fresh);
    tray.hidden = false;
    if (focused) (fresh.querySelector(`[data-action="${focused}"]`) || fresh.querySelector('[data-action="remove-upload"]')).focus();
  }

  tray.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action]');
    const key = button?.closest('[data-key]')?.dataset.key;
    if (!key) return;
    if (button.dataset.action === 'retry-upload') {
      uploads.retry(key);
    } else if (button.dataset.action === 'remove-upload') {
      // The focus goes to the next item's remove button, else to the input.
      const neighbour = findItem(key).nextElementSibling || findItem(key).previousElementSibling;
      uploads.remove(key);
      (neighbour?.querySelector('[data-action="remove-upload"]') || input).focus();
    }
  });

  uploads.on('uploads', ({ roomId, key, progress }) => {
    if (roomId !== store.currentId) return;
    if (!uploads.items.has(key)) {
      findItem(key)?.remove();
      tray.hidden = !tray.children.length;
      return;
    }
    renderItem(key, progress);
  });
  store.on('current', renderTray);

  // --- Ways in: the button, a paste, a drop --------------------------------------------------------

  attachButton.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    add([...fileInput.files]);
    fileInput.value = ''; // the same file may be picked again
    input.focus();
  });

  roomView.addEventListener('paste', (event) => {
    const files = pastedFiles(event.clipboardData);
    if (!files.length) return;
    event.preventDefault();
    add(files);
  });

  let dragDepth = 0; // enter and leave come for every child the drag crosses
  function dropping(on) {
    roomView.classList.toggle('is-dropping', on);
    if (!on) dragDepth = 0;
  }
  roomView.addEventListener('dragenter', (event) => {
    if (!dragHasFiles(event.dataTransfer) || !store.currentRoom) return;
    event.preventDefault();
    dragDepth += 1;
    dropping(true);
  });
  roomView.addEventListener('dragover', (event) => {
    if (!dragHasFiles(event.dataTransfer) || !store.currentRoom) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  roomView.addEventListener('dragleave', () => {
    dragDepth -= 1;
    if (dragDepth <= 0) dropping(false);
  });
  roomView.addEventListener('drop', (event) => {
    if (!dragHasFiles(event.dataTransfer)) return;
    event.preventDefault();
    dropping(false);
    add([...event.dataTransfer.files]);
    input.focus();
  });
  // A file dropped anywhere else would replace the page with it (and lose what is being typed).
  for (const type of ['dragover', 'drop']) {
    window.addEventListener(type, (event) => {
      if (dragHasFiles(event.dataTransfer) && !event.defaultPrevented) event.preventDefault();
    });
  }
}
