"""The WebSocket protocol through the real ASGI stack: routing, origin check, auth, consumer, hub."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.tickets import ticket_issue
from chatroom.asgi import application
from chatroom.realtime.frames import OutgoingFrame
from chatroom.realtime.hub import Hub
from conftest import HOST, ORIGIN, ws_connect
from messaging.models import Message
from rooms import services as room_services
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def receive_until(ws, frame_type: str, limit: int = 10) -> dict:
    """Read frames until one of `frame_type` arrives (presence frames may come first)."""
    for _ in range(limit):
        frame = await ws.receive_json_from(timeout=2)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


async def connected(user) -> WebsocketCommunicator:
    ws = await ws_connect(user)
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello"
    return ws


@pytest.fixture
async def chat(make_user):
    """Alice owns a room Bob is in; both are connected."""
    alice = await db(make_user)("alice")
    bob = await db(make_user)("bob")
    room = await db(room_services.room_create)(owner=alice, name="general")
    await db(room_services.room_join)(user=bob, invite_code=room.invite_code)
    a = await connected(alice)
    b = await connected(bob)
    await receive_until(a, "presence")  # bob came online
    yield alice, bob, room, a, b
    await a.disconnect()
    await b.disconnect()


# --- Handshake and authentication -----------------------------------------------


async def test_hello_lists_the_users_rooms(make_user):
    alice = await db(make_user)("alice")
    room = await db(room_services.room_create)(owner=alice, name="r")
    ws = await ws_connect(alice)
    hello = await ws.receive_json_from()
    assert hello == {
        "type": "hello",
        "user": {
            "id": alice.id,
            "username": "alice",
            "display_name": "alice",
            "avatar": None,
            "date_joined": hello["user"]["date_joined"],
        },
        "rooms": [room.id],
        "seqs": {str(room.id): 0},
    }
    await ws.disconnect()


async def test_hello_comes_before_what_is_pushed_while_subscribing(make_user, monkeypatch):
    """An event that reaches the socket while it subscribes (a member's presence) waits until hello is out."""
    alice = await db(make_user)("alice")
    await db(room_services.room_create)(owner=alice, name="r")
    attach = Hub.attach

    async def attach_then_push(self, socket, room_ids):
        await attach(self, socket, room_ids)
        await socket.push(OutgoingFrame('{"type":"presence"}'))  # as the hub delivers an event at this moment

    monkeypatch.setattr(Hub, "attach", attach_then_push)
    ws = await ws_connect(alice)
    assert (await ws.receive_json_from())["type"] == "hello"
    assert (await ws.receive_json_from())["type"] == "presence"
    await ws.disconnect()


async def test_unauthenticated_handshake_is_closed_with_4401(make_user):
    ws = await ws_connect(None)
    assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    bad = await ws_connect(None, ticket="x" * 43)
    assert (await bad.receive_output(timeout=2))["code"] == 4401


async def test_ticket_is_single_use(make_user):
    user = await db(make_user)()
    ticket = await db(ticket_issue)(user=user)
    first = await ws_connect(None, ticket=ticket)
    assert (await first.receive_json_from())["type"] == "hello"
    second = await ws_connect(None, ticket=ticket)
    assert (await second.receive_output(timeout=2))["code"] == 4401
    await first.disconnect()


def login_session_of(user) -> str:
    """A stored session of `user`, as Django's login would make it; its key."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


async def test_a_ticket_wins_over_a_session_cookie(make_user):
    """An API client's ticket names who it is, whatever cookie the browser it runs in holds."""
    cookie_user, ticket_user = await db(make_user)("cookie"), await db(make_user)("ticket")
    key = await db(login_session_of)(cookie_user)
    ticket = await db(ticket_issue)(user=ticket_user)
    ws = WebsocketCommunicator(
        application,
        f"/ws/chat/?ticket={ticket}",
        headers=[HOST, ORIGIN, (b"cookie", f"sessionid={key}".encode())],
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["user"]["id"] == ticket_user.id
    await ws.disconnect()
    # A spent ticket does not fall back to the cookie either: unauthenticated.
    ws = WebsocketCommunicator(
        application,
        f"/ws/chat/?ticket={ticket}",
        headers=[HOST, ORIGIN, (b"cookie", f"sessionid={key}".encode())],
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_output(timeout=2))["code"] == 4401


async def test_session_cookie_authenticates(make_user):
    user = await db(make_user)()

    def login_session() -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return session.session_key

    key = await db(login_session)()
    ws = WebsocketCommunicator(
        application,
        "/ws/chat/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", f"sessionid={key}".encode())],
    )
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["user"]["id"] == user.id
    await ws.disconnect()


