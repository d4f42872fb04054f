"""People, version 2 (PROTOCOL.md): display names, user.updated, and deleting one's account."""

import io

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tickets import ticket_issue, ticket_redeem
from chatroom.realtime.protocol import CLOSE_DEACTIVATED
from chatroom.testing.factories import PASSWORD, MembershipFactory, MessageFactory, RoomFactory, UserFactory
from chatroom.testing.live import receive_close, receive_until
from conftest import ws_connect
from messaging.models import Message, MessageEdit
from moderation.services import user_reactivate
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db


def png(colour="red") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "a.png"
    return buffer


def room_with(*users) -> Room:
    """A room owned by the first user, the others members."""
    room = RoomFactory(owner=users[0])
    for user in users[1:]:
        MembershipFactory(room=room, user=user)
    return room


# --- Display names --------------------------------------------------------------------


def test_display_name_defaults_to_the_username_everywhere(api, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    room = room_with(alice, bob)
    MessageFactory(room=room, author=alice, body="hi")
    client = api.as_user(bob)
    assert client.get("/api/me/").json()["display_name"] == "bob"
    [message] = client.get(f"/api/rooms/{room.id}/messages/").json()["results"]
    assert message["author"]["display_name"] == "alice"
    members = client.get(f"/api/rooms/{room.id}/members/").json()
    assert {m["user"]["display_name"] for m in members} == {"alice", "bob"}
    assert client.get(f"/api/rooms/{room.id}/").json()["owner"]["display_name"] == "alice"


def test_patch_me_sets_a_trimmed_display_name(api, make_user, published, django_capture_on_commit_callbacks):
    alice = make_user("alice")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(alice).patch("/api/me/", {"display_name": "  Alice Liddell 爱丽丝  "}, format="json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice Liddell 爱丽丝" and response.json()["username"] == "alice"
    assert User.objects.get(pk=alice.pk).display_name == "Alice Liddell 爱丽丝"
    # In no room: only their own sockets hear it.
    assert published.types(f"user.{alice.id}") == ["user.updated"]


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("", False),
        ("   ", False),
        ("a" * 64, True),
        ("a" * 65, False),
        ("👩‍👩‍👧 family", True),  # zero-width joiners make emoji
        ("two\nlines", False),
        ("tab\there", False),
        ("bell\x07", False),
        ("evil\u202eexe.txt", False),  # right-to-left override
        ("nul\x00", False),
        (12, False),
        (None, False),
    ],
)
def test_display_name_validation(api, make_user, name, ok):
    response = api.as_user(make_user()).patch("/api/me/", {"display_name": name}, format="json")
    assert response.status_code == (200 if ok else 400), response.json()
    if not ok:
        assert "display_name" in response.json()


def test_patch_me_needs_something_to_change(api, make_user):
    assert api.as_user(make_user()).patch("/api/me/", {}, format="json").status_code == 400


def test_display_name_equal_to_the_username_is_stored_blank(api, make_user):
    alice = make_user("alice")
    client = api.as_user(alice)
    client.patch("/api/me/", {"display_name": "Al"}, format="json")
    assert client.patch("/api/me/", {"display_name": "alice"}, format="json").json()["display_name"] == "alice"
    assert User.objects.get(pk=alice.pk).display_name == ""


