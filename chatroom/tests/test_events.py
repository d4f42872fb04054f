"""
Every action that publishes, run once: the exact events it emits, to which
groups, in which order, as Zulip's test_events does. The `published` fixture
also checks each envelope and frame against chatroom.realtime.protocol, so a
frame that drifts from the contract fails here. A new frame or action gets a
test here.
"""

import json

import pytest
from channels.db import database_sync_to_async

from accounts.serializers import UserSerializer
from chatroom.realtime import protocol
from chatroom.realtime.presence import presence_connect, presence_disconnect
from chatroom.testing.live import presence_settled
from chatroom.testing.seed import make_moderator
from conftest import ws_connect
from messaging import services as messaging
from messaging.models import Message
from messaging.selectors import messages_shown
from messaging.serializers import MessageSerializer
from moderation import services as moderation
from rooms import services as rooms
from rooms.selectors import room_get_for_member
from rooms.serializers import RoomSerializer

pytestmark = pytest.mark.django_db


def emitted(published) -> list[tuple]:
    """(group, envelope fields other than the frame, frame) for each published event, in order."""
    rows = []
    for group, envelope in published:
        text = envelope.get("text")
        rest = {key: value for key, value in envelope.items() if key != "text"}
        rows.append((group, rest, json.loads(text) if text is not None else None))
    return rows


def to_room_envelope(room_id, *, exclude_user=None, drop_room=False) -> dict:
    return {"type": "hub.room", "room": room_id, "exclude_user": exclude_user, "drop_room": drop_room}


def to_user_envelope(user_id, *, join_room=None, leave_room=None, close_code=None) -> dict:
    return {
        "type": "hub.user",
        "user": user_id,
        "join_room": join_room,
        "leave_room": leave_room,
        "close_code": close_code,
    }


def user_data(user) -> dict:
    return UserSerializer(user).data


def room_data(user, room_id) -> dict:
    return RoomSerializer(room_get_for_member(user=user, room_id=room_id)).data


@pytest.fixture
def run(published, django_capture_on_commit_callbacks):
    """Run an action, committing as it would, and return what it emitted."""

    def run_action(action, **kwargs):
        published.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action(**kwargs)
        return emitted(published)

    return run_action


# --- rooms ------------------------------------------------------------------------


def test_room_create(run, make_user):
    owner = make_user("owner")
    events = run(rooms.room_create, owner=owner, name="general")
    room_id = owner.rooms.get().id
    assert events == [
        (
            f"user.{owner.id}",
            to_user_envelope(owner.id, join_room=room_id),
            protocol.room_added(room=room_data(owner, room_id)),
        )
    ]


def test_room_update_tells_each_member_as_they_see_it(run, room, member):
    events = run(rooms.room_update, actor=room.owner, room_id=room.id, name="renamed")
    assert sorted(events, key=lambda e: e[0]) == sorted(
        [
            (f"user.{uid.id}", to_user_envelope(uid.id), protocol.room_updated(room=room_data(uid, room.id)))
            for uid in (room.owner, member)
        ],
        key=lambda e: e[0],
    )
    assert {frame["room"]["role"] for _, _, frame in events} == {"owner", "member"}


def test_room_join(run, room, make_user):
    joiner = make_user("joiner")
    events = run(rooms.room_join, user=joiner, invite_code=room.invite_code)
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id, exclude_user=joiner.id),
            protocol.member_joined(room=room.id, user=user_data(joiner)),
        ),
        (
            f"user.{joiner.id}",
            to_user_envelope(joiner.id, join_room=room.id),
            protocol.room_added(room=room_data(joiner, room.id)),
        ),
    ]
    assert run(rooms.room_join, user=joiner, invite_code=room.invite_code) == []  # already a member


def test_room_leave(run, room, member):
    events = run(rooms.room_leave, user=member, room_id=room.id)
    assert events == [
        (
            f"user.{member.id}",
            to_user_envelope(member.id, leave_room=room.id),
            protocol.room_removed(room=room.id, reason="left"),
        ),
        (
            f"room.{room.id}",
            to_room_envelope(room.id, exclude_user=member.id),
            protocol.member_left(room=room.id, user=user_data(member), reason="left"),
        ),
    ]


def test_room_delete(run, room, member):
    events = run(rooms.room_delete, actor=room.owner, room_id=room.id)
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id, drop_room=True),
            protocol.room_removed(room=room.id, reason="deleted"),
        )
    ]


