import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ATTACHMENTS_PER_MESSAGE, attachmentFrom, attachmentsOf, attachmentsSummary, dragHasFiles, formatSize, isRetryable,
  pastedFiles, sizeError, thumbnailSize, UPLOAD_KEPT_MS, uploadErrorText, Uploads, xhrUpload,
} from '../static/js/chat/attachments.js';
import { createOutbox } from '../static/js/chat/outbox.js';
import { createPersistence, UserStorage } from '../static/js/chat/persist.js';
import { messageSendFrame } from '../static/js/chat/protocol.js';
import { alice, FakeClock, FakeStorage, FakeTransport, LIMITS, makeStore, message, roomData, settle } from './fakes.js';

const MiB = 1024 * 1024;
const limits = { ...LIMITS, attachmentMaxBytes: 10 * MiB };

function file(name, size, type = 'image/png') {
  return { name, size, type };
}

function attachment(id, fields = {}) {
  return {
    id, kind: 'image', name: `picture-${id}.png`, size: 2048, content_type: 'image/png',
    url: `/api/attachments/${id}/picture-${id}.png`, thumbnail_url: `/api/attachments/${id}/thumbnail.png`, width: 800, height: 600,
    ...fields,
  };
}

/** Uploads whose requests the test answers: `requests` in the order they started. */
function uploadsWith({ atOnce = 2, clock = new FakeClock() } = {}) {
  const requests = [];
  const start = (roomId, blob, onProgress) => {
    let answer;
    const request = {
      roomId, file: blob, onProgress, aborted: false,
      done: new Promise((resolve) => {
        answer = resolve;
      }),
      answer: (status, data = null) => answer({ status, data, aborted: false }),
      abort: () => {
        request.aborted = true;
        answer({ status: 0, data: null, aborted: true });
      },
    };
    requests.push(request);
    return request;
  };
  const uploads = new Uploads({ start, limits, now: clock.now, atOnce });
  return { uploads, requests, clock };
}

const statuses = (uploads, roomId) => uploads.inRoom(roomId).map((item) => [item.name, item.status]);

test('sizes read as people read them, in binary multiples', () => {
  assert.equal(formatSize(0), '0 bytes');
  assert.equal(formatSize(1), '1 byte');
  assert.equal(formatSize(1023, 'en'), '1,023 bytes');
  assert.equal(formatSize(1024, 'en'), '1 KB');
  assert.equal(formatSize(1536, 'en'), '1.5 KB');
  assert.equal(formatSize(200 * 1024, 'en'), '200 KB');
  assert.equal(formatSize(10 * MiB, 'en'), '10 MB');
  assert.equal(formatSize(3.25 * MiB, 'en'), '3.3 MB');
  assert.equal(formatSize(5 * 1024 * MiB, 'en'), '5 GB');
  assert.equal(formatSize(1536, 'de'), '1,5 KB');
});

test('the size limit comes from the page config, as the server refuses it (413)', () => {
  assert.equal(sizeError(10 * MiB, limits), null);
  assert.equal(sizeError(10 * MiB + 1, limits), 'Too large: files can be at most 10 MB.');
  assert.equal(sizeError(3 * MiB, { attachmentMaxBytes: 2 * MiB }), 'Too large: files can be at most 2 MB.');
  assert.equal(sizeError(10 * MiB + 1, {}), 'Too large: files can be at most 10 MB.'); // the server's default
  assert.equal(uploadErrorText(413, null, limits), 'Too large: files can be at most 10 MB.');
});

test('every refusal says why, in the person\'s words', () => {
  assert.equal(uploadErrorText(400, { detail: 'This is not a PNG image.' }, limits), 'Not accepted: This is not a PNG image.');
  assert.equal(uploadErrorText(400, { file: ['The image is larger than 50 megapixels.'] }, limits), 'Not accepted: The image is larger than 50 megapixels.');
  assert.equal(uploadErrorText(400, null, limits), 'Not accepted: the server could not read this file.');
  assert.match(uploadErrorText(429, { detail: 'Request was throttled.' }, limits), /^Too many uploads just now/);
  assert.match(uploadErrorText(0, null, limits), /cannot be reached/);
  assert.match(uploadErrorText(404, null, limits), /no longer post in this room/);
  assert.match(uploadErrorText(401, null, limits), /signed out/);
  assert.match(uploadErrorText(500, null, limits), /answered 500/);
  assert.deepEqual([0, 429, 500, 503, 400, 413, 404].map(isRetryable), [true, true, true, true, false, false, false]);
});