def test_name_change_is_announced_to_each_room_once_and_not_when_unchanged(
    api, make_user, published, django_capture_on_commit_callbacks
):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    first, second = room_with(alice, bob), room_with(carol, alice)
    client = api.as_user(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch("/api/me/", {"display_name": "Alice"}, format="json")
    for room in (first, second):
        [frame] = published.frames(f"room.{room.id}")
        assert frame == {"type": "user.updated", "user": client.get("/api/me/").json()}
        assert frame["user"]["display_name"] == "Alice"
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.patch("/api/me/", {"display_name": "Alice"}, format="json")
    assert published == []


def test_avatar_change_is_announced(api, make_user, published, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    alice, bob = make_user("alice"), make_user("bob")
    room = room_with(alice, bob)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(alice).patch("/api/me/", {"avatar": png()}, format="multipart")
    assert response.status_code == 200
    [frame] = published.frames(f"room.{room.id}")
    assert frame["type"] == "user.updated" and frame["user"]["avatar"] == response.json()["avatar"] is not None


@pytest.mark.django_db(transaction=True)
async def test_user_updated_reaches_a_co_members_socket_and_not_a_strangers():
    alice, bob, stranger = [await database_sync_to_async(UserFactory)(username=n) for n in ("alice", "bob", "zed")]
    await database_sync_to_async(room_with)(alice, bob)
    await database_sync_to_async(room_with)(stranger)
    bob_ws, stranger_ws = await ws_connect(bob), await ws_connect(stranger)
    await receive_until(bob_ws, "hello")
    await receive_until(stranger_ws, "hello")
    client = APIClient()
    client.force_authenticate(alice)

    response = await sync_to_async(client.patch)("/api/me/", {"display_name": "Queen Alice"}, format="json")
    assert response.status_code == 200

    frame = await receive_until(bob_ws, "user.updated")
    assert frame["user"]["id"] == alice.id and frame["user"]["display_name"] == "Queen Alice"
    assert await stranger_ws.receive_nothing(timeout=0.3)
    await bob_ws.disconnect()
    await stranger_ws.disconnect()


# --- Deleting an account --------------------------------------------------------------


def delete_me(client, password=PASSWORD, **body):
    return client.delete("/api/me/", {"password": password, **body}, format="json")


def test_delete_account_wrong_password_is_400_and_changes_nothing(api, make_user):
    alice = make_user("alice")
    response = delete_me(api.as_user(alice), password="nope")
    assert response.status_code == 400 and "password" in response.json()
    assert delete_me(api.as_user(alice), password=None).status_code == 400
    assert User.objects.get(pk=alice.pk).deleted_at is None


def test_owner_of_rooms_is_refused_with_409_naming_them(api, make_user):
    alice = make_user("alice")
    first, second = RoomFactory(owner=alice, name="Book club"), RoomFactory(owner=alice, name="Attic")
    response = delete_me(api.as_user(alice))
    assert response.status_code == 409
    body = response.json()
    assert body["rooms"] == [{"id": second.id, "name": "Attic"}, {"id": first.id, "name": "Book club"}]
    assert "Book club" in body["detail"] and "Attic" in body["detail"]
    assert User.objects.get(pk=alice.pk).is_active


def test_deleted_account_keeps_its_messages_under_deleted_user(
    api, make_user, published, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    alice, bob = make_user("alice"), make_user("bob")
    room = room_with(alice, bob)
    MessageFactory(room=room, author=bob, body="from bob")
    client = api.as_user(bob)
    client.patch("/api/me/", {"avatar": png(), "display_name": "Bobby"}, format="multipart")
    avatar_path = User.objects.get(pk=bob.pk).avatar.path

    with django_capture_on_commit_callbacks(execute=True):
        response = delete_me(client)

    assert response.status_code == 204
    bob.refresh_from_db()
    assert (bob.username, bob.display_name, bob.avatar.name) == (f"deleted-{bob.id}", "Deleted user", "")
    assert not bob.is_active and bob.deleted_at is not None and not bob.has_usable_password()
    assert not Membership.objects.filter(user=bob).exists()
    assert not (tmp_path / avatar_path).exists()
    history = api.as_user(alice).get(f"/api/rooms/{room.id}/messages/").json()["results"]
    assert [(m["body"], m["author"]["display_name"], m["author"]["username"]) for m in history] == [
        ("from bob", "Deleted user", f"deleted-{bob.id}")
    ]
    member_left = [f for f in published.frames(f"room.{room.id}") if f["type"] == "member.left"]
    assert member_left and member_left[0]["user"]["display_name"] == "Deleted user"
    assert published.frames(f"user.{bob.id}") == []  # the close carries no frame
    assert [event["close_code"] for group, event in published if group == f"user.{bob.id}"] == [CLOSE_DEACTIVATED]


def test_erase_messages_leaves_tombstones_with_new_seq(api, make_user, published, django_capture_on_commit_callbacks):
    alice, bob = make_user("alice"), make_user("bob")
    room = room_with(alice, bob)
    kept = MessageFactory(room=room, author=alice, body="alice says")
    first = MessageFactory(room=room, author=bob, body="bob one")
    second = MessageFactory(room=room, author=bob, body="bob two")
    MessageEdit.objects.create(message=first, body="bob 1", written_at=first.created_at, replaced_at=first.created_at)
    seq_before = Room.objects.get(pk=room.pk).seq

    with django_capture_on_commit_callbacks(execute=True):
        assert delete_me(api.as_user(bob), erase_messages=True).status_code == 204

    room.refresh_from_db()
    assert room.seq == seq_before + 2
    erased = {m.id: m for m in Message.objects.filter(author=bob)}
    assert sorted(m.seq for m in erased.values()) == [seq_before + 1, seq_before + 2]
    assert all(m.deleted_at and m.body == "" and m.html == "" for m in erased.values())
    assert not MessageEdit.objects.filter(message__author=bob).exists()
    changes = api.as_user(alice).get(f"/api/rooms/{room.id}/changes/?since={seq_before}").json()
    assert changes["seq"] == seq_before + 2
    assert sorted((m["id"], m["seq"], m.get("deleted")) for m in changes["messages"]) == sorted(
        (m.id, m.seq, True) for m in erased.values()
    )
    deleted_frames = [f for f in published.frames(f"room.{room.id}") if f["type"] == "message.deleted"]
    assert sorted((f["message_id"], f["seq"]) for f in deleted_frames) == sorted((m.id, m.seq) for m in erased.values())
    assert Message.objects.get(pk=kept.pk).deleted_at is None
    assert api.as_user(alice).get("/api/search/?q=bob").json()["results"] == []
    assert {first.id, second.id} == set(erased)


def test_erase_reaches_rooms_the_user_already_left(api, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    room = room_with(alice, bob)
    message = MessageFactory(room=room, author=bob)
    Membership.objects.filter(user=bob).delete()
    assert delete_me(api.as_user(bob), erase_messages=True).status_code == 204
    assert Message.objects.get(pk=message.pk).deleted_at is not None


def test_deleted_account_tokens_tickets_and_sign_in_stop_working(api, make_user, client):
    bob = make_user("bob")
    refresh = RefreshToken.for_user(bob)
    ticket = ticket_issue(user=bob)
    assert delete_me(api.as_user(bob)).status_code == 204

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert other.get("/api/me/").status_code == 401
    other.credentials()
    assert other.post("/api/auth/token/refresh/", {"refresh": str(refresh)}, format="json").status_code == 401
    assert ticket_redeem(ticket) is None
    for username in ("bob", f"deleted-{bob.id}"):
        answer = other.post("/api/auth/token/", {"username": username, "password": PASSWORD}, format="json")
        assert answer.status_code == 401
        page = client.post("/login/", {"username": username, "password": PASSWORD})
        assert page.status_code == 200 and "_auth_user_id" not in client.session


def test_deleted_account_cannot_be_reactivated_or_registered_as(api, make_user):
    bob, staff = make_user("bob"), make_user("staff", is_staff=True, is_superuser=True)
    delete_me(api.as_user(bob))
    with pytest.raises(Exception, match="deleted"):
        user_reactivate(actor=staff, user=User.objects.get(pk=bob.pk))
    api.credentials()
    cache.clear()
    answer = api.post("/api/auth/register/", {"username": f"Deleted-{bob.id}", "password": PASSWORD}, format="json")
    assert answer.status_code == 400
    # The old name is free again.
    assert api.post("/api/auth/register/", {"username": "bob", "password": PASSWORD}, format="json").status_code == 201


def test_session_deletion_signs_the_page_out(client, make_user):
    bob = make_user("bob")
    client.force_login(bob)
    response = client.delete("/api/me/", {"password": PASSWORD}, content_type="application/json")
    assert response.status_code == 204
    assert "_auth_user_id" not in client.session
    assert client.get("/rooms/").status_code == 302


def test_account_deletion_is_rate_limited(api, make_user):
    client = api.as_user(make_user())
    answers = [delete_me(client, password="wrong").status_code for _ in range(11)]
    assert answers[:10] == [400] * 10 and answers[10] == 429


@pytest.mark.django_db(transaction=True)
async def test_deleting_an_account_closes_its_sockets_with_4403():
    alice, bob = [await database_sync_to_async(UserFactory)(username=n) for n in ("alice", "bob")]
    room = await database_sync_to_async(room_with)(alice, bob)
    bob_ws, alice_ws = await ws_connect(bob), await ws_connect(alice)
    await receive_until(bob_ws, "hello")
    await receive_until(alice_ws, "hello")
    client = APIClient()
    client.force_authenticate(bob)

    response = await sync_to_async(client.delete)("/api/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204

    assert await receive_close(bob_ws) == CLOSE_DEACTIVATED
    updated = await receive_until(alice_ws, "user.updated")
    assert updated["user"] == {**updated["user"], "id": bob.id, "display_name": "Deleted user", "avatar": None}
    left = await receive_until(alice_ws, "member.left")
    assert left["room"] == room.id and left["user"]["id"] == bob.id
    await alice_ws.disconnect()