def test_invite_rotate(run, room, member):
    events = run(rooms.invite_rotate, actor=room.owner, room_id=room.id)
    assert sorted(group for group, _, _ in events) == sorted([f"user.{room.owner.id}", f"user.{member.id}"])
    assert all(frame["type"] == "room.updated" for _, _, frame in events)
    room.refresh_from_db()
    assert {frame["room"]["invite_code"] for _, _, frame in events} == {room.invite_code}


def test_member_set_role(run, room, member):
    events = run(rooms.member_set_role, actor=room.owner, room_id=room.id, user_id=member.id, role="admin")
    assert events == [
        (f"user.{member.id}", to_user_envelope(member.id), protocol.room_updated(room=room_data(member, room.id)))
    ]
    assert events[0][2]["room"]["role"] == "admin"


@pytest.mark.parametrize("action, reason", [(rooms.member_kick, "kicked"), (rooms.member_ban, "banned")])
def test_member_kick_and_ban(run, room, member, action, reason):
    events = run(action, actor=room.owner, room_id=room.id, user_id=member.id)
    assert events == [
        (
            f"user.{member.id}",
            to_user_envelope(member.id, leave_room=room.id),
            protocol.room_removed(room=room.id, reason=reason),
        ),
        (
            f"room.{room.id}",
            to_room_envelope(room.id, exclude_user=member.id),
            protocol.member_left(room=room.id, user=user_data(member), reason=reason),
        ),
    ]


def test_banning_a_non_member_and_unbanning_publish_nothing(run, room, make_user):
    stranger = make_user("stranger")
    assert run(rooms.member_ban, actor=room.owner, room_id=room.id, user_id=stranger.id) == []
    assert run(rooms.member_unban, actor=room.owner, room_id=room.id, user_id=stranger.id) == []


# --- messaging ------------------------------------------------------------------------


def message_data(message_id) -> dict:
    return MessageSerializer(messages_shown().get(pk=message_id)).data


def test_message_send(run, room, member):
    events = run(messaging.message_send, author=member, room_id=room.id, body="hello @owner", client_id="c1")
    message = Message.objects.get()
    assert events == [
        (f"room.{room.id}", to_room_envelope(room.id), protocol.message_new(seq=1, message=message_data(message.id)))
    ]
    assert events[0][2]["message"]["mentions"] == [room.owner.id]
    # A repeated client_id is answered with the original and pushed again to nobody.
    assert run(messaging.message_send, author=member, room_id=room.id, body="hello", client_id="c1") == []


def test_message_send_many_numbers_each_room_in_order(run, room, member, make_user):
    other = rooms.room_create(owner=member, name="other")
    requests = [
        messaging.SendRequest(member, room.id, "a"),
        messaging.SendRequest(member, other.id, "b"),
        messaging.SendRequest(room.owner, room.id, "c"),
    ]
    events = run(messaging.message_send_many, requests=requests)
    assert [(group, frame["seq"], frame["message"]["body"]) for group, _, frame in events] == [
        (f"room.{room.id}", 1, "a"),
        (f"room.{other.id}", 1, "b"),
        (f"room.{room.id}", 2, "c"),
    ]


def test_message_send_as_a_reply(run, room, member):
    original = messaging.message_send(author=room.owner, room_id=room.id, body="question?").message
    events = run(messaging.message_send, author=member, room_id=room.id, body="answer", reply_to=original.id)
    reply = Message.objects.get(reply_to=original)
    assert events == [
        (f"room.{room.id}", to_room_envelope(room.id), protocol.message_new(seq=2, message=message_data(reply.id)))
    ]
    assert events[0][2]["message"]["reply_to"] == {
        "id": original.id,
        "author": user_data(room.owner),
        "excerpt": "question?",
    }


def test_message_edit(run, room, member):
    message = messaging.message_send(author=member, room_id=room.id, body="helo").message
    events = run(messaging.message_edit, author=member, room_id=room.id, message_id=message.id, body="hello")
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id),
            protocol.message_updated(seq=2, message=message_data(message.id)),
        )
    ]
    assert events[0][2]["message"]["body"] == "hello" and events[0][2]["message"]["edited_at"] is not None
    # The same body again is no change: no seq, no push.
    assert run(messaging.message_edit, author=member, room_id=room.id, message_id=message.id, body="hello") == []


