// A message's attachments in the timeline, and the full-size preview of its images.
//
// Images show as thumbnails at their aspect ratio, with width and height set before they load (so
// the timeline does not jump); each is a button (out of the Tab order, as every control inside a
// timeline entry: the arrow keys reach it, timeline.js) that opens the preview. Files show as chips
// with their name, size and a download link; the server sends them as downloads, never inline.
// The preview is a modal <dialog>: the image's name is its title and the image's alt text; ← →
// move between the images of the same message; Escape (or Close, or a click beside the image)
// closes it and gives the focus back to the thumbnail that opened it.

import { attachmentsOf, formatSize, thumbnailSize } from '../attachments.js';
import { gettext, interpolate } from '../i18n.js';
import { h, svgIcon } from './dom.js';

const ICONS = {
  file: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6',
  download: 'M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3',
  close: 'M18 6L6 18M6 6l12 12',
  previous: 'M15 18l-6-6 6-6',
  next: 'M9 18l6-6-6-6',
};

export function icon(name) {
  return svgIcon(ICONS[name]);
}

/** An image sized before it loads: its box at the aspect ratio the server measured. */
function sized(img, width, height) {
  img.width = width;
  img.height = height;
  img.style.aspectRatio = `${width} / ${height}`;
  return img;
}

function imageItem(image) {
  const shown = thumbnailSize(image.width, image.height);
  return h('button', {
    type: 'button', class: 'attachment-image', tabindex: '-1',
    'aria-label': interpolate(gettext('%(name)s: view the full size'), { name: image.name }, true),
    dataset: {
      action: 'preview', url: image.url, name: image.name, width: image.width || '', height: image.height || '',
    },
  }, sized(h('img', { src: image.thumbnail_url, alt: image.name, loading: 'lazy', decoding: 'async' }), shown.width, shown.height));
}

function fileItem(file) {
  const size = formatSize(file.size);
  return h('a', {
    class: 'attachment-file', href: file.url, download: file.name, tabindex: '-1',
    'aria-label': interpolate(gettext('Download %(name)s (%(size)s)'), { name: file.name, size }, true),
    title: file.name,
  }, icon('file'),
  h('span', { class: 'attachment-file-name' }, file.name),
  h('span', { class: 'attachment-file-size' }, size),
  icon('download'));
}

/** A message's (or a pending send's) attachments as an element (with `id`), or null when it has none. */
export function attachmentList(message, id = null) {
  const { images, files } = attachmentsOf(message);
  if (!images.length && !files.length) return null;
  return h('div', { class: 'msg-attachments', id },
    images.length ? h('div', { class: 'attachment-images' }, images.map(imageItem)) : null,
    files.length ? h('div', { class: 'attachment-files' }, files.map(fileItem)) : null);
}

// What the preview's frame (title bar, buttons, padding) takes of the window, in CSS pixels.
const PREVIEW_MARGIN = { width: 150, height: 120 };

/** The preview dialog, on clicks of `[data-action="preview"]` in `messageList`. */
export function mountPreview({ messageList }) {
  const title = h('h2', { class: 'preview-title', id: 'preview-title' });
  const counter = h('span', { class: 'preview-counter' });
  const download = h('a', { class: 'button button--small preview-download', download: '' }, icon('download'), h('span', {}, gettext('Download')));
  const close = h('button', { type: 'button', class: 'icon-button preview-close', 'aria-label': gettext('Close the preview') }, icon('close'));
  const previous = h('button', { type: 'button', class: 'icon-button preview-move', 'aria-label': gettext('Previous image'), 'aria-keyshortcuts': 'ArrowLeft' }, icon('previous'));
  const next = h('button', { type: 'button', class: 'icon-button preview-move', 'aria-label': gettext('Next image'), 'aria-keyshortcuts': 'ArrowRight' }, icon('next'));
  const image = h('img', { class: 'preview-image', alt: '' });
  const dialog = h('dialog', { class: 'preview', id: 'attachment-preview', 'aria-labelledby': 'preview-title', 'aria-describedby': 'preview-counter' },
    h('div', { class: 'preview-head' }, h('div', { class: 'preview-heading' }, title, counter), download, close),
    h('div', { class: 'preview-stage' }, previous, image, next));
  counter.id = 'preview-counter';
  counter.setAttribute('aria-live', 'polite');
  document.body.append(dialog);

  let images = []; // the opened message's thumbnails (their buttons)
  let index = 0;
  let opener = null;

  /** Size the image for the window before it loads: the whole image, never enlarged. */
  function fit() {
    const { width, height } = images[index].dataset;
    const box = thumbnailSize(Number(width) || 0, Number(height) || 0, {
      width: Math.max(120, window.innerWidth - PREVIEW_MARGIN.width), height: Math.max(120, window.innerHeight - PREVIEW_MARGIN.height),
    });
    sized(image, box.width, box.height);
  }

  function show(at) {
    index = (at + images.length) % images.length;
    const { url, name } = images[index].dataset;
    image.removeAttribute('src'); // no glimpse of the previous image while this one loads
    fit();
    image.alt = name;
    image.src = url;
    title.textContent = name;
    download.href = url;
    download.setAttribute('download', name);
    const many = images.length > 1;
    counter.textContent = many ? interpolate(gettext('Image %(index)s of %(count)s'), { index: index + 1, count: images.length }, true) : '';
    previous.hidden = !many;
    next.hidden = !many;
  }

  function open(button) {
    const entry = button.closest('.msg') || button.parentElement;
    images = [...entry.querySelectorAll('[data-action="preview"]')];
    opener = button;
    show(Math.max(0, images.indexOf(button)));
    dialog.showModal();
    close.focus();
  }

  window.addEventListener('resize', () => {
    if (dialog.open && images.length) fit();
  });

  messageList.addEventListener('click', (event) => {
    const button = event.target.closest('[data-action="preview"]');
    if (button && messageList.contains(button)) open(button);
  });
  previous.addEventListener('click', () => show(index - 1));
  next.addEventListener('click', () => show(index + 1));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    if (!(event.key in moves) || images.length < 2) return;
    event.preventDefault();
    show(index + moves[event.key]);
  });
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    image.removeAttribute('src');
    const url = opener?.dataset.url;
    const back = opener?.isConnected ? opener
      : url ? messageList.querySelector(`[data-action="preview"][data-url="${CSS.escape(url)}"]`) : null;
    opener = null;
    images = [];
    // The thumbnail that opened it, or (re-rendered meanwhile) the same one in its entry; the
    // 'close' event comes a task later, so not when the person has moved on from there already.
    const active = document.activeElement;
    if (!active || active === document.body || dialog.contains(active)) back?.focus({ preventScroll: true });
  });

  return { open, dialog };
}
