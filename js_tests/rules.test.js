import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  avatarError, bodyError, codePoints, noticeText, removalText, roomPreview, sortMembers, typingText,
} from '../static/js/chat/format.js';
import { RoomRules } from '../static/js/chat/rules.js';
import { alice, bob, carol, LIMITS, member, message, ROLES } from './fakes.js';

const rules = new RoomRules(ROLES);
const dave = { id: 4, username: 'dave', avatar: null };

/** What `role` sees offered for each member of a room with one of each role. */
function offered(role, meId) {
  const members = [member(alice, 'owner'), member(bob, 'admin'), member(carol), member(dave)];
  return Object.fromEntries(members.map((m) => [m.user.username, rules.memberActions(role, m, meId)
    .map(({ action, role: newRole }) => (newRole ? `${action}:${newRole}` : action))]));
}

test('the owner may promote, demote, kick and ban anyone but themself', () => {
  assert.deepEqual(offered('owner', alice.id), {
    alice: [], bob: ['setRole:member', 'kick', 'ban'], carol: ['setRole:admin', 'kick', 'ban'], dave: ['setRole:admin', 'kick', 'ban'],
  });
});

test('an admin may remove plain members only; a member may do nothing to anyone', () => {
  assert.deepEqual(offered('admin', bob.id), { alice: [], bob: [], carol: ['kick', 'ban'], dave: ['kick', 'ban'] });
  assert.deepEqual(offered('member', carol.id), { alice: [], bob: [], carol: [], dave: [] });
});

test('managing, deleting and leaving a room follow the configured roles', () => {
  assert.deepEqual(['owner', 'admin', 'member'].map((role) => [
    rules.canManage(role), rules.canDeleteRoom(role), rules.canLeave(role), rules.canDeleteMessage(role, false), rules.canDeleteMessage(role, true),
  ]), [[true, true, false, true, true], [true, false, true, true, true], [false, false, true, false, true]]);
  const stricter = new RoomRules({ ...ROLES, manage: ['owner'], remove: { owner: ['member'] } });
  assert.equal(stricter.canManage('admin'), false);
  assert.deepEqual(stricter.memberActions('owner', member(bob, 'admin'), alice.id), [{ action: 'setRole', role: 'member' }]);
});

test('the body limit counts code points, as the server does', () => {
  assert.equal(codePoints('😀é'), 2);
  assert.equal(bodyError('😀'.repeat(4000), LIMITS), null);
  assert.equal(bodyError('😀'.repeat(4001), LIMITS), 'Messages are limited to 4,000 characters; this one has 4,001.');
  assert.equal(bodyError('x'.repeat(11), { ...LIMITS, bodyMaxLength: 10 }), 'Messages are limited to 10 characters; this one has 11.');
});

test('a picture over the configured size is refused in the server\'s words', () => {
  assert.equal(avatarError(LIMITS.avatarMaxBytes, LIMITS), null);
  assert.equal(avatarError(LIMITS.avatarMaxBytes + 1, LIMITS), 'The image is larger than 2048 KiB.');
});

test('the words of the page', () => {
  assert.equal(typingText([bob]), 'bob is typing…');
  assert.equal(typingText([bob, carol]), 'bob and carol are typing…');
  assert.equal(typingText([alice, bob, carol]), '3 people are typing…');
  assert.equal(noticeText({ kind: 'joined', user: bob }), 'bob joined');
  assert.equal(noticeText({ kind: 'left', user: bob, reason: 'kicked' }), 'bob was removed');
  assert.equal(removalText('banned', 'Lounge'), 'You were banned from Lounge.');
  assert.equal(removalText(null, 'Lounge'), 'You are no longer in Lounge.');
  const room = { description: 'About', last_message: message(1, 10, alice, { body: 'two\nlines' }) };
  assert.equal(roomPreview(room, alice), 'You: two lines');
  assert.equal(roomPreview({ ...room, last_message: null }, alice), 'About');
});

test('members are listed online first, then by role, then by name', () => {
  const sorted = sortMembers([member(dave), member(carol, 'member', true), member(bob, 'admin'), member(alice, 'owner')]);
  assert.deepEqual(sorted.map((m) => m.user.username), ['carol', 'alice', 'bob', 'dave']);
});
