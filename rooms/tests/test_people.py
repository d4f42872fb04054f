"""People, version 2 (PROTOCOL.md), in rooms: the bans list, handing a room over, invite links."""

import pytest
from django.urls import reverse

from chatroom.testing.factories import PASSWORD, MembershipFactory, RoomFactory
from moderation.models import ModerationAction
from rooms.models import Membership, Room, RoomBan
from rooms.services import member_ban

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def people(make_user):
    """A room with an owner, an admin, a member; and a stranger."""
    owner, admin, member, stranger = (make_user(n) for n in ("owner", "admin", "member", "stranger"))
    room = RoomFactory(owner=owner, name="general")
    MembershipFactory(room=room, user=admin, role=Role.ADMIN)
    MembershipFactory(room=room, user=member)
    return room, owner, admin, member, stranger


# --- Bans list --------------------------------------------------------------------


def test_bans_list_for_owner_and_admin_only(api, people, make_user):
    room, owner, admin, member, stranger = people
    troll, spammer = make_user("troll"), make_user("spammer")
    member_ban(actor=owner, room_id=room.id, user_id=troll.id)
    member_ban(actor=admin, room_id=room.id, user_id=spammer.id)
    url = f"/api/rooms/{room.id}/bans/"

    for viewer in (owner, admin):
        response = api.as_user(viewer).get(url)
        assert response.status_code == 200
        bans = response.json()
        assert [(b["user"]["username"], b["banned_by"]["username"]) for b in bans] == [
            ("spammer", "admin"),
            ("troll", "owner"),
        ]
        assert set(bans[0]) == {"user", "banned_by", "created_at"} and bans[0]["created_at"].endswith("Z")
        assert bans[0]["user"]["display_name"] == "spammer"
    assert api.as_user(member).get(url).status_code == 403
    assert api.as_user(stranger).get(url).status_code == 404
    assert api.as_user(owner).get("/api/rooms/999999/bans/").status_code == 404


def test_bans_list_with_banner_gone_and_in_few_queries(api, people, make_user, django_assert_max_num_queries):
    room, owner, *_ = people
    for index in range(5):
        RoomBan.objects.create(room=room, user=make_user(f"banned{index}"), banned_by=None)
    client = api.as_user(owner)
    with django_assert_max_num_queries(6):
        bans = client.get(f"/api/rooms/{room.id}/bans/").json()
    assert len(bans) == 5 and all(b["banned_by"] is None for b in bans)


# --- Handing a room over ----------------------------------------------------------


def test_owner_hands_the_room_over(api, people, published, django_capture_on_commit_callbacks):
    room, owner, admin, member, _ = people
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(owner).patch(f"/api/rooms/{room.id}/", {"owner": member.id}, format="json")
    assert response.status_code == 200
    assert response.json()["owner"]["id"] == member.id and response.json()["role"] == "admin"
    assert Room.objects.get(pk=room.pk).owner_id == member.id
    roles = dict(Membership.objects.filter(room=room).values_list("user__username", "role"))
    assert roles == {"owner": "admin", "admin": "admin", "member": "owner"}
    record = ModerationAction.objects.get(action=ModerationAction.Action.ROOM_HAND_OVER)
    assert (record.actor_id, record.target_user_id, record.room_id, record.authority) == (
        owner.id,
        member.id,
        room.id,
        "owner",
    )
    # Everyone hears the new owner; each their own role.
    for user, role in ((owner, "admin"), (admin, "admin"), (member, "owner")):
        [frame] = published.frames(f"user.{user.id}")
        assert frame["type"] == "room.updated" and frame["room"]["owner"]["id"] == member.id
        assert frame["room"]["role"] == role
    # The new owner may now hand it back; the old one may not any more.
    assert api.as_user(owner).patch(f"/api/rooms/{room.id}/", {"owner": owner.id}, format="json").status_code == 403
    assert api.as_user(member).patch(f"/api/rooms/{room.id}/", {"owner": owner.id}, format="json").status_code == 200


def test_hand_over_refusals(api, people):
    room, owner, admin, member, stranger = people
    url = f"/api/rooms/{room.id}/"
    assert api.as_user(admin).patch(url, {"owner": member.id}, format="json").status_code == 403
    assert api.as_user(member).patch(url, {"owner": member.id}, format="json").status_code == 403
    assert api.as_user(stranger).patch(url, {"owner": stranger.id}, format="json").status_code == 404
    for target in (stranger.id, 987654):
        response = api.as_user(owner).patch(url, {"owner": target}, format="json")
        assert response.status_code == 400 and "owner" in response.json()
    for bad in ("2", None, True, 0):
        assert api.as_user(owner).patch(url, {"owner": bad}, format="json").status_code == 400
    assert Room.objects.get(pk=room.pk).owner_id == owner.id
    # To oneself: nothing changes.
    assert api.as_user(owner).patch(url, {"owner": owner.id}, format="json").status_code == 200
    assert Membership.objects.get(room=room, user=owner).role == Role.OWNER