@pytest.mark.parametrize("origin", [None, (b"origin", b"http://evil.example")])
async def test_foreign_or_missing_origin_is_refused(make_user, origin):
    user = await db(make_user)()
    ticket = await db(ticket_issue)(user=user)
    headers = [(b"host", b"127.0.0.1"), origin] if origin else [(b"host", b"127.0.0.1")]
    ws = WebsocketCommunicator(application, f"/ws/chat/?ticket={ticket}", headers=headers)
    connected_, _ = await ws.connect()
    assert not connected_


# --- Chatting ------------------------------------------------------------------


async def test_send_acks_then_pushes_to_every_socket_in_the_room(chat, make_user):
    alice, bob, room, a, b = chat
    bob2 = await connected(bob)  # a second tab of bob's
    await a.send_json_to({"type": "message.send", "room": room.id, "body": " hi <b>bob</b> ", "client_id": "c1"})
    frames = [await a.receive_json_from(timeout=2), await a.receive_json_from(timeout=2)]
    ack = next(f for f in frames if f["type"] == "ack")
    new = next(f for f in frames if f["type"] == "message.new")
    stored = await db(Message.objects.get)()
    assert ack == {"type": "ack", "client_id": "c1", "message": new["message"]}
    assert new["message"]["id"] == stored.id and new["message"]["body"] == "hi <b>bob</b>"
    assert new["message"]["author"]["id"] == alice.id and new["message"]["room"] == room.id
    assert await receive_until(b, "message.new") == new
    assert await receive_until(bob2, "message.new") == new
    await bob2.disconnect()


async def test_retry_with_same_client_id_acks_original_without_new_push(chat):
    alice, bob, room, a, b = chat
    frame = {"type": "message.send", "room": room.id, "body": "once", "client_id": "retry-me"}
    await a.send_json_to(frame)
    first = await receive_until(a, "ack")
    await receive_until(b, "message.new")
    await a.send_json_to(frame)
    again = await receive_until(a, "ack")
    assert again["message"]["id"] == first["message"]["id"]
    assert await b.receive_nothing(timeout=0.3)
    assert await db(Message.objects.count)() == 1


async def test_identity_comes_from_the_connection_not_the_frame(chat):
    alice, bob, room, a, b = chat
    await b.send_json_to(
        {
            "type": "message.send",
            "room": room.id,
            "body": "it's me",
            "author": alice.id,
            "user": alice.id,
            "client_id": "x",
        }
    )
    ack = await receive_until(b, "ack")
    assert ack["message"]["author"]["id"] == bob.id


async def test_non_member_is_refused_everything(chat, make_user):
    alice, bob, room, a, b = chat
    eve = await db(make_user)("eve")
    e = await connected(eve)
    for frame in (
        {"type": "message.send", "room": room.id, "body": "hi", "client_id": "e1"},
        {"type": "typing", "room": room.id},
        {"type": "read", "room": room.id, "message_id": 1},
    ):
        await e.send_json_to(frame)
        error = await e.receive_json_from(timeout=2)
        assert error["type"] == "error" and error["code"] == "not_member", frame
    assert error["client_id"] is None
    assert await a.receive_nothing(timeout=0.3)
    assert await db(Message.objects.count)() == 0
    await e.disconnect()


