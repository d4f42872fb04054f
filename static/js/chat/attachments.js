// Attachments (PROTOCOL.md version 2): the files a person puts in the composer before sending, and
// the words and sizes the timeline shows for a message's attachments. Each file is uploaded at
// once (POST rooms/{id}/attachments/, multipart `file`), with its progress; the send then carries
// the ids of the uploaded ones (at most 10), and a message may be attachments alone.
//
// An upload, per room, goes: 'queued' (waiting for a free slot) -> 'uploading' (progress) -> 'done'
// (the server's Attachment) or 'failed' (a reason, and whether trying again may help). A file over
// the page's limit, or beyond the tenth, fails before any byte leaves. The person may remove any
// of them before sending (an upload under way is aborted). Finished uploads are kept with the
// draft by persist.js (the server keeps unused ones for 24 hours), so a reload loses none.
// No DOM here: the request (an XMLHttpRequest, for its upload progress) and the form body are
// made by functions chat.js passes in.

import { gettext, interpolate, ngettext } from './i18n.js';
import { Emitter } from './store.js';

export const ATTACHMENTS_PER_MESSAGE = 10;
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024; // the server's default (CHAT_ATTACHMENT_MAX_BYTES)
export const UPLOADS_AT_ONCE = 2; // more would only queue behind each other and the per-user rate limit
// The server purges unused uploads after 24 hours; one kept longer than this is not offered again.
export const UPLOAD_KEPT_MS = 23 * 60 * 60 * 1000;
// The box a thumbnail is shown in, in CSS pixels (the server's thumbnails are at most 480 px).
export const THUMBNAIL_BOX = { width: 320, height: 240 };

/** How many attachments one message may carry, from the page config's limits. */
export function attachmentsPerMessage(limits) {
  const value = limits?.attachmentsPerMessage;
  return Number.isInteger(value) && value > 0 ? value : ATTACHMENTS_PER_MESSAGE;
}

/** The largest file the server takes, from the page config's limits. */
export function attachmentMaxBytes(limits) {
  const value = limits?.attachmentMaxBytes;
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_ATTACHMENT_MAX_BYTES;
}

const UNITS = [
  () => gettext('%(size)s KB'),
  () => gettext('%(size)s MB'),
  () => gettext('%(size)s GB'),
];

/** A size as people read it: "512 bytes", "1.5 KB", "12 MB" (binary multiples, as file managers show them). */
export function formatSize(bytes, locale = undefined) {
  const count = Math.max(0, Math.round(Number(bytes) || 0));
  if (count < 1024) {
    return interpolate(ngettext('%(count)s byte', '%(count)s bytes', count), { count: new Intl.NumberFormat(locale).format(count) }, true);
  }
  let value = count / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 ? 1 : 0;
  const size = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
  return interpolate(UNITS[unit](), { size }, true);
}

/** Why a file of `size` bytes cannot be uploaded, or null: the same limit the server refuses with 413. */
export function sizeError(size, limits) {
  const max = attachmentMaxBytes(limits);
  if (size <= max) return null;
  return interpolate(gettext('Too large: files can be at most %(limit)s.'), { limit: formatSize(max) }, true);
}

export function uploadsBusyText() {
  return gettext('Some files are still uploading. Send once they are done, or remove them.');
}

export function tooManyText(limits) {
  return interpolate(gettext('Not attached: a message can carry at most %(count)s files.'), { count: attachmentsPerMessage(limits) }, true);
}

/** The server's own words from a 400 answer ({"detail"} or {"file": [...]}), or null. */
function serverWords(data) {
  if (!data || typeof data !== 'object') return null;
  if (typeof data.detail === 'string' && data.detail) return data.detail;
  for (const value of Object.values(data)) {
    const text = Array.isArray(value) ? value.filter((item) => typeof item === 'string').join(' ') : typeof value === 'string' ? value : '';
    if (text) return text;
  }
  return null;
}

/** Whether an upload refused with `status` may succeed if tried again (no answer, rate limited, a server fault). */
export function isRetryable(status) {
  return status === 0 || status === 429 || status >= 500;
}

/** Why an upload failed, in the person's words, from the server's answer (`status` 0: none came). */
export function uploadErrorText(status, data, limits) {
  if (status === 413) return sizeError(Infinity, limits);
  if (status === 400) {
    const words = serverWords(data);
    return words
      ? interpolate(gettext('Not accepted: %(reason)s'), { reason: words }, true)
      : gettext('Not accepted: the server could not read this file.');
  }
  if (status === 429) return gettext('Too many uploads just now. Wait a moment and try again.');
  if (status === 0) return gettext('The server cannot be reached. Check your connection and try again.');
  if (status === 401) return gettext('You are signed out. Sign in again to attach files.');
  if (status === 404 || status === 403) return gettext('You can no longer post in this room.');
  return interpolate(gettext('The upload failed (the server answered %(status)s). Try again.'), { status }, true);
}

