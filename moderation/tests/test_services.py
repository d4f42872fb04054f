"""The audit trail every moderation service writes, and who may act as site staff."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from chatroom.exceptions import Conflict, Forbidden, NotFound, NotMember
from chatroom.realtime.protocol import CLOSE_DEACTIVATED
from chatroom.testing.factories import PASSWORD
from chatroom.testing.seed import make_moderator
from messaging.services import message_delete, message_send
from moderation.models import ModerationAction
from moderation.services import user_deactivate, user_reactivate
from rooms import services
from rooms.models import Membership, Room, RoomBan

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(make_user):
    room = services.room_create(owner=make_user("owner"), name="general")
    for name in ("adele", "bob", "carol"):
        services.room_join(user=make_user(name), invite_code=room.invite_code)
    services.member_set_role(actor=room.owner, room_id=room.id, user_id=member(room, "adele").id, role="admin")
    return room


def member(room: Room, username: str):
    return Membership.objects.select_related("user").get(room=room, user__username=username).user


def rows() -> list[tuple]:
    return list(
        ModerationAction.objects.order_by("id").values_list(
            "action", "actor__username", "authority", "target_user__username", "room_id", "reason"
        )
    )


def test_rest_moderation_by_owner_and_admin_is_logged(room, api):
    owner, admin = room.owner, member(room, "adele")
    bob, carol = member(room, "bob"), member(room, "carol")
    assert api.as_user(admin).post(f"/api/rooms/{room.id}/members/{bob.id}/kick/").status_code == 204
    assert api.as_user(owner).post(f"/api/rooms/{room.id}/members/{carol.id}/ban/").status_code == 204
    assert api.as_user(admin).delete(f"/api/rooms/{room.id}/bans/{carol.id}/").status_code == 204
    assert api.as_user(admin).post(f"/api/rooms/{room.id}/invite/").status_code == 200
    assert rows() == [
        ("member_kick", "adele", "admin", "bob", room.id, ""),
        ("member_ban", "owner", "owner", "carol", room.id, ""),
        ("member_unban", "adele", "admin", "carol", room.id, ""),
        ("invite_rotate", "adele", "admin", None, room.id, ""),
    ]
    assert ModerationAction.objects.get(action="member_ban").target == f"carol in general (#{room.id})"


def test_deleting_someone_elses_message_is_logged_deleting_ones_own_is_not(room, api):
    bob = member(room, "bob")
    own = message_send(author=bob, room_id=room.id, body="oops").message
    other = message_send(author=bob, room_id=room.id, body="something rude " * 20).message
    assert api.as_user(bob).delete(f"/api/rooms/{room.id}/messages/{own.id}/").status_code == 204
    assert not ModerationAction.objects.exists()
    assert api.as_user(room.owner).delete(f"/api/rooms/{room.id}/messages/{other.id}/").status_code == 204
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.authority, entry.message_id, entry.target_user_id) == (
        "message_delete",
        "owner",
        other.id,
        bob.id,
    )
    assert entry.target.startswith(f"message #{other.id} by bob in general (#{room.id}): something rude")
    assert len(entry.target) <= 255


def test_a_refused_action_leaves_no_row(room):
    with pytest.raises(Forbidden):
        services.member_kick(actor=member(room, "adele"), room_id=room.id, user_id=room.owner.id)
    with pytest.raises(NotFound):
        services.member_unban(actor=room.owner, room_id=room.id, user_id=member(room, "bob").id)
    assert not ModerationAction.objects.exists()


def test_staff_in_a_room_are_plain_members_outside_the_admin(room, api):
    """REST callers keep the member rules: being site staff grants nothing there."""
    moderator = make_moderator()
    services.room_join(user=moderator, invite_code=room.invite_code)
    bob = member(room, "bob")
    assert api.as_user(moderator).post(f"/api/rooms/{room.id}/members/{bob.id}/kick/").status_code == 403
    with pytest.raises(Forbidden):
        services.member_ban(actor=moderator, room_id=room.id, user_id=bob.id)
    outsider = make_moderator("outsider")
    assert api.as_user(outsider).delete(f"/api/rooms/{room.id}/").status_code == 404
    with pytest.raises(NotMember):
        services.invite_rotate(actor=outsider, room_id=room.id)
    assert Membership.objects.filter(room=room, user=bob).exists() and not ModerationAction.objects.exists()


@pytest.mark.parametrize("who", ["member", "staff without the permission", "inactive moderator"])
def test_acting_as_staff_needs_the_moderate_permission(room, make_user, who):
    actor = {
        "member": lambda: room.owner,
        "staff without the permission": lambda: make_moderator(moderate=False),
        "inactive moderator": lambda: make_moderator(),
    }[who]()
    if who == "inactive moderator":
        actor.is_active = False
    bob = member(room, "bob")
    with pytest.raises(Forbidden):
        services.member_kick(actor=actor, room_id=room.id, user_id=bob.id, as_staff=True)
    with pytest.raises(Forbidden):
        services.room_delete(actor=actor, room_id=room.id, as_staff=True)
    assert Room.objects.filter(pk=room.id).exists() and not ModerationAction.objects.exists()


@pytest.mark.parametrize("room_id", [987654, "abc", None])
def test_acting_as_staff_on_no_room(room_id):
    with pytest.raises(NotFound):
        services.invite_rotate(actor=make_moderator(), room_id=room_id, as_staff=True)


def test_staff_moderate_rooms_they_are_not_in_with_the_owners_powers(
    room, published, django_capture_on_commit_callbacks
):
    moderator = make_moderator()
    admin, bob, carol = member(room, "adele"), member(room, "bob"), member(room, "carol")
    message = message_send(author=bob, room_id=room.id, body="spam").message
    with django_capture_on_commit_callbacks(execute=True):
        message_delete(actor=moderator, room_id=room.id, message_id=message.id, reason="spam", as_staff=True)
        services.member_kick(actor=moderator, room_id=room.id, user_id=admin.id, reason="k", as_staff=True)
        services.member_ban(actor=moderator, room_id=room.id, user_id=bob.id, reason="b", as_staff=True)
        services.member_unban(actor=moderator, room_id=room.id, user_id=bob.id, reason="u", as_staff=True)
        services.invite_rotate(actor=moderator, room_id=room.id, reason="i", as_staff=True)
    with pytest.raises(Forbidden):  # like the owner, staff cannot remove the owner
        services.member_ban(actor=moderator, room_id=room.id, user_id=room.owner.id, as_staff=True)
    assert not Membership.objects.filter(room=room, user=moderator).exists()
    assert published.types(f"room.{room.id}") == ["message.deleted", "member.left", "member.left"]
    assert published.frames(f"user.{bob.id}")[0] == {"type": "room.removed", "room": room.id, "reason": "banned"}
    assert [r[:3] for r in rows()] == [
        ("message_delete", "moderator", "staff"),
        ("member_kick", "moderator", "staff"),
        ("member_ban", "moderator", "staff"),
        ("member_unban", "moderator", "staff"),
        ("invite_rotate", "moderator", "staff"),
    ]
    assert [r[5] for r in rows()] == ["spam", "k", "b", "u", "i"]
    assert Membership.objects.filter(room=room, user=carol).exists()


def test_the_log_outlives_a_deleted_room(room):
    message = message_send(author=member(room, "bob"), room_id=room.id, body="evidence").message
    services.member_ban(actor=room.owner, room_id=room.id, user_id=member(room, "carol").id)
    message_delete(actor=room.owner, room_id=room.id, message_id=message.id)
    services.room_delete(actor=make_moderator(), room_id=room.id, reason="closing", as_staff=True)
    assert not Room.objects.filter(pk=room.id).exists() and not RoomBan.objects.exists()
    log = list(ModerationAction.objects.order_by("id"))
    assert [entry.room_id for entry in log] == [room.id] * 3 and log[1].message_id == message.id
    assert "evidence" in log[1].target and log[2].target == f"general (#{room.id})"
    assert log[2].authority == "staff" and log[2].reason == "closing"


# --- Deactivation -----------------------------------------------------------------


def test_deactivation_revokes_everything_and_closes_sockets(
    make_user, api, published, django_capture_on_commit_callbacks
):
    target, bystander = make_user("target"), make_user("bystander")
    refresh = RefreshToken.for_user(target)
    for user in (target, bystander):
        Client().force_login(user)
    moderator = make_moderator()
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(actor=moderator, user=target, reason="abuse")
    target.refresh_from_db()
    assert not target.is_active
    (group, event), *session_closes = published
    assert group == f"user.{target.id}" and event["close_code"] == CLOSE_DEACTIVATED
    # Then each deleted session closes what it opened (accounts.signals); the 4403 went first.
    assert [event["type"] for _, event in session_closes] == ["hub.session"]
    # Their sessions are gone; other people's stay.
    owners = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert owners == {str(bystander.id)}
    # Their access token no longer authenticates; their refresh token is blacklisted.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert api.get("/api/me/").status_code == 401
    assert api.post("/api/auth/ws-ticket/").status_code == 401
    api.credentials()
    assert api.post("/api/auth/token/refresh/", {"refresh": str(refresh)}, format="json").status_code == 401
    assert api.post("/api/auth/token/", {"username": "target", "password": PASSWORD}, format="json").status_code == 401
    entry = ModerationAction.objects.get()
    assert (entry.action, entry.actor_id, entry.authority, entry.target, entry.reason) == (
        "user_deactivate",
        moderator.id,
        "staff",
        "target",
        "abuse",
    )

    user_reactivate(actor=moderator, user=target, reason="appeal")
    assert api.post("/api/auth/token/", {"username": "target", "password": PASSWORD}, format="json").status_code == 200
    assert api.post("/api/auth/token/refresh/", {"refresh": str(refresh)}, format="json").status_code == 401
    assert ModerationAction.objects.filter(action="user_reactivate", reason="appeal").exists()


def test_who_may_deactivate_whom(make_user, django_user_model):
    moderator, other_staff, user = make_moderator(), make_moderator("other"), make_user()
    with pytest.raises(Forbidden):
        user_deactivate(actor=make_moderator("weak", moderate=False), user=user)
    with pytest.raises(Forbidden):
        user_deactivate(actor=make_user(), user=user)
    with pytest.raises(Conflict):
        user_deactivate(actor=moderator, user=moderator)
    with pytest.raises(Forbidden):  # staff accounts are a superuser's business
        user_deactivate(actor=moderator, user=other_staff)
    with pytest.raises(Conflict):
        user_reactivate(actor=moderator, user=user)
    superuser = django_user_model.objects.create_superuser("root", password=PASSWORD)
    user_deactivate(actor=superuser, user=other_staff)
    with pytest.raises(Conflict):
        user_deactivate(actor=superuser, user=other_staff)
    assert list(ModerationAction.objects.values_list("action", "target_user_id")) == [
        ("user_deactivate", other_staff.id)
    ]