async def test_typing_goes_to_others_at_most_once_a_second(chat):
    alice, bob, room, a, b = chat
    await a.send_json_to({"type": "typing", "room": room.id})
    typing = await receive_until(b, "typing")
    assert typing["room"] == room.id and typing["user"]["id"] == alice.id
    await a.send_json_to({"type": "typing", "room": room.id})
    await a.send_json_to({"type": "ping"})
    assert (await a.receive_json_from(timeout=2))["type"] == "pong"  # no typing echoed to the typist
    assert await b.receive_nothing(timeout=0.3)  # the second within a second was dropped


async def test_read_frame_moves_the_pointer(chat):
    alice, bob, room, a, b = chat
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "read me", "client_id": "r"})
    message_id = (await receive_until(a, "ack"))["message"]["id"]
    await b.send_json_to({"type": "read", "room": room.id, "message_id": message_id})
    await b.send_json_to({"type": "ping"})
    await receive_until(b, "pong")
    membership = await db(Membership.objects.get)(user=bob, room=room)
    assert membership.last_read_message_id == message_id


# --- Membership changes reach open sockets at once ---------------------------------


async def test_join_subscribes_open_sockets(chat, make_user):
    alice, bob, room, a, b = chat
    carol = await db(make_user)("carol")
    c = await connected(carol)
    await db(room_services.room_join)(user=carol, invite_code=room.invite_code)
    added = await receive_until(c, "room.added")
    assert added["room"]["id"] == room.id and added["room"]["role"] == "member"
    joined = await receive_until(a, "member.joined")
    assert joined["user"]["id"] == carol.id
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "welcome", "client_id": "w"})
    assert (await receive_until(c, "message.new"))["message"]["body"] == "welcome"
    await c.disconnect()


async def test_create_subscribes_owner_sockets(chat):
    alice, bob, room, a, b = chat
    new_room = await db(room_services.room_create)(owner=bob, name="bob's")
    assert (await receive_until(b, "room.added"))["room"]["id"] == new_room.id
    await b.send_json_to({"type": "message.send", "room": new_room.id, "body": "mine", "client_id": "m"})
    assert (await receive_until(b, "message.new"))["message"]["room"] == new_room.id


@pytest.mark.parametrize("action", ["kick", "ban", "leave"])
async def test_removal_unsubscribes_open_sockets_at_once(chat, action):
    alice, bob, room, a, b = chat
    if action == "kick":
        await db(room_services.member_kick)(actor=alice, room_id=room.id, user_id=bob.id)
    elif action == "ban":
        await db(room_services.member_ban)(actor=alice, room_id=room.id, user_id=bob.id)
    else:
        await db(room_services.room_leave)(user=bob, room_id=room.id)
    reason = {"kick": "kicked", "ban": "banned", "leave": "left"}[action]
    assert await receive_until(b, "room.removed") == {"type": "room.removed", "room": room.id, "reason": reason}
    left = await receive_until(a, "member.left")
    assert left["user"]["id"] == bob.id and left["reason"] == reason
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "after", "client_id": "after"})
    await receive_until(a, "ack")
    await b.send_json_to({"type": "ping"})
    assert (await b.receive_json_from(timeout=2))["type"] == "pong"  # bob got nothing of the room meanwhile
    await b.send_json_to({"type": "typing", "room": room.id})
    assert (await b.receive_json_from(timeout=2))["code"] == "not_member"


async def test_room_deletion_removes_it_from_every_socket(chat):
    alice, bob, room, a, b = chat
    await db(room_services.room_delete)(actor=alice, room_id=room.id)
    for ws in (a, b):
        assert await receive_until(ws, "room.removed") == {"type": "room.removed", "room": room.id, "reason": "deleted"}


