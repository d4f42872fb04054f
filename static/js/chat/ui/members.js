// The members panel: who is in the room, online or not, and what the viewer may do to each.

import { displayName, roleName, sortMembers } from '../format.js';
import { gettext, interpolate } from '../i18n.js';
import { h, userAvatar } from './dom.js';
import { confirmAction } from './forms.js';

/** A member row; `actions` lists {label, danger, run} the viewer may apply to this member. */
function memberItem(member, { isMe, actions }) {
  const name = displayName(member.user);
  return h('li', { class: 'member', dataset: { userId: member.user.id } },
    // The picture and name open the person's card (ui/profile.js), with "Message".
    h('span', { class: 'member-avatar', dataset: { profile: member.user.id } },
      userAvatar(member.user, 'sm'),
      h('span', { class: `presence${member.online ? ' is-online' : ''}`, 'aria-hidden': 'true' })),
    h('span', { class: 'member-main' },
      h('button', { type: 'button', class: 'member-name', dir: 'auto', title: `@${member.user.username}`, dataset: { profile: member.user.id } },
        h('bdi', {}, name), isMe ? h('span', { class: 'member-you' }, gettext(' (you)')) : null),
      h('span', { class: 'member-meta' },
        member.online ? gettext('Online') : gettext('Offline'),
        member.role !== 'member' ? h('span', { class: `role role--${member.role}` }, roleName(member.role)) : null)),
    actions.length
      ? h('span', { class: 'member-actions' }, actions.map((action) => h('button', {
        type: 'button', class: `button button--small${action.danger ? ' button--danger' : ''}`,
        'aria-label': interpolate(gettext('%(action)s %(name)s'), { action: action.label, name }, true), onclick: action.run,
      }, action.label)))
      : null);
}

export function mountMembers({ store, commands, el }) {
  const { memberList, confirmDialog } = el;

  async function remove(room, member, action) {
    const name = displayName(member.user);
    const question = action === 'ban'
      ? {
        title: interpolate(gettext('Ban %(name)s?'), { name }, true),
        text: interpolate(gettext('%(name)s is removed and cannot rejoin.'), { name }, true),
        confirmLabel: gettext('Ban'),
      }
      : {
        title: interpolate(gettext('Remove %(name)s?'), { name }, true),
        text: interpolate(gettext('%(name)s can rejoin with the invite code.'), { name }, true),
        confirmLabel: gettext('Remove'),
      };
    if (!await confirmAction(confirmDialog, question)) return;
    commands.removeMember(room.id, member, action).catch((error) => store.toast(error.message));
  }

  /** The buttons for what the rules allow the viewer to do to `member`. */
  function actionsFor(room, member) {
    return store.rules.memberActions(room.data.role, member, store.me.id).map(({ action, role }) => {
      if (action === 'setRole') {
        return {
          label: role === 'admin' ? gettext('Make admin') : gettext('Remove admin'),
          run: () => commands.setRole(room.id, member.user.id, role).catch((error) => store.toast(error.message)),
        };
      }
      return { label: action === 'ban' ? gettext('Ban') : gettext('Kick'), danger: true, run: () => remove(room, member, action) };
    });
  }

  function render() {
    const room = store.currentRoom;
    if (!room) return;
    if (!room.members) {
      memberList.replaceChildren(h('li', { class: 'member-loading' }, gettext('Loading members…')));
      return;
    }
    const me = store.me.id;
    const members = [...room.members.values()].map((member) => (member.user.id === me ? { ...member, online: true } : member));
    memberList.replaceChildren(...sortMembers(members).map((member) => memberItem(member, {
      isMe: member.user.id === me, actions: actionsFor(room, member),
    })));
  }

  store.on('current', render);
  store.on('members', ({ roomId }) => {
    if (roomId === store.currentId) render();
  });
  store.on('room', ({ roomId, roleChanged }) => {
    if (roomId === store.currentId && roleChanged) render();
  });
}