/**
 * The files a paste brings: files with no text beside them (an image copied from a screenshot
 * tool, or files copied in a file manager). A paste that has text (copied from a page, which may
 * carry its pictures too) stays a text paste. `clipboard`: a DataTransfer's {types, files}.
 */
export function pastedFiles(clipboard) {
  const files = [...(clipboard?.files || [])];
  const types = [...(clipboard?.types || [])];
  if (!files.length || types.includes('text/plain')) return [];
  return files;
}

/** Whether a drag carries files (the only drags the room takes). */
export function dragHasFiles(transfer) {
  return [...(transfer?.types || [])].includes('Files');
}

/** The size to show a thumbnail at: the image's aspect ratio, inside `box`, never enlarged. */
export function thumbnailSize(width, height, box = THUMBNAIL_BOX) {
  if (!(width > 0 && height > 0)) return { width: box.width, height: box.height };
  const scale = Math.min(1, box.width / width, box.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** An Attachment as the page keeps it, or null when `value` is not one (a damaged or older copy). */
export function attachmentFrom(value) {
  if (!value || typeof value !== 'object' || !Number.isInteger(value.id) || typeof value.url !== 'string') return null;
  const kind = value.kind === 'image' && typeof value.thumbnail_url === 'string' ? 'image' : 'file';
  const dimension = (n) => (Number.isInteger(n) && n > 0 ? n : null);
  return {
    id: value.id,
    kind,
    name: typeof value.name === 'string' && value.name ? value.name : gettext('file'),
    size: Number.isInteger(value.size) && value.size >= 0 ? value.size : 0,
    content_type: typeof value.content_type === 'string' ? value.content_type : '',
    url: value.url,
    thumbnail_url: kind === 'image' ? value.thumbnail_url : null,
    width: kind === 'image' ? dimension(value.width) : null,
    height: kind === 'image' ? dimension(value.height) : null,
  };
}

/** A message's attachments as the timeline shows them: the valid ones, images first as sent, then files. */
export function attachmentsOf(message) {
  const list = Array.isArray(message?.attachments) ? message.attachments.map(attachmentFrom).filter(Boolean) : [];
  return { images: list.filter((item) => item.kind === 'image'), files: list.filter((item) => item.kind === 'file') };
}

/** What a message with attachments and no words is called where only words fit (a preview, a quote). */
export function attachmentsSummary(attachments) {
  const list = Array.isArray(attachments) ? attachments : [];
  if (!list.length) return '';
  if (list.length === 1) return interpolate(gettext('📎 %(name)s'), { name: list[0].name }, true);
  return interpolate(ngettext('📎 %(count)s file', '📎 %(count)s files', list.length), { count: list.length }, true);
}

/**
 * POST `body` (a form holding the file) to `url` with an XMLHttpRequest from `createRequest()`,
 * reporting `onProgress(loaded, total)`. Returns {done, abort}: `done` resolves to {status, data}
 * (status 0 when no answer came, `aborted` when abort() was called); it never rejects.
 */
export function xhrUpload({ createRequest, url, body, csrfToken, onProgress = () => {} }) {
  const request = createRequest();
  let aborted = false;
  const done = new Promise((resolve) => {
    request.open('POST', url);
    request.setRequestHeader('Accept', 'application/json');
    request.setRequestHeader('X-CSRFToken', csrfToken());
    request.withCredentials = true;
    request.responseType = 'text';
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener('load', () => {
      let data = null;
      try {
        data = JSON.parse(request.responseText);
      } catch {
        data = null;
      }
      resolve({ status: request.status, data, aborted: false });
    });
    request.addEventListener('error', () => resolve({ status: 0, data: null, aborted: false }));
    request.addEventListener('abort', () => resolve({ status: 0, data: null, aborted: true }));
    request.addEventListener('timeout', () => resolve({ status: 0, data: null, aborted: false }));
    request.send(body);
  });
  return {
    done,
    abort() {
      if (aborted) return;
      aborted = true;
      request.abort();
    },
  };
}

/**
 * The composer's uploads, per room. `start(roomId, file, onProgress)` begins one upload and returns
 * {done, abort} as xhrUpload's. Events: 'uploads' {roomId, key, progress}: an upload was added,
 * moved on, or removed (`progress`: only its bytes moved).
 */
export class Uploads extends Emitter {
  #files = new Map(); // key -> the File, while it may still be uploaded
  #requests = new Map(); // key -> {abort}, while uploading
  #next = 1;

  constructor({ start, limits, now = Date.now, atOnce = UPLOADS_AT_ONCE }) {
    super();
    this.start = start;
    this.limits = limits;
    this.now = now;
    this.atOnce = atOnce;
    this.items = new Map(); // key -> {key, room, name, size, type, status, loaded, error, retryable, attachment, at}
  }

  /** The room's uploads in the order they were added. */
  inRoom(roomId) {
    return [...this.items.values()].filter((item) => item.room === roomId);
  }

  /** The rooms with uploads. */
  rooms() {
    return [...new Set([...this.items.values()].map((item) => item.room))];
  }

  /** The attachments a send to the room would carry now: the finished uploads, in order. */
  ready(roomId) {
    return this.inRoom(roomId).filter((item) => item.status === 'done').map((item) => item.attachment);
  }

  /** Whether some upload to the room (or to any room) is still on its way. */
  busy(roomId = null) {
    return [...this.items.values()].some((item) => (roomId === null || item.room === roomId)
      && (item.status === 'queued' || item.status === 'uploading'));
  }

  #put(item, { progress = false } = {}) {
    this.items.set(item.key, item);
    this.emit('uploads', { roomId: item.room, key: item.key, progress });
  }

  /** Add files to the room's composer; each starts uploading unless it breaks a limit. Returns their items. */
  add(roomId, files) {
    const added = [];
    for (const file of files) {
      const counted = this.inRoom(roomId).filter((item) => item.status !== 'failed').length;
      const key = `upload-${this.#next++}`;
      const item = {
        key, room: roomId, name: file.name || gettext('Pasted image'), size: file.size, type: file.type || '',
        status: 'queued', loaded: 0, error: null, retryable: false, attachment: null, at: this.now(),
      };
      const problem = counted >= attachmentsPerMessage(this.limits) ? tooManyText(this.limits) : sizeError(file.size, this.limits);
      if (problem) {
        item.status = 'failed';
        item.error = problem;
      } else {
        this.#files.set(key, file);
      }
      this.#put(item);
      added.push(item);
    }
    this.#pump();
    return added.map((item) => this.items.get(item.key) || item); // as they are now (uploading, or not)
  }

  /** Start queued uploads while there is a free slot. */
  #pump() {
    for (const item of this.items.values()) {
      if (this.#requests.size >= this.atOnce) return;
      if (item.status === 'queued') this.#upload(item);
    }
  }

  #upload(item) {
    const { key } = item;
    const request = this.start(item.room, this.#files.get(key), (loaded, total) => {
      const current = this.items.get(key);
      if (current?.status === 'uploading') this.#put({ ...current, loaded: Math.min(loaded, total || loaded) }, { progress: true });
    });
    this.#requests.set(key, request);
    this.#put({ ...item, status: 'uploading', loaded: 0, error: null, retryable: false });
    request.done.then(({ status, data, aborted }) => {
      this.#requests.delete(key);
      const current = this.items.get(key);
      if (aborted || !current) {
        this.#pump();
        return;
      }
      const attachment = status === 201 ? attachmentFrom(data) : null;
      if (attachment) {
        this.#files.delete(key);
        this.#put({ ...current, status: 'done', loaded: current.size, attachment, at: this.now() });
      } else {
        const known = status === 201 ? 502 : status; // an answer that is not an Attachment: the server's fault
        this.#put({ ...current, status: 'failed', error: uploadErrorText(known, data, this.limits), retryable: isRetryable(known) });
      }
      this.#pump();
    });
  }

  /** Upload a failed one again (when its file is still at hand: not after a reload). */
  retry(key) {
    const item = this.items.get(key);
    if (!item || item.status !== 'failed' || !this.#files.has(key)) return false;
    this.#put({ ...item, status: 'queued', error: null, retryable: false, loaded: 0 });
    this.#pump();
    return true;
  }

  /** Whether a failed upload can be tried again. */
  canRetry(key) {
    return this.items.get(key)?.status === 'failed' && this.#files.has(key);
  }

  /** The person takes it out of the composer; one still uploading is aborted. */
  remove(key) {
    const item = this.items.get(key);
    if (!item) return;
    this.#requests.get(key)?.abort();
    this.#requests.delete(key);
    this.#files.delete(key);
    this.items.delete(key);
    this.emit('uploads', { roomId: item.room, key, progress: false });
    this.#pump();
  }

  /** The finished uploads went out with a send: the composer is empty of them (failed ones stay, with their reason). */
  sent(roomId) {
    for (const item of this.inRoom(roomId)) if (item.status === 'done') this.remove(item.key);
  }

  /** Drop every upload of a room (the person is no longer in it). */
  clearRoom(roomId) {
    for (const item of this.inRoom(roomId)) this.remove(item.key);
  }

  /** Put back finished uploads an earlier page kept ({attachment, at}); those the server has purged by now are not. */
  restore(roomId, kept) {
    for (const { attachment, at } of kept) {
      const valid = attachmentFrom(attachment);
      if (!valid || !(this.now() - at < UPLOAD_KEPT_MS)) continue;
      if (this.ready(roomId).some((other) => other.id === valid.id)) continue;
      const key = `upload-${this.#next++}`;
      this.#put({
        key, room: roomId, name: valid.name, size: valid.size, type: valid.content_type, status: 'done',
        loaded: valid.size, error: null, retryable: false, attachment: valid, at,
      });
    }
  }
}