async def test_rest_send_is_pushed_like_a_websocket_send(chat, api):
    alice, bob, room, a, b = chat

    def post():
        return api.as_user(bob).post(
            f"/api/rooms/{room.id}/messages/", {"body": "via rest", "client_id": "r1"}, format="json"
        )

    response = await db(post)()
    assert response.status_code == 201
    assert (await receive_until(a, "message.new"))["message"] == response.json()


# --- Bad input: an error frame, and the connection keeps working -------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('"text"', "bad_json"),
        ("[" * 100_000 + "]" * 100_000, "too_large"),
        ("[" * 30_000 + "]" * 30_000, "bad_json"),  # nested deeper than the parser goes
        ("{}", "unknown_type"),
        ('{"type": "nope"}', "unknown_type"),
        ('{"type": 5}', "unknown_type"),
        ('{"type": "message.send"}', "invalid"),
        ('{"type": "message.send", "room": "1", "body": "x"}', "invalid"),
        ('{"type": "message.send", "room": 1, "body": ""}', "invalid"),
        ('{"type": "message.send", "room": 1, "body": 5}', "invalid"),
        ('{"type": "message.send", "room": 1, "body": "' + "x" * 4001 + '"}', "invalid"),
        ('{"type": "read", "room": 1, "message_id": "last"}', "invalid"),
        ('{"type": "typing", "room": null}', "invalid"),
        ('{"type": "message.send", "room": 99999, "body": "x", "client_id": "lost"}', "not_member"),
    ],
)
async def test_bad_frames_get_error_frames(chat, raw, code):
    alice, bob, room, a, b = chat
    await a.send_to(text_data=raw)
    error = await a.receive_json_from(timeout=2)
    assert error["type"] == "error" and error["code"] == code, error
    assert error["detail"]
    if code == "invalid":
        assert any(field in error["detail"] for field in ("room", "body", "message_id"))
    await a.send_json_to({"type": "ping"})
    assert (await a.receive_json_from(timeout=2)) == {"type": "pong"}


async def test_error_echoes_client_id(chat):
    alice, bob, room, a, b = chat
    await a.send_json_to({"type": "message.send", "room": room.id, "body": "", "client_id": "empty"})
    assert (await a.receive_json_from(timeout=2))["client_id"] == "empty"


async def test_binary_and_oversized_frames(chat):
    alice, bob, room, a, b = chat
    await a.send_to(bytes_data=b"\x00\x01")
    assert (await a.receive_json_from(timeout=2))["code"] == "bad_json"
    await a.send_to(text_data=json.dumps({"type": "message.send", "room": room.id, "body": "x" * 70_000}))
    assert (await a.receive_json_from(timeout=2))["code"] == "too_large"
    await a.send_json_to({"type": "ping"})
    assert (await a.receive_json_from(timeout=2))["type"] == "pong"


async def test_sends_are_rate_limited_per_user_across_sockets(chat, settings):
    alice, bob, room, a, b = chat
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 3
    a2 = await connected(alice)
    for i, ws in enumerate([a, a2, a]):
        await ws.send_json_to({"type": "message.send", "room": room.id, "body": str(i), "client_id": f"ok{i}"})
        await receive_until(ws, "ack")
    await a2.send_json_to({"type": "message.send", "room": room.id, "body": "too many", "client_id": "over"})
    error = await receive_until(a2, "error")
    assert error["code"] == "rate_limited" and error["client_id"] == "over" and error["retry_after_ms"] > 0
    assert await db(Message.objects.count)() == 3
    await a2.disconnect()


# --- Version 2 frames ---------------------------------------------------------------------


async def both(ws, first: str, second: str) -> list[dict]:
    """The next two frames, of these types, in whichever order they come (an ack may pass the push)."""
    frames = [await ws.receive_json_from(timeout=2), await ws.receive_json_from(timeout=2)]
    frames.sort(key=lambda frame: frame["type"] != first)
    assert [frame["type"] for frame in frames] == [first, second], frames
    return frames


