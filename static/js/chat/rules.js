// What each role may do in a room. The rules come from the page config (rooms/views.py builds them
// from the server's own); the server enforces them, the page only leaves out what it would refuse.

export class RoomRules {
  /** `roles`: {manage, changeRoles, assignable, deleteRoom, leave: [role], remove: {actor role: [role]}}. */
  constructor(roles) {
    this.roles = roles;
  }

  /** Edit the room, rotate its invite code, delete others' messages. */
  canManage(role) {
    return this.roles.manage.includes(role);
  }

  canDeleteRoom(role) {
    return this.roles.deleteRoom.includes(role);
  }

  canLeave(role) {
    return this.roles.leave.includes(role);
  }

  canDeleteMessage(role, own) {
    return own || this.canManage(role);
  }

  /** Kick or ban a member whose role is `targetRole`. */
  canRemove(role, targetRole) {
    return (this.roles.remove[role] || []).includes(targetRole);
  }

  /**
   * What a member of role `role` may do to `member` (not themself), in the order the page offers it:
   * `{action: 'setRole', role}` (the other assignable role), `{action: 'kick'}`, `{action: 'ban'}`.
   */
  memberActions(role, member, meId) {
    if (member.user.id === meId) return [];
    const actions = [];
    const assignable = this.roles.assignable;
    if (this.roles.changeRoles.includes(role) && assignable.includes(member.role)) {
      const other = assignable.find((candidate) => candidate !== member.role);
      if (other) actions.push({ action: 'setRole', role: other });
    }
    if (this.canRemove(role, member.role)) actions.push({ action: 'kick' }, { action: 'ban' });
    return actions;
  }
}
