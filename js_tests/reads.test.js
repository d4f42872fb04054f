import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createReadMarker } from '../static/js/chat/reads.js';
import { apiError, FakeTransport, makeStore, message, roomData, settle } from './fakes.js';

function setup({ fail = false } = {}) {
  const store = makeStore();
  const transport = new FakeTransport();
  const requests = [];
  const request = async (roomId, path, options) => {
    requests.push([roomId, path, options.json]);
    if (fail) throw apiError(0);
  };
  createReadMarker({ store, transport, request });
  store.roomListLoaded([roomData(10, { unread_count: 1, last_message: message(2, 10) })], 0);
  return { store, transport, requests };
}

test('a burst of messages in the open room moves the read pointer once, to the newest', async () => {
  const { store, transport } = setup();
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(1, 10), message(2, 10)], has_more: false });
  store.changesLoaded(10, { seq: 5, messages: [message(3, 10), message(4, 10), message(5, 10)], has_more: false });
  await settle();
  assert.deepEqual(transport.ofType('read'), [{ type: 'read', room: 10, message_id: 5 }]);
  assert.equal(store.room(10).data.unread_count, 0);
});

test('without a socket the read goes by REST; a failed one is sent again next time', async () => {
  const { store, transport, requests } = setup({ fail: true });
  transport.ready = false;
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(2, 10)], has_more: false });
  await settle();
  assert.deepEqual(requests, [[10, 'read/', { message_id: 2 }]]);

  transport.ready = true;
  store.visibilityChanged(false);
  store.messageReceived(10, message(3, 10)); // unread: not looking
  store.visibilityChanged(true);
  await settle();
  assert.deepEqual(transport.ofType('read'), [{ type: 'read', room: 10, message_id: 3 }]);
});