async def sent_by(ws, room, body="original", **extra) -> dict:
    """Send a message on `ws` and return it as acked."""
    await ws.send_json_to({"type": "message.send", "room": room.id, "body": body, "client_id": body, **extra})
    return (await receive_until(ws, "ack"))["message"]


async def test_hello_carries_each_rooms_seq(chat, make_user):
    alice, bob, room, a, b = chat
    await sent_by(a, room)
    await receive_until(b, "message.new")
    other = await db(room_services.room_create)(owner=bob, name="quiet")
    again = await ws_connect(bob)
    hello = await again.receive_json_from()
    assert hello["seqs"] == {str(room.id): 1, str(other.id): 0} and hello["rooms"] == sorted([room.id, other.id])
    await again.disconnect()


async def test_message_new_carries_its_seq_and_a_reply(chat):
    alice, bob, room, a, b = chat
    original = await sent_by(a, room)
    await receive_until(b, "message.new")
    await b.send_json_to(
        {"type": "message.send", "room": room.id, "body": "re", "client_id": "r1", "reply_to": original["id"]}
    )
    new = await receive_until(a, "message.new")
    assert new["seq"] == 2 == new["message"]["seq"]
    assert new["message"]["reply_to"] == {"id": original["id"], "author": original["author"], "excerpt": "original"}
    assert (await receive_until(b, "ack"))["message"] == new["message"]


async def test_edit_is_pushed_to_the_room_and_acked_with_a_client_id(chat):
    alice, bob, room, a, b = chat
    original = await sent_by(a, room)
    await receive_until(b, "message.new")
    edit = {"type": "message.edit", "room": room.id, "message_id": original["id"], "body": "_better_"}
    await a.send_json_to({**edit, "client_id": "e1"})
    updated = await receive_until(b, "message.updated")
    assert updated["seq"] == 2 and updated["message"]["html"] == "<p><em>better</em></p>"
    assert await both(a, "ack", "message.updated") == [
        {"type": "ack", "client_id": "e1", "message": updated["message"]},
        updated,
    ]
    # Without a client_id, no ack: the push is the answer.
    await a.send_json_to({**edit, "body": "best"})
    assert (await a.receive_json_from(timeout=2))["type"] == "message.updated"
    await a.send_json_to({"type": "ping"})
    assert (await a.receive_json_from(timeout=2))["type"] == "pong"


async def test_delete_is_acked_with_the_tombstone(chat):
    alice, bob, room, a, b = chat
    original = await sent_by(b, room)
    await receive_until(a, "message.new")
    await a.send_json_to({"type": "message.delete", "room": room.id, "message_id": original["id"], "client_id": "d1"})
    tombstone = {"id": original["id"], "room": room.id, "seq": 2, "deleted": True}
    assert await receive_until(a, "ack") == {"type": "ack", "client_id": "d1", "message": tombstone}
    deleted = await receive_until(b, "message.deleted")
    assert deleted == {"type": "message.deleted", "room": room.id, "message_id": original["id"], "seq": 2}