def test_reaction_add_and_remove(run, room, member):
    message = messaging.message_send(author=room.owner, room_id=room.id, body="react").message
    kwargs = {"user": member, "room_id": room.id, "message_id": message.id, "emoji": "👍"}
    events = run(messaging.reaction_add, **kwargs)
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id),
            protocol.message_updated(seq=2, message=message_data(message.id)),
        )
    ]
    assert events[0][2]["message"]["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [member.id]}]
    assert run(messaging.reaction_add, **kwargs) == []  # already reacted: no change
    events = run(messaging.reaction_remove, **kwargs)
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id),
            protocol.message_updated(seq=3, message=message_data(message.id)),
        )
    ]
    assert events[0][2]["message"]["reactions"] == []
    assert run(messaging.reaction_remove, **kwargs) == []  # not reacted: no change


def test_message_delete(run, room, member):
    message = messaging.message_send(author=member, room_id=room.id, body="oops").message
    events = run(messaging.message_delete, actor=member, room_id=room.id, message_id=message.id)
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id),
            protocol.message_deleted(room=room.id, message_id=message.id, seq=2),
        )
    ]


def test_message_delete_by_staff(run, room, member):
    message = messaging.message_send(author=member, room_id=room.id, body="spam").message
    events = run(
        messaging.message_delete, actor=make_moderator(), room_id=room.id, message_id=message.id, as_staff=True
    )
    assert events == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id),
            protocol.message_deleted(room=room.id, message_id=message.id, seq=2),
        )
    ]


def test_message_mark_read_publishes_nothing(run, room, member):
    message = messaging.message_send(author=room.owner, room_id=room.id, body="read me").message
    assert run(messaging.message_mark_read, user=member, room_id=room.id, message_id=message.id) == []


@pytest.mark.django_db(transaction=True)
async def test_typing_notify(published, make_user):
    owner = await database_sync_to_async(make_user)("owner")
    room = await database_sync_to_async(rooms.room_create)(owner=owner, name="general")
    published.clear()
    await messaging.typing_notify(user=owner, room_id=room.id)
    await messaging.typing_notify(user=owner, room_id=room.id)  # within the second: dropped
    assert emitted(published) == [
        (
            f"room.{room.id}",
            to_room_envelope(room.id, exclude_user=owner.id),
            protocol.typing(room=room.id, user=await database_sync_to_async(user_data)(owner)),
        )
    ]


# --- presence ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_presence_first_open_and_last_close(published, make_user, settings):
    settings.CHAT_PRESENCE_GRACE_SECONDS = 0.1
    user = await database_sync_to_async(make_user)("someone")
    rooms_of_user = [await database_sync_to_async(rooms.room_create)(owner=user, name=name) for name in "ab"]
    room_ids = {room.id for room in rooms_of_user}
    data = await database_sync_to_async(user_data)(user)
    published.clear()
    first = presence_connect(user=data, room_ids=room_ids)
    second = presence_connect(user=data, room_ids=room_ids)
    presence_disconnect(socket_id=first)
    await presence_settled(0.2)  # a socket is still open: one online, no offline
    assert sorted(emitted(published), key=lambda e: e[0]) == sorted(
        (
            (
                f"room.{room_id}",
                to_room_envelope(room_id, exclude_user=user.id),
                protocol.presence(room=room_id, user=data, online=True),
            )
            for room_id in room_ids
        ),
        key=lambda e: e[0],
    )
    published.clear()
    presence_disconnect(socket_id=second)
    await presence_settled(0.2)  # past the grace period
    assert sorted(emitted(published), key=lambda e: e[0]) == sorted(
        (
            (
                f"room.{room_id}",
                to_room_envelope(room_id, exclude_user=user.id),
                protocol.presence(room=room_id, user=data, online=False),
            )
            for room_id in room_ids
        ),
        key=lambda e: e[0],
    )


# --- moderation ------------------------------------------------------------------------


def test_user_deactivate_and_reactivate(run, member):
    moderator = make_moderator()
    events = run(moderation.user_deactivate, actor=moderator, user=member)
    assert events == [(f"user.{member.id}", to_user_envelope(member.id, close_code=protocol.CLOSE_DEACTIVATED), None)]
    member.refresh_from_db()
    assert run(moderation.user_reactivate, actor=moderator, user=member) == []