test('an upload goes queued, uploading with its progress, done with the server\'s Attachment', async () => {
  const { uploads, requests } = uploadsWith();
  const events = [];
  uploads.on('uploads', (detail) => events.push(detail));
  const [item] = uploads.add(10, [file('cat.png', 4096)]);
  assert.equal(uploads.items.get(item.key).status, 'uploading');
  assert.equal(requests.length, 1);
  assert.equal(requests[0].roomId, 10);
  assert.equal(uploads.busy(10), true);
  assert.equal(uploads.busy(20), false);
  requests[0].onProgress(1024, 4096);
  assert.equal(uploads.items.get(item.key).loaded, 1024);
  assert.equal(events.at(-1).progress, true);
  requests[0].answer(201, attachment(5, { name: 'cat.png' }));
  await settle();
  const done = uploads.items.get(item.key);
  assert.equal(done.status, 'done');
  assert.equal(done.attachment.id, 5);
  assert.equal(uploads.busy(), false);
  assert.deepEqual(uploads.ready(10).map((a) => a.id), [5]);
  assert.deepEqual(uploads.ready(20), []);
});

test('at most two upload at once; the others wait their turn', async () => {
  const { uploads, requests } = uploadsWith();
  uploads.add(10, [file('a.png', 1), file('b.png', 1), file('c.png', 1)]);
  assert.deepEqual(statuses(uploads, 10), [['a.png', 'uploading'], ['b.png', 'uploading'], ['c.png', 'queued']]);
  requests[0].answer(201, attachment(1));
  await settle();
  assert.deepEqual(statuses(uploads, 10), [['a.png', 'done'], ['b.png', 'uploading'], ['c.png', 'uploading']]);
  assert.equal(requests[2].file.name, 'c.png');
});

test('too large or beyond the tenth fails before a byte leaves; failed ones do not count', () => {
  const { uploads, requests } = uploadsWith({ atOnce: 20 });
  const [big] = uploads.add(10, [file('big.mov', 10 * MiB + 1, 'video/quicktime')]);
  assert.equal(big.status, 'failed');
  assert.equal(big.error, 'Too large: files can be at most 10 MB.');
  assert.equal(requests.length, 0);
  const many = Array.from({ length: ATTACHMENTS_PER_MESSAGE + 1 }, (_, n) => file(`f${n}.txt`, 10, 'text/plain'));
  const added = uploads.add(10, many);
  assert.equal(requests.length, ATTACHMENTS_PER_MESSAGE);
  assert.equal(added.at(-1).status, 'failed');
  assert.equal(added.at(-1).error, 'Not attached: a message can carry at most 10 files.');
  // Another room has its own ten.
  uploads.add(20, [file('other.png', 10)]);
  assert.equal(requests.length, ATTACHMENTS_PER_MESSAGE + 1);
  // The page config may say otherwise.
  const few = new Uploads({ start: () => ({ done: new Promise(() => {}), abort() {} }), limits: { attachmentsPerMessage: 2 } });
  assert.deepEqual(few.add(1, [file('a', 1), file('b', 1), file('c', 1)]).map((item) => item.status), ['uploading', 'uploading', 'failed']);
  assert.equal(few.inRoom(1)[2].error, 'Not attached: a message can carry at most 2 files.');
});

test('a refused upload says why; a passing failure can be tried again with the same file', async () => {
  const { uploads, requests } = uploadsWith();
  const [fake, busy, odd] = uploads.add(10, [file('fake.png', 10), file('busy.png', 10), file('odd.png', 10)]);
  requests[0].answer(400, { file: ['Upload a valid image.'] });
  requests[1].answer(429, { detail: 'Request was throttled. Expected available in 3 seconds.' });
  await settle();
  requests[2].answer(201, { detail: 'not an attachment' });
  await settle();
  assert.equal(uploads.items.get(fake.key).error, 'Not accepted: Upload a valid image.');
  assert.equal(uploads.items.get(fake.key).retryable, false);
  assert.match(uploads.items.get(busy.key).error, /Too many uploads/);
  assert.equal(uploads.items.get(busy.key).retryable, true);
  assert.equal(uploads.items.get(odd.key).status, 'failed'); // a 201 that is no Attachment is not taken
  assert.equal(uploads.retry(busy.key), true);
  assert.equal(uploads.items.get(busy.key).status, 'uploading');
  assert.equal(requests[3].file.name, 'busy.png');
  requests[3].answer(201, attachment(9));
  await settle();
  assert.deepEqual(uploads.ready(10).map((a) => a.id), [9]);
});

test('removing an upload under way aborts it; removing a queued one starts the next', async () => {
  const { uploads, requests } = uploadsWith({ atOnce: 1 });
  const [first, second] = uploads.add(10, [file('a.png', 1), file('b.png', 1)]);
  uploads.remove(first.key);
  assert.equal(requests[0].aborted, true);
  assert.equal(uploads.items.has(first.key), false);
  assert.equal(uploads.items.get(second.key).status, 'uploading');
  await settle();
  assert.deepEqual(statuses(uploads, 10), [['b.png', 'uploading']]); // the aborted answer changes nothing
});