def test_hand_over_with_a_rename_in_one_patch(api, people):
    room, owner, admin, *_ = people
    response = api.as_user(owner).patch(f"/api/rooms/{room.id}/", {"owner": admin.id, "name": "new"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "new"
    assert response.json()["owner"]["id"] == admin.id


def test_creating_a_room_ignores_no_owner_field(api, make_user):
    owner = make_user()
    response = api.as_user(owner).post("/api/rooms/", {"name": "x", "owner": 12345}, format="json")
    assert response.status_code == 201 and response.json()["owner"]["id"] == owner.id


def test_hand_over_then_the_old_owner_can_delete_their_account(api, people):
    room, owner, admin, *_ = people
    client = api.as_user(owner)
    assert client.delete("/api/me/", {"password": PASSWORD}, format="json").status_code == 409
    client.patch(f"/api/rooms/{room.id}/", {"owner": admin.id}, format="json")
    assert client.delete("/api/me/", {"password": PASSWORD}, format="json").status_code == 204


def test_no_hand_over_to_a_deleted_account(api, people):
    room, owner, admin, member, _ = people
    assert api.as_user(member).delete("/api/me/", {"password": PASSWORD}, format="json").status_code == 204
    response = api.as_user(owner).patch(f"/api/rooms/{room.id}/", {"owner": member.id}, format="json")
    assert response.status_code == 400


# --- Invite links -----------------------------------------------------------------


def join_url(room: Room) -> str:
    return reverse("join-page", kwargs={"invite_code": room.invite_code})


def test_invite_url_is_absolute_in_rest_and_the_join_page(api, people):
    room, owner, *_ = people
    body = api.as_user(owner).get(f"/api/rooms/{room.id}/").json()
    assert body["invite_url"] == f"http://testserver/join/{room.invite_code}/"
    listed = api.as_user(owner).get("/api/rooms/").json()
    assert listed[0]["invite_url"] == body["invite_url"]


def test_signed_in_visitor_joins_and_lands_in_the_room(client, people, published, django_capture_on_commit_callbacks):
    room, *_, stranger = people
    client.force_login(stranger)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(join_url(room))
    assert response.status_code == 302 and response.url == f"/rooms/{room.id}/"
    assert Membership.objects.filter(room=room, user=stranger, role=Role.MEMBER).exists()
    assert "member.joined" in published.types(f"room.{room.id}")
    # Again: already a member, straight in.
    assert client.get(join_url(room)).url == f"/rooms/{room.id}/"


def test_signed_out_visitor_signs_in_and_lands_in_the_room(client, people):
    room, *_, stranger = people
    page = client.get(join_url(room))
    assert page.status_code == 200
    text = page.content.decode()
    assert "general" in text
    login_href = f"/login/?next=%2Fjoin%2F{room.invite_code}%2F"
    assert login_href in text and f"/register/?next=%2Fjoin%2F{room.invite_code}%2F" in text
    signed_in = client.post(login_href, {"username": "stranger", "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in.url == join_url(room)
    assert client.get(signed_in.url).url == f"/rooms/{room.id}/"
    assert client.get(f"/rooms/{room.id}/").status_code == 200


def test_signed_out_visitor_registers_and_lands_in_the_room(client, people):
    room, *_ = people
    register_href = f"/register/?next=%2Fjoin%2F{room.invite_code}%2F"
    form = client.get(register_href).content.decode()
    assert f'name="next" value="/join/{room.invite_code}/"' in form
    # The sign-in link on the sign-up page keeps the destination too.
    assert f"/login/?next=/join/{room.invite_code}/" in form
    created = client.post(
        register_href,
        {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD, "next": f"/join/{room.invite_code}/"},
    )
    assert created.status_code == 302 and created.url == join_url(room)
    assert client.get(created.url).url == f"/rooms/{room.id}/"
    assert Membership.objects.filter(room=room, user__username="newbie").exists()


@pytest.mark.parametrize("signed_in", [True, False])
def test_unknown_invite_code_is_a_friendly_404(client, people, signed_in):
    *_, stranger = people
    if signed_in:
        client.force_login(stranger)
    response = client.get("/join/not-a-real-code/")
    assert response.status_code == 404
    assert "This invite link does not work" in response.content.decode()


def test_banned_visitor_is_told(client, people):
    room, owner, *_, stranger = people
    member_ban(actor=owner, room_id=room.id, user_id=stranger.id)
    client.force_login(stranger)
    response = client.get(join_url(room))
    assert response.status_code == 403 and "banned" in response.content.decode()
    assert not Membership.objects.filter(room=room, user=stranger).exists()


def test_rotated_code_stops_the_old_link(client, api, people):
    room, owner, *_, stranger = people
    old = join_url(room)
    api.as_user(owner).post(f"/api/rooms/{room.id}/invite/")
    client.force_login(stranger)
    assert client.get(old).status_code == 404
