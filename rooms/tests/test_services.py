import pytest

from chatroom.exceptions import Conflict, Forbidden, NotFound, NotMember
from messaging.services import message_send
from rooms import services
from rooms.models import Membership, RoomBan

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(make_user, django_capture_on_commit_callbacks):
    owner = make_user("owner")
    with django_capture_on_commit_callbacks(execute=True):
        return services.room_create(owner=owner, name="general", description="all things")


def join(user, room, capture):
    with capture(execute=True):
        return services.room_join(user=user, invite_code=room.invite_code)


def test_create_makes_owner_first_member_and_tells_their_sockets(
    make_user, published, django_capture_on_commit_callbacks
):
    owner = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        room = services.room_create(owner=owner, name="r", description="")
    assert Membership.objects.get(room=room).role == "owner"
    assert len(room.invite_code) >= 22  # >= 128 bits
    [(group, event)] = published
    assert group == f"user.{owner.id}" and event["join_room"] == room.id
    frame = published.frames(group)[0]
    assert frame["type"] == "room.added" and frame["room"]["role"] == "owner" and frame["room"]["member_count"] == 1


def test_join_publishes_member_joined_and_room_added(room, make_user, published, django_capture_on_commit_callbacks):
    message_send(author=room.owner, room_id=room.id, body="before you came")
    bob = make_user("bob")
    join(bob, room, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(room=room, user=bob)
    assert membership.role == "member"
    assert membership.last_read_message_id == room.messages.latest("id").id  # starts read up to now
    assert published.types(f"room.{room.id}")[-1] == "member.joined"
    joined_event = [e for g, e in published if g == f"room.{room.id}"][-1]
    assert joined_event["exclude_user"] == bob.id
    assert published.types(f"user.{bob.id}") == ["room.added"]
    assert published.frames(f"user.{bob.id}")[0]["room"]["unread_count"] == 0


def test_join_twice_changes_nothing(room, make_user, published, django_capture_on_commit_callbacks):
    bob = make_user()
    join(bob, room, django_capture_on_commit_callbacks)
    published.clear()
    assert join(bob, room, django_capture_on_commit_callbacks) == room
    assert published == []
    assert Membership.objects.filter(room=room, user=bob).count() == 1


def test_join_unknown_code_and_banned(room, make_user, django_capture_on_commit_callbacks):
    with pytest.raises(NotFound):
        services.room_join(user=make_user(), invite_code="nope")
    bob = make_user()
    services.member_ban(actor=room.owner, room_id=room.id, user_id=bob.id)  # a non-member may be banned
    with pytest.raises(Forbidden):
        services.room_join(user=bob, invite_code=room.invite_code)
    services.member_unban(actor=room.owner, room_id=room.id, user_id=bob.id)
    join(bob, room, django_capture_on_commit_callbacks)


def test_leave(room, make_user, published, django_capture_on_commit_callbacks):
    bob = make_user()
    join(bob, room, django_capture_on_commit_callbacks)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.room_leave(user=bob, room_id=room.id)
    assert not Membership.objects.filter(room=room, user=bob).exists()
    assert published.frames(f"user.{bob.id}") == [{"type": "room.removed", "room": room.id, "reason": "left"}]
    assert published[0][1]["leave_room"] == room.id
    left = published.frames(f"room.{room.id}")[0]
    assert left["type"] == "member.left" and left["reason"] == "left" and left["user"]["id"] == bob.id
    with pytest.raises(Conflict):
        services.room_leave(user=room.owner, room_id=room.id)
    with pytest.raises(NotMember):
        services.room_leave(user=bob, room_id=room.id)


def test_update_requires_owner_or_admin_and_tells_each_member(
    room, make_user, published, django_capture_on_commit_callbacks
):
    bob = make_user()
    join(bob, room, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):
        services.room_update(actor=bob, room_id=room.id, name="mine")
    with pytest.raises(NotMember):
        services.room_update(actor=make_user(), room_id=room.id, name="mine")
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.room_update(actor=room.owner, room_id=room.id, name="renamed")
    for user, role in ((room.owner, "owner"), (bob, "member")):
        [frame] = published.frames(f"user.{user.id}")
        assert frame["type"] == "room.updated" and frame["room"]["name"] == "renamed" and frame["room"]["role"] == role


def test_delete_owner_only_removes_room_for_everyone(room, make_user, published, django_capture_on_commit_callbacks):
    bob = make_user()
    join(bob, room, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):
        services.room_delete(actor=bob, room_id=room.id)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.room_delete(actor=room.owner, room_id=room.id)
    [(group, event)] = published
    assert group == f"room.{room.id}" and event["drop_room"] is True
    assert published.frames(group) == [{"type": "room.removed", "room": room.id, "reason": "deleted"}]
    assert not Membership.objects.filter(room_id=room.id).exists()


def test_invite_rotation(room, make_user, django_capture_on_commit_callbacks):
    old = room.invite_code
    bob = make_user()
    join(bob, room, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):
        services.invite_rotate(actor=bob, room_id=room.id)
    new = services.invite_rotate(actor=room.owner, room_id=room.id)
    assert new != old
    with pytest.raises(NotFound):
        services.room_join(user=make_user(), invite_code=old)


def test_roles_kick_and_ban_rules(room, make_user, published, django_capture_on_commit_callbacks):
    admin, member, other_admin = make_user(), make_user(), make_user()
    for user in (admin, member, other_admin):
        join(user, room, django_capture_on_commit_callbacks)
    with pytest.raises(Forbidden):
        services.member_set_role(actor=admin, room_id=room.id, user_id=member.id, role="admin")
    services.member_set_role(actor=room.owner, room_id=room.id, user_id=admin.id, role="admin")
    services.member_set_role(actor=room.owner, room_id=room.id, user_id=other_admin.id, role="admin")
    with pytest.raises(Conflict):
        services.member_set_role(actor=room.owner, room_id=room.id, user_id=room.owner.id, role="member")
    with pytest.raises(Forbidden):  # an admin may remove only members
        services.member_kick(actor=admin, room_id=room.id, user_id=other_admin.id)
    with pytest.raises(Forbidden):
        services.member_kick(actor=admin, room_id=room.id, user_id=room.owner.id)
    with pytest.raises(Conflict):
        services.member_kick(actor=room.owner, room_id=room.id, user_id=room.owner.id)
    with pytest.raises(Forbidden):
        services.member_kick(actor=member, room_id=room.id, user_id=admin.id)
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_kick(actor=admin, room_id=room.id, user_id=member.id)
    assert published.frames(f"user.{member.id}") == [{"type": "room.removed", "room": room.id, "reason": "kicked"}]
    assert published.frames(f"room.{room.id}")[0]["reason"] == "kicked"
    join(member, room, django_capture_on_commit_callbacks)  # a kicked user may come back
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_ban(actor=room.owner, room_id=room.id, user_id=other_admin.id)
    assert published.frames(f"user.{other_admin.id}")[0]["reason"] == "banned"
    assert RoomBan.objects.filter(room=room, user=other_admin).exists()
    with pytest.raises(NotFound):
        services.member_unban(actor=room.owner, room_id=room.id, user_id=member.id)
    with pytest.raises(NotFound):
        services.member_ban(actor=room.owner, room_id=room.id, user_id=987654)