test('a send carries the finished uploads\' ids; a message may be attachments alone; a retry keeps them', () => {
  const clock = new FakeClock();
  const store = makeStore({ clock });
  const transport = new FakeTransport();
  const outbox = createOutbox({ store, transport, timers: clock, now: clock.now, newClientId: () => 'c1' });
  outbox.send(10, '', { attachments: [attachment(4), attachment(5, { kind: 'file', thumbnail_url: null })] });
  outbox.fail('c1', 'no answer from the server.');
  outbox.retry('c1');
  assert.deepEqual(transport.ofType('message.send'), [
    { type: 'message.send', room: 10, body: '', client_id: 'c1', attachments: [4, 5] },
    { type: 'message.send', room: 10, body: '', client_id: 'c1', attachments: [4, 5] },
  ]);
  assert.deepEqual(messageSendFrame({ room: 1, body: 'hi', client_id: 'c', attachments: [] }), { type: 'message.send', room: 1, body: 'hi', client_id: 'c' });
});

test('finished uploads survive a reload with the draft; uploads too old for the server are not offered again', async () => {
  const storage = new FakeStorage();
  const clock = new FakeClock();
  function page() {
    const store = makeStore({ clock });
    const { uploads, requests } = uploadsWith({ clock });
    const persistence = createPersistence({ store, local: new UserStorage(storage, alice.id), uploads });
    persistence.restore();
    return { store, uploads, requests, persistence };
  }
  const first = page();
  first.store.setDraft(10, 'look at these');
  first.uploads.add(10, [file('a.png', 1), file('b.png', 1)]);
  assert.equal(first.persistence.unsentWork(), true); // still uploading: leaving would lose them
  first.requests[0].answer(201, attachment(1, { name: 'a.png' }));
  await settle();
  assert.equal(first.persistence.unsentWork(), true);
  first.requests[1].answer(201, attachment(2, { name: 'b.png' }));
  await settle();
  assert.equal(first.persistence.unsentWork(), false); // kept: nothing to lose

  const second = page();
  assert.equal(second.store.draft(10), 'look at these');
  assert.deepEqual(second.uploads.ready(10).map((a) => [a.id, a.name]), [[1, 'a.png'], [2, 'b.png']]);
  second.uploads.remove(second.uploads.inRoom(10)[0].key);
  assert.deepEqual(page().uploads.ready(10).map((a) => a.id), [2]);

  clock.advance(UPLOAD_KEPT_MS);
  const later = page();
  assert.deepEqual(later.uploads.ready(10), []);
  assert.equal(storage.getItem(`chatroom:${alice.id}:uploads:10`), null);
});

test('a pending send with attachments only survives a reload and goes out again with them', () => {
  const storage = new FakeStorage();
  function page() {
    const clock = new FakeClock();
    const store = makeStore({ clock });
    const transport = new FakeTransport();
    transport.ready = false;
    const outbox = createOutbox({ store, transport, timers: clock, now: clock.now, newClientId: () => 'c1' });
    createPersistence({ store, local: new UserStorage(storage, alice.id) }).restore();
    return { store, transport, outbox };
  }
  page().outbox.send(10, '', { attachments: [attachment(7)] });
  const second = page();
  assert.deepEqual(second.store.pending.get('c1').attachments.map((a) => a.id), [7]);
  second.store.roomListLoaded([roomData(10)], 0);
  second.transport.ready = true;
  second.outbox.flush();
  assert.deepEqual(second.transport.ofType('message.send')[0].attachments, [7]);
  second.store.messageReceived(10, message(3, 10, alice, { client_id: 'c1', body: '', attachments: [attachment(7)] }));
  assert.equal(page().store.pending.size, 0);
});

test('uploads for a room the person left are dropped', async () => {
  const store = makeStore();
  const { uploads } = uploadsWith();
  createPersistence({ store, local: new UserStorage(new FakeStorage(), alice.id), uploads });
  uploads.restore(10, [{ attachment: attachment(1), at: 1000 }]);
  uploads.restore(20, [{ attachment: attachment(2), at: 1000 }]);
  store.roomListLoaded([roomData(20)], 0);
  assert.deepEqual(uploads.rooms(), [20]);
});

test('a paste of files alone attaches them; a paste with text stays text; drags count only with files', () => {
  const png = file('image.png', 10);
  assert.deepEqual(pastedFiles({ types: ['Files'], files: [png] }), [png]);
  assert.deepEqual(pastedFiles({ types: ['text/plain', 'text/html', 'Files'], files: [png] }), []);
  assert.deepEqual(pastedFiles({ types: ['text/plain'], files: [] }), []);
  assert.deepEqual(pastedFiles(null), []);
  assert.equal(dragHasFiles({ types: ['Files'] }), true);
  assert.equal(dragHasFiles({ types: ['text/uri-list'] }), false);
});

