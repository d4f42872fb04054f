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

test('dates and numbers follow the page\'s language once it is set', async () => {
  const { locale, setLocale } = await import('../static/js/chat/i18n.js');
  const { dayLabel, editedTitle, newMessagesText } = await import('../static/js/chat/format.js');
  const now = new Date(2026, 11, 3, 12);
  const earlier = new Date(2026, 10, 20, 9);
  assert.equal(locale(), undefined);
  setLocale('zh-hans');
  try {
    assert.equal(locale(), 'zh-hans');
    assert.equal(dayLabel(earlier, now), '11月20日星期五');
    assert.match(editedTitle(earlier.toISOString()), /^Edited 2026年11月20日星期五/);
    assert.equal(newMessagesText(12345), '12,345 new messages');
  } finally {
    setLocale('');
  }
  assert.equal(locale(), undefined);
  assert.equal(dayLabel(earlier, now, 'en-US'), 'Friday, November 20');
});

test('a deleted account is named in the reader\'s language, whatever the server stored', async () => {
  const { displayName } = await import('../static/js/chat/format.js');
  const { personName } = await import('../static/js/chat/directs.js');
  const deleted = { id: 7, username: 'deleted-7', display_name: 'Deleted user' };
  globalThis.gettext = (text) => ({ 'Deleted user': '已注销用户' })[text] ?? text;
  try {
    assert.equal(displayName(deleted), '已注销用户');
    assert.equal(personName(deleted), '已注销用户');
    assert.equal(displayName({ id: 8, username: 'deleted-7', display_name: 'Mallory' }), 'Mallory');
  } finally {
    delete globalThis.gettext;
  }
  assert.equal(displayName(deleted), 'Deleted user');
});
