import assert from 'node:assert/strict';
import { test } from 'node:test';

import { gettext, interpolate, ngettext } from '../static/js/chat/i18n.js';

test('without a catalog, a string stands for itself', () => {
  assert.equal(gettext('Send'), 'Send');
  assert.equal(ngettext('%s member', '%s members', 1), '%s member');
  assert.equal(ngettext('%s member', '%s members', 3), '%s members');
});

test('interpolate fills positional and named places as Django does', () => {
  assert.equal(interpolate('%s of %s', [2, 5]), '2 of 5');
  assert.equal(interpolate('%(name)s joined', { name: '李雷' }, true), '李雷 joined');
});

test('with a catalog, its translations are used', () => {
  globalThis.gettext = (text) => ({ Send: '发送' })[text] ?? text;
  try {
    assert.equal(gettext('Send'), '发送');
  } finally {
    delete globalThis.gettext;
  }
});
