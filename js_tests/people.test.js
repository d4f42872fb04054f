import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { AVATAR_COLOURS, avatarColour, displayName, initials, noticeText, sortMembers, typingText } from '../static/js/chat/format.js';
import { mentionChoices } from '../static/js/chat/mentions.js';
import { createProtocol } from '../static/js/chat/protocol.js';
import { alice, bob, makeStore, member, message, recordEvents, roomData } from './fakes.js';

test('displayName is the display name, else the username (a version 1 server), else "?"', () => {
  assert.equal(displayName({ id: 1, username: 'alice', display_name: 'Alice Liddell' }), 'Alice Liddell');
  assert.equal(displayName({ id: 1, username: 'alice' }), 'alice');
  assert.equal(displayName({ id: 1, username: 'alice', display_name: '' }), 'alice');
  assert.equal(displayName(null), '?');
});

test('people are named by their display name in the page\'s sentences and orderings', () => {
  const ann = { id: 5, username: 'zed', display_name: 'Ann' };
  const zoe = { id: 6, username: 'abe', display_name: 'Zoe' };
  assert.equal(typingText([ann]), 'Ann is typing…');
  assert.equal(noticeText({ kind: 'joined', user: ann }), 'Ann joined');
  assert.deepEqual(sortMembers([member(zoe), member(ann)]).map((m) => m.user.id), [5, 6]);
});

test('initials: first letters of the first two words, or the first two of one word, whole characters', () => {
  assert.equal(initials('Ada Lovelace'), 'AL');
  assert.equal(initials('  ada   byron king '), 'AB');
  assert.equal(initials('ada'), 'AD');
  assert.equal(initials('x'), 'X');
  assert.equal(initials('爱丽丝'), '爱丽');
  assert.equal(initials('Émile Zola'), 'ÉZ');
  assert.equal(initials('e\u0301mile'), 'E\u0301M'); // a combining accent stays with its letter
  assert.equal(initials('👩‍👩‍👧 family'), '👩‍👩‍👧F'); // an emoji sequence is one character
  assert.equal(initials(''), '?');
  assert.equal(initials('   '), '?');
});

test('an avatar colour is stable per user id, whatever the name, and spread over the palette', () => {
  assert.equal(avatarColour(42), avatarColour(42));
  const colours = new Set();
  for (let id = 1; id <= 30; id += 1) {
    const colour = avatarColour(id);
    assert.ok(Number.isInteger(colour) && colour >= 0 && colour < AVATAR_COLOURS);
    colours.add(colour);
  }
  assert.equal(colours.size, AVATAR_COLOURS, 'thirty members are not thirty identical avatars');
  // Rooms (no id) are coloured by their name, as before.
  assert.equal(avatarColour('general'), avatarColour('general'));
});

/** WCAG contrast of two #rrggbb colours. */
function contrast(a, b) {
  const luminance = (hex) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

test('every avatar colour of the style sheet carries white initials at 4.5:1 or more', () => {
  const css = readFileSync(new URL('../static/css/app.css', import.meta.url), 'utf8');
  for (let index = 0; index < AVATAR_COLOURS; index += 1) {
    const rule = css.match(new RegExp(`\\.avatar--c${index}\\s*\\{([^}]*)\\}`));
    assert.ok(rule, `.avatar--c${index} is defined`);
    const colours = rule[1].match(/#[0-9a-f]{6}/gi);
    assert.ok(colours?.length, `.avatar--c${index} has colours`);
    for (const colour of colours) assert.ok(contrast('#ffffff', colour) >= 4.5, `${colour}: ${contrast('#ffffff', colour).toFixed(2)}:1`);
  }
});

test('the mention list finds people by display name as well as username', () => {
  const ann = { id: 5, username: 'zed', display_name: 'Ann' };
  assert.deepEqual(mentionChoices([member(ann), member(bob)], 'an', { meId: 1 }).map((u) => u.id), [5]);
  assert.deepEqual(mentionChoices([member(ann), member(bob)], 'ze', { meId: 1 }).map((u) => u.id), [5]);
});

test('user.updated renames the person in messages, quotes, members, previews and owners at once', () => {
  const store = makeStore();
  const quote = message(5, 10, alice, { reply_to: { id: 4, author: bob, excerpt: 'hi' } });
  store.roomListLoaded([roomData(10, { owner: bob, last_message: quote }), roomData(20)], 0);
  store.openRoom(10);
  store.firstPageLoaded(10, { results: [message(4, 10, bob), quote], has_more: false });
  store.membersLoaded(10, [member(alice, 'member', true), member(bob, 'owner')]);
  const events = recordEvents(store, ['user', 'members', 'room', 'me']);
  const handle = createProtocol({ store, outbox: {}, changes: {}, sync: {} });

  const renamed = { ...bob, display_name: 'Robert', avatar: '/media/b.png' };
  handle({ type: 'user.updated', user: renamed });

  assert.equal(store.message(10, 4).author.display_name, 'Robert');
  assert.equal(store.message(10, 5).reply_to.author.display_name, 'Robert');
  assert.equal(store.message(10, 5).author, alice); // others untouched
  assert.equal(store.room(10).members.get(bob.id).user.avatar, '/media/b.png');
  assert.equal(store.room(10).members.get(bob.id).role, 'owner');
  assert.equal(store.room(10).data.owner.display_name, 'Robert');
  assert.equal(store.room(10).data.last_message.reply_to.author.display_name, 'Robert');
  assert.deepEqual(events.find(([type]) => type === 'user')[1].roomIds, [10]);
  assert.ok(events.some(([type, detail]) => type === 'members' && detail.roomId === 10));
  assert.ok(!events.some(([type]) => type === 'me'));
});

test('user.updated about oneself updates `me`', () => {
  const store = makeStore();
  const events = recordEvents(store, ['me']);
  store.userUpdated({ ...store.me, display_name: 'New me' });
  assert.equal(store.me.display_name, 'New me');
  assert.equal(events.length, 1);
});

test('the join dialog takes an invite link as well as a bare code', async () => {
  const { inviteCodeFrom } = await import('../static/js/chat/ui/dialogs.js');
  assert.equal(inviteCodeFrom('  abc_DEF-123  '), 'abc_DEF-123');
  assert.equal(inviteCodeFrom('https://chat.example.com/join/abc_DEF-123/'), 'abc_DEF-123');
  assert.equal(inviteCodeFrom('http://127.0.0.1:8000/join/abc_DEF-123'), 'abc_DEF-123');
  assert.equal(inviteCodeFrom('/join/abc/?utm=x'), 'abc');
  assert.equal(inviteCodeFrom('/join/%E0%A4%A/'), '%E0%A4%A'); // undecodable: as typed
});