# --- people ----------------------------------------------------------------------------------


def test_user_profile_update_tells_each_room_of_the_user(run, room, member, make_user):
    from messaging.people import user_profile_update

    events = run(user_profile_update, user=member, display_name="Member Mo")
    assert events == [(f"room.{room.id}", to_room_envelope(room.id), protocol.user_updated(user=user_data(member)))]
    assert events[0][2]["user"]["display_name"] == "Member Mo"
    loner = make_user()
    events = run(user_profile_update, user=loner, display_name="Lone")
    assert events == [(f"user.{loner.id}", to_user_envelope(loner.id), protocol.user_updated(user=user_data(loner)))]


def test_room_hand_over(run, room, member):
    events = run(rooms.room_hand_over, actor=room.owner, room_id=room.id, user_id=member.id)
    assert sorted(group for group, _, _ in events) == sorted([f"user.{room.owner.id}", f"user.{member.id}"])
    assert {frame["room"]["owner"]["id"] for _, _, frame in events} == {member.id}


def test_account_delete(run, room, member):
    from chatroom.testing.factories import PASSWORD
    from messaging.people import account_delete

    messaging.message_send(author=member, room_id=room.id, body="bye")
    events = run(account_delete, user=member, password=PASSWORD, erase_messages=True)
    member.refresh_from_db()
    assert [(group, frame["type"] if frame else envelope["close_code"]) for group, envelope, frame in events] == [
        (f"room.{room.id}", "message.deleted"),
        (f"room.{room.id}", "user.updated"),
        (f"room.{room.id}", "member.left"),
        (f"user.{member.id}", protocol.CLOSE_DEACTIVATED),
    ]
    assert events[2][1] == to_room_envelope(room.id, exclude_user=member.id)


# --- frames a socket gets straight from its consumer -----------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_hello_ack_pong_and_error_frames(room_async):
    owner, room = room_async
    ws = await ws_connect(owner)
    hello = await ws.receive_json_from()
    assert hello == protocol.hello(user=await database_sync_to_async(user_data)(owner), seqs={room.id: 0})
    assert hello["rooms"] == [room.id] and hello["seqs"] == {str(room.id): 0}

    await ws.send_json_to({"type": "message.send", "room": room.id, "body": "hi", "client_id": "c1"})
    frames = [await ws.receive_json_from(), await ws.receive_json_from()]
    message = await database_sync_to_async(lambda: message_data(Message.objects.get().id))()
    assert sorted(frames, key=lambda f: f["type"]) == [
        protocol.ack(client_id="c1", message=message),
        protocol.message_new(seq=1, message=message),
    ]

    # Changes to a message are acked when the frame has a client_id: with the message, or its tombstone.
    change = {"room": room.id, "message_id": message["id"]}
    await ws.send_json_to({"type": "message.edit", **change, "body": "hi!", "client_id": "e1"})
    ack, updated = await ws.receive_json_from(), await ws.receive_json_from()
    edited = await database_sync_to_async(message_data)(message["id"])
    assert {ack["type"], updated["type"]} == {"ack", "message.updated"}
    assert protocol.ack(client_id="e1", message=edited) in (ack, updated)
    assert protocol.message_updated(seq=2, message=edited) in (ack, updated)
    await ws.send_json_to({"type": "message.delete", **change, "client_id": "d1"})
    frames = [await ws.receive_json_from(), await ws.receive_json_from()]
    tombstone = {"id": message["id"], "room": room.id, "seq": 3, "deleted": True}
    assert sorted(frames, key=lambda f: f["type"]) == [
        protocol.ack(client_id="d1", message=tombstone),
        protocol.message_deleted(room=room.id, message_id=message["id"], seq=3),
    ]

    await ws.send_json_to({"type": "ping"})
    assert await ws.receive_json_from() == protocol.pong()

    await ws.send_json_to({"type": "message.send", "room": 999999, "body": "hi", "client_id": "c2"})
    assert await ws.receive_json_from() == protocol.error(code="not_member", detail="Not found.", client_id="c2")
    await ws.disconnect()


@pytest.fixture
async def room_async(make_user):
    owner = await database_sync_to_async(make_user)("owner")
    room = await database_sync_to_async(rooms.room_create)(owner=owner, name="general")
    return owner, room