test('thumbnails keep the image\'s aspect ratio inside their box, never enlarged', () => {
  assert.deepEqual(thumbnailSize(800, 600), { width: 320, height: 240 });
  assert.deepEqual(thumbnailSize(600, 1200), { width: 120, height: 240 });
  assert.deepEqual(thumbnailSize(4000, 10), { width: 320, height: 1 });
  assert.deepEqual(thumbnailSize(64, 48), { width: 64, height: 48 });
  assert.deepEqual(thumbnailSize(null, null), { width: 320, height: 240 });
});

test('attachments are taken as the protocol has them; anything else is a file, or nothing', () => {
  assert.equal(attachmentFrom({ id: 'x', url: '/a' }), null);
  assert.equal(attachmentFrom(null), null);
  const svg = attachmentFrom({ id: 3, kind: 'image', name: 'x.svg', size: 10, url: '/a', thumbnail_url: null });
  assert.equal(svg.kind, 'file'); // an image with no thumbnail is never shown inline
  const { images, files } = attachmentsOf({ attachments: [attachment(1), attachment(2, { kind: 'file', thumbnail_url: null }), { bad: true }] });
  assert.deepEqual(images.map((a) => a.id), [1]);
  assert.deepEqual(files.map((a) => a.id), [2]);
  assert.deepEqual(attachmentsOf({ body: 'version 1' }), { images: [], files: [] });
  assert.equal(attachmentsSummary([attachment(1, { name: 'cat.png' })]), '📎 cat.png');
  assert.equal(attachmentsSummary([attachment(1), attachment(2)]), '📎 2 files');
  assert.equal(attachmentsSummary([]), '');
});

test('xhrUpload posts the form with the CSRF token and reports progress and the answer', async () => {
  const made = [];
  class FakeRequest {
    constructor() {
      this.headers = {};
      this.listeners = {};
      this.upload = { addEventListener: (type, listener) => { this.uploadListener = listener; } };
      made.push(this);
    }

    open(method, url) { this.method = method; this.url = url; }

    setRequestHeader(name, value) { this.headers[name] = value; }

    addEventListener(type, listener) { this.listeners[type] = listener; }

    send(body) { this.body = body; }

    abort() { this.listeners.abort(); }
  }
  const progress = [];
  const upload = xhrUpload({
    createRequest: () => new FakeRequest(), url: '/api/rooms/10/attachments/', body: 'the form', csrfToken: () => 'tok',
    onProgress: (loaded, total) => progress.push([loaded, total]),
  });
  const [request] = made;
  assert.equal(request.method, 'POST');
  assert.equal(request.url, '/api/rooms/10/attachments/');
  assert.equal(request.headers['X-CSRFToken'], 'tok');
  assert.equal(request.body, 'the form');
  request.uploadListener({ lengthComputable: true, loaded: 5, total: 10 });
  request.status = 201;
  request.responseText = JSON.stringify(attachment(1));
  request.listeners.load();
  assert.deepEqual(await upload.done, { status: 201, data: attachment(1), aborted: false });
  assert.deepEqual(progress, [[5, 10]]);

  const failed = xhrUpload({ createRequest: () => new FakeRequest(), url: '/x', body: null, csrfToken: () => '' });
  made[1].listeners.error();
  assert.deepEqual(await failed.done, { status: 0, data: null, aborted: false });
  const stopped = xhrUpload({ createRequest: () => new FakeRequest(), url: '/x', body: null, csrfToken: () => '' });
  stopped.abort();
  assert.equal((await stopped.done).aborted, true);
});

test('a message of attachments alone is named by them in the room list and in a notification', async () => {
  const { notificationText, roomPreview } = await import('../static/js/chat/format.js');
  const last = message(9, 10, { id: 2, username: 'bob', avatar: null }, { body: '', attachments: [attachment(1, { name: 'cat.png' })] });
  assert.equal(roomPreview(roomData(10, { last_message: last }), alice), 'bob: 📎 cat.png');
  assert.equal(notificationText('Lounge', 1, last).body, '📎 cat.png');
  const both = { ...last, attachments: [attachment(1), attachment(2)] };
  assert.equal(notificationText('Lounge', 2, both).body, 'bob: 📎 2 files');
});

test('the quote of a reply to a message of attachments alone says so', async () => {
  const { quoteText } = await import('../static/js/chat/format.js');
  const quote = { id: 9, author: { id: 2, username: 'bob', avatar: null }, excerpt: '' };
  assert.equal(quoteText(quote).text, '📎 Attachments');
  assert.equal(quoteText({ ...quote, excerpt: 'words' }).text, 'words');
});