async def test_reactions_over_the_socket(chat):
    alice, bob, room, a, b = chat
    original = await sent_by(a, room)
    await receive_until(b, "message.new")
    react = {"type": "reaction.add", "room": room.id, "message_id": original["id"], "emoji": "🎉", "client_id": "x1"}
    await b.send_json_to(react)
    updated = await receive_until(a, "message.updated")
    assert updated["message"]["reactions"] == [{"emoji": "🎉", "count": 1, "user_ids": [bob.id]}]
    ack, _ = await both(b, "ack", "message.updated")
    assert ack["message"] == updated["message"]
    await b.send_json_to(react)  # already there: acked, nothing pushed
    assert (await receive_until(b, "ack"))["message"] == updated["message"]
    assert await a.receive_nothing(timeout=0.3)
    await b.send_json_to({**react, "type": "reaction.remove", "client_id": "x2"})
    removed = await receive_until(a, "message.updated")
    assert removed["seq"] == 3 and removed["message"]["reactions"] == []


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "message.edit", "message_id": "ALICE", "body": "mine now"}, "forbidden"),
        ({"type": "message.edit", "message_id": "GONE", "body": "x"}, "not_found"),
        ({"type": "message.edit", "message_id": "UNKNOWN", "body": "x"}, "not_found"),
        ({"type": "message.edit", "message_id": "BOB", "body": ""}, "invalid"),
        ({"type": "message.edit", "message_id": "BOB"}, "invalid"),
        ({"type": "message.edit", "message_id": "BOB", "body": "x", "room": "OTHER"}, "not_member"),
        ({"type": "message.delete", "message_id": "ALICE"}, "forbidden"),
        ({"type": "message.delete", "message_id": "GONE"}, "not_found"),
        ({"type": "message.delete", "message_id": "1"}, "invalid"),
        ({"type": "message.delete", "message_id": "BOB", "room": "OTHER"}, "not_member"),
        ({"type": "reaction.add", "message_id": "ALICE", "emoji": "not one"}, "invalid"),
        ({"type": "reaction.add", "message_id": "ALICE"}, "invalid"),
        ({"type": "reaction.add", "message_id": "GONE", "emoji": "👍"}, "not_found"),
        ({"type": "reaction.remove", "message_id": "UNKNOWN", "emoji": "👍"}, "not_found"),
        ({"type": "reaction.remove", "message_id": "ALICE", "emoji": "👍", "room": "OTHER"}, "not_member"),
        ({"type": "message.send", "body": "re", "reply_to": "GONE"}, "invalid"),
        ({"type": "message.send", "body": "re", "reply_to": "ELSEWHERE"}, "invalid"),
    ],
)
async def test_v2_frame_errors(chat, make_user, frame, code):
    """Bob's frames, each refused with its error code; the socket stays open."""
    alice, bob, room, a, b = chat
    alices, bobs = await sent_by(a, room, "alice's"), await sent_by(b, room, "bob's")
    gone = await sent_by(b, room, "gone")
    await b.send_json_to({"type": "message.delete", "room": room.id, "message_id": gone["id"]})
    await receive_until(b, "message.deleted")
    other = await db(room_services.room_create)(owner=alice, name="alice only")
    elsewhere = await sent_by(a, other, "elsewhere")
    ids = {
        "ALICE": alices["id"],
        "BOB": bobs["id"],
        "GONE": gone["id"],
        "UNKNOWN": gone["id"] + 100,
        "ELSEWHERE": elsewhere["id"],
        "OTHER": other.id,
        "1": "1",
    }
    frame = {"room": room.id, **frame, "client_id": "refused"}
    sent = {
        key: ids.get(value, value) if isinstance(value, str) and key != "body" else value
        for key, value in frame.items()
    }
    seq_before = (await db(Room.objects.get)(pk=room.id)).seq
    await b.send_json_to(sent)
    error = await receive_until(b, "error")
    assert (error["code"], error["client_id"]) == (code, "refused"), error
    assert error["detail"]
    assert (await db(Room.objects.get)(pk=room.id)).seq == seq_before
    await b.send_json_to({"type": "ping"})
    assert (await b.receive_json_from(timeout=2))["type"] == "pong"


async def test_edits_and_reactions_are_rate_limited_with_sends(chat, settings):
    alice, bob, room, a, b = chat
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 2
    original = await sent_by(a, room)
    await a.send_json_to({"type": "reaction.add", "room": room.id, "message_id": original["id"], "emoji": "👍"})
    await receive_until(a, "message.updated")
    for frame in (
        {"type": "message.edit", "body": "again"},
        {"type": "reaction.remove", "emoji": "👍"},
        {"type": "message.delete"},
    ):
        await a.send_json_to({**frame, "room": room.id, "message_id": original["id"], "client_id": "over"})
        error = await receive_until(a, "error")
        assert error["code"] == "rate_limited" and error["retry_after_ms"] > 0, frame
