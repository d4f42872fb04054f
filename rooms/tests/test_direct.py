"""Direct rooms (PROTOCOL.md version 2, POST dms/): who may open one, the pair's one room, the 409s, the peer."""

import pytest

from chatroom.exceptions import Conflict
from chatroom.testing.seed import make_moderator
from messaging.services import message_send
from rooms import services
from rooms.models import Membership, Room
from rooms.tests.test_races import CONCURRENT, run_together

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, django_capture_on_commit_callbacks):
    """Alice and Bob share the group room "general"; Carol is in no room with them."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    with django_capture_on_commit_callbacks(execute=True):
        general = services.room_create(owner=alice, name="general")
        services.room_join(user=bob, invite_code=general.invite_code)
    return alice, bob, carol, general


def open_dm(api, user, other_id):
    return api.as_user(user).post("/api/dms/", {"user_id": other_id}, format="json")


def test_opening_a_dm_answers_201_with_a_direct_room_and_its_peer(api, people):
    alice, bob, _, _ = people
    response = open_dm(api, alice, bob.id)
    assert response.status_code == 201
    room = response.json()
    assert room["kind"] == "direct" and room["peer"]["id"] == bob.id and room["peer"]["username"] == "bob"
    assert room["invite_code"] is None and room["member_count"] == 2 and room["name"] == "bob"
    stored = Room.objects.get(pk=room["id"])
    assert sorted(stored.memberships.values_list("user_id", flat=True)) == sorted([alice.id, bob.id])


def test_each_side_sees_the_other_as_peer(api, people, django_capture_on_commit_callbacks):
    alice, bob, _, _ = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=alice, room_id=room_id, body="hi bob")
    seen_by_bob = api.as_user(bob).get(f"/api/rooms/{room_id}/").json()
    assert seen_by_bob["peer"]["id"] == alice.id and seen_by_bob["name"] == "alice"
    seen_by_alice = api.as_user(alice).get(f"/api/rooms/{room_id}/").json()
    assert seen_by_alice["peer"]["id"] == bob.id and seen_by_alice["name"] == "bob"
    in_bobs_list = [r for r in api.as_user(bob).get("/api/rooms/").json() if r["id"] == room_id]
    assert in_bobs_list[0]["peer"]["id"] == alice.id and in_bobs_list[0]["unread_count"] == 1


def test_opening_again_answers_200_with_the_same_room_from_either_side(api, people):
    alice, bob, _, _ = people
    first = open_dm(api, alice, bob.id).json()
    again = open_dm(api, alice, bob.id)
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    from_bob = open_dm(api, bob, alice.id)
    assert from_bob.status_code == 200 and from_bob.json()["id"] == first["id"]
    assert from_bob.json()["peer"]["id"] == alice.id
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


def test_only_people_who_share_a_group_room_may_open_a_dm(api, people):
    alice, _, carol, _ = people
    response = open_dm(api, alice, carol.id)
    assert response.status_code == 403 and "share a room" in response.json()["detail"]
    assert open_dm(api, carol, alice.id).status_code == 403
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_an_existing_dm_still_opens_after_the_group_room_is_left(api, people, django_capture_on_commit_callbacks):
    """The conversation exists and both are in it: answering it leaks nothing (docs/PROTOCOL.md, Decisions)."""
    alice, bob, _, general = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        services.room_leave(user=bob, room_id=general.id)
    assert not Membership.objects.filter(room=general, user=bob).exists()
    again = open_dm(api, bob, alice.id)
    assert again.status_code == 200 and again.json()["id"] == room_id


@pytest.mark.parametrize(
    ("body", "status"),
    [({"user_id": 999999}, 404), ({}, 400), ({"user_id": "x"}, 400), ({"user_id": 0}, 400), ({"user_id": [1]}, 400)],
)
def test_bad_or_unknown_user_id(api, people, body, status):
    alice, _, _, _ = people
    assert api.as_user(alice).post("/api/dms/", body, format="json").status_code == status


def test_a_dm_with_oneself_is_400(api, people):
    alice, _, _, _ = people
    response = open_dm(api, alice, alice.id)
    assert response.status_code == 400 and "user_id" in response.json()


def test_a_deactivated_user_is_404(api, people):
    alice, bob, _, _ = people
    bob.is_active = False
    bob.save()
    assert open_dm(api, alice, bob.id).status_code == 404


def test_unauthenticated_is_401(api, people):
    assert api.post("/api/dms/", {"user_id": people[1].id}, format="json").status_code == 401


@pytest.fixture
def dm(api, people):
    alice, bob, carol, general = people
    return Room.objects.get(pk=open_dm(api, alice, bob.id).json()["id"])


@pytest.mark.parametrize(
    ("method", "path", "body", "why"),
    [
        ("post", "/api/rooms/{id}/leave/", None, "cannot be left"),
        ("patch", "/api/rooms/{id}/", {"name": "ours"}, "cannot be renamed"),
        ("delete", "/api/rooms/{id}/", None, "cannot be deleted"),
        ("post", "/api/rooms/{id}/invite/", None, "no invite code"),
        ("patch", "/api/rooms/{id}/members/{bob}/", {"role": "admin"}, "no roles"),
        ("post", "/api/rooms/{id}/members/{bob}/kick/", None, "removed"),
        ("post", "/api/rooms/{id}/members/{bob}/ban/", None, "banned"),
        ("post", "/api/rooms/{id}/members/{carol}/ban/", None, "banned"),
        ("delete", "/api/rooms/{id}/bans/{bob}/", None, "banned"),
    ],
)
def test_membership_changes_of_a_direct_room_are_409_saying_why(api, people, dm, method, path, body, why):
    alice, bob, carol, _ = people
    url = path.format(id=dm.id, bob=bob.id, carol=carol.id)
    response = getattr(api.as_user(alice), method)(url, body, format="json")
    assert response.status_code == 409, response.content
    assert why in response.json()["detail"]
    assert sorted(dm.memberships.values_list("user_id", flat=True)) == sorted([alice.id, bob.id])
    dm.refresh_from_db()
    assert dm.name == "alice, bob"


def test_joining_a_direct_room_by_its_code_is_409(api, people, dm):
    _, _, carol, _ = people
    response = api.as_user(carol).post("/api/rooms/join/", {"invite_code": dm.invite_code}, format="json")
    assert response.status_code == 409 and "cannot be joined" in response.json()["detail"]
    assert not dm.memberships.filter(user=carol).exists()


def test_a_stranger_gets_404_not_409(api, people, dm):
    _, _, carol, _ = people
    assert api.as_user(carol).post(f"/api/rooms/{dm.id}/leave/").status_code == 404


@pytest.mark.parametrize("action", ["kick", "ban"])
def test_staff_cannot_remove_from_a_direct_room_either(people, dm, action, make_user):
    alice, bob, _, _ = people
    service = services.member_kick if action == "kick" else services.member_ban
    with pytest.raises(Conflict):
        service(actor=make_moderator(), room_id=dm.id, user_id=bob.id, as_staff=True)


def test_staff_may_delete_a_direct_room(people, dm):
    services.room_delete(actor=make_moderator(), room_id=dm.id, as_staff=True, reason="abuse")
    assert not Room.objects.filter(pk=dm.id).exists()


def test_the_pair_key_is_one_room_per_pair_in_the_database(people, dm):
    from django.db import IntegrityError, transaction

    alice, bob, _, _ = people
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(kind="direct", direct_key=Room.direct_key_for(bob.id, alice.id), name="x", owner=bob)


def test_an_opening_that_loses_the_race_answers_the_winners_room(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    """The window between the lookup and the insert: the other's room stands, and this opening returns it."""
    alice, bob, _, _ = people
    with django_capture_on_commit_callbacks(execute=True):
        winner, created = services.direct_open(user=bob, other_id=alice.id)
    assert created
    monkeypatch.setattr(services, "_direct_room", lambda key: None)  # as if looked up before the winner committed
    with django_capture_on_commit_callbacks(execute=True):
        room, created = services.direct_open(user=alice, other_id=bob.id)
    assert room.id == winner.id and not created
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_make_one_room(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    general = services.room_create(owner=alice, name="general")
    services.room_join(user=bob, invite_code=general.invite_code)
    for _ in range(10 if CONCURRENT else 1):
        Room.objects.filter(kind=Room.Kind.DIRECT).delete()
        outcomes = run_together(
            lambda: services.direct_open(user=alice, other_id=bob.id),
            lambda: services.direct_open(user=bob, other_id=alice.id),
            lambda: services.direct_open(user=alice, other_id=bob.id),
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert len({room.id for room, _ in outcomes}) == 1
        assert sum(created for _, created in outcomes) == 1
        assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


def test_the_peer_sees_the_room_only_with_its_first_message(api, people, django_capture_on_commit_callbacks):
    alice, bob, _, _ = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    assert room_id in [r["id"] for r in api.as_user(alice).get("/api/rooms/").json()]
    assert room_id not in [r["id"] for r in api.as_user(bob).get("/api/rooms/").json()]
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=alice, room_id=room_id, body="hello")
    bobs = {r["id"]: r for r in api.as_user(bob).get("/api/rooms/").json()}
    assert bobs[room_id]["last_message"]["body"] == "hello" and bobs[room_id]["unread_count"] == 1


def test_the_peer_opening_it_first_sees_it_at_once(api, people):
    alice, bob, _, _ = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    assert open_dm(api, bob, alice.id).status_code == 200
    assert room_id in [r["id"] for r in api.as_user(bob).get("/api/rooms/").json()]


def test_a_dm_is_a_room_for_history_reactions_and_reads(api, people, django_capture_on_commit_callbacks):
    alice, bob, _, _ = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.as_user(alice).post(f"/api/rooms/{room_id}/messages/", {"body": "hi @bob"}, format="json")
    assert sent.status_code == 201 and sent.json()["mentions"] == [bob.id]
    message_id = sent.json()["id"]
    bob_api = api.as_user(bob)
    assert bob_api.get(f"/api/rooms/{room_id}/").json()["mention_count"] == 1
    assert [m["id"] for m in bob_api.get(f"/api/rooms/{room_id}/messages/").json()["results"]] == [message_id]
    assert bob_api.put(f"/api/rooms/{room_id}/messages/{message_id}/reactions/%F0%9F%91%8D/").status_code == 200
    assert bob_api.post(f"/api/rooms/{room_id}/read/", {"message_id": message_id}, format="json").status_code == 204
    assert bob_api.get(f"/api/rooms/{room_id}/").json()["unread_count"] == 0
    found = bob_api.get("/api/search/", {"q": "hi"}).json()["results"]
    assert [m["id"] for m in found] == [message_id]


def test_the_admin_shows_the_kind_and_filters_by_it(people, dm, moderator_client):
    from django.urls import reverse

    url = reverse("admin:rooms_room_changelist")
    direct = moderator_client.get(url, {"kind__exact": "direct"})
    assert [room.id for room in direct.context["cl"].result_list] == [dm.id]
    group = moderator_client.get(url, {"kind__exact": "group"})
    assert [room.id for room in group.context["cl"].result_list] == [people[3].id]
    assert "direct" in moderator_client.get(reverse("admin:rooms_room_change", args=[dm.id])).content.decode()


def test_kicking_from_a_direct_room_in_the_admin_says_why(people, dm, moderator_client):
    from django.urls import reverse

    alice, bob, _, _ = people
    membership = Membership.objects.get(room=dm, user=bob)
    response = moderator_client.post(
        reverse("admin:rooms_membership_changelist"),
        {"action": "kick", "_selected_action": [membership.id], "reason": "spam", "apply": "1"},
        follow=True,
    )
    assert "Nobody can be removed from a direct conversation." in response.content.decode()
    assert Membership.objects.filter(room=dm, user=bob).exists()


def test_the_page_of_a_direct_room_is_titled_by_the_other_person(api, people, client):
    alice, bob, _, _ = people
    room_id = open_dm(api, alice, bob.id).json()["id"]
    client.force_login(alice)
    assert "<title>bob" in client.get(f"/rooms/{room_id}/").content.decode()


def test_an_invite_link_with_a_direct_rooms_code_is_unknown(people, dm, client):
    _, _, carol, _ = people
    assert client.get(f"/join/{dm.invite_code}/").status_code == 404  # signed out: no room named
    client.force_login(carol)
    assert client.get(f"/join/{dm.invite_code}/").status_code == 404
    assert not dm.memberships.filter(user=carol).exists()
