import pytest

from chatroom.exceptions import Forbidden, Invalid, NotFound, NotMember, RateLimited
from messaging import services
from messaging.models import Message
from messaging.selectors import message_history
from messaging.services import SendRequest
from rooms.models import Membership
from rooms.services import room_join

pytestmark = pytest.mark.django_db


def test_send_stores_then_publishes_after_commit(room, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.message_send(author=room.owner, room_id=room.id, body="hello", client_id="c-1")
        assert published == []  # nothing is pushed before the transaction commits
    assert result.created and Message.objects.get().body == "hello"
    for callback in callbacks:
        callback()
    [frame] = published.frames(f"room.{room.id}")
    assert frame["type"] == "message.new"
    assert frame["message"] == {
        "id": result.message.id,
        "room": room.id,
        "author": {
            "id": room.owner.id,
            "username": "owner",
            "avatar": None,
            "date_joined": frame["message"]["author"]["date_joined"],
        },
        "body": "hello",
        "html": "<p>hello</p>",
        "created_at": frame["message"]["created_at"],
        "client_id": "c-1",
        "seq": 1,
        "edited_at": None,
        "reply_to": None,
        "mentions": [],
        "reactions": [],
        "attachments": [],
    }
    assert frame["seq"] == 1
    assert frame["message"]["created_at"].endswith("Z")


def test_send_is_idempotent_by_author_and_client_id(room, member, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.message_send(author=member, room_id=room.id, body="once", client_id="same")
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.message_send(author=member, room_id=room.id, body="once", client_id="same")
    assert not again.created and again.message.id == first.message.id
    assert Message.objects.count() == 1 and published == []
    other_author = services.message_send(author=room.owner, room_id=room.id, body="once", client_id="same")
    assert other_author.created  # client ids are per author


def test_send_refuses_non_members(room, make_user):
    with pytest.raises(NotMember):
        services.message_send(author=make_user(), room_id=room.id, body="let me in")
    with pytest.raises(NotMember):
        services.message_send(author=room.owner, room_id=987654, body="nowhere")
    assert Message.objects.count() == 0


def test_send_rate_limit_allows_a_burst_then_refuses(room, settings):
    # A slow refill (one token per 100 s), so that a loaded machine cannot refill mid-test.
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 20
    for i in range(20):
        services.message_send(author=room.owner, room_id=room.id, body=f"m{i}")
    with pytest.raises(RateLimited) as refused:
        services.message_send(author=room.owner, room_id=room.id, body="one too many")
    assert 99_000 < refused.value.retry_after_ms <= 100_000
    assert Message.objects.count() == 20


def test_a_repeated_client_id_spends_no_rate_budget(room, settings):
    """A client retrying after a timeout must never be refused for it (docs/PROTOCOL.md, Decisions)."""
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 3
    originals = [
        services.message_send(author=room.owner, room_id=room.id, body=f"m{i}", client_id=f"c{i}") for i in range(3)
    ]
    for _ in range(5):
        for i, original in enumerate(originals):
            again = services.message_send(author=room.owner, room_id=room.id, body=f"m{i}", client_id=f"c{i}")
            assert not again.created and again.message.id == original.message.id
    with pytest.raises(RateLimited):  # the budget itself is spent by the three real sends
        services.message_send(author=room.owner, room_id=room.id, body="new", client_id="c9")


@pytest.mark.parametrize("alone", [True, False], ids=["alone", "in a batch"])
def test_a_concurrent_send_of_the_same_client_id_answers_with_the_stored_one(room, member, monkeypatch, alone):
    """
    Two sends of one client_id racing: both look, neither finds it, one inserts
    first. The other's INSERT then violates the unique constraint and must be
    answered with the message the first stored, never with an error.
    """
    raced = services.message_send(author=member, room_id=room.id, body="first", client_id="dup").message
    lookup = services._messages_by_client_id
    calls = []

    def lookup_that_misses_once(requests):
        calls.append(requests)
        return {} if len(calls) == 1 else lookup(requests)

    monkeypatch.setattr(services, "_messages_by_client_id", lookup_that_misses_once)
    requests = [SendRequest(member, room.id, "second", "dup")]
    if not alone:
        requests.append(SendRequest(room.owner, room.id, "other", "o1"))
    results = services.message_send_many(requests=requests)
    assert len(calls) >= 2  # the miss, then the looks after the conflict
    assert not results[0].created and results[0].message.id == raced.id
    if not alone:
        assert results[1].created and results[1].message.body == "other"
    assert Message.objects.filter(client_id="dup").count() == 1


def test_batch_answers_each_request_in_order(room, member, make_user):
    outsider = make_user()
    results = services.message_send_many(
        requests=[
            SendRequest(member, room.id, "a", "k1"),
            SendRequest(outsider, room.id, "b", None),
            SendRequest(member, room.id, "a again", "k1"),
            SendRequest(room.owner, room.id, "c", None),
        ]
    )
    assert results[0].created and results[0].message.body == "a"
    assert isinstance(results[1], NotMember)
    assert not results[2].created and results[2].message.id == results[0].message.id
    assert results[3].created
    assert list(Message.objects.values_list("body", flat=True)) == ["a", "c"]


def test_delete_by_author_owner_or_admin(room, member, make_user, published, django_capture_on_commit_callbacks):
    other = make_user()
    room_join(user=other, invite_code=room.invite_code)
    mine = services.message_send(author=member, room_id=room.id, body="x").message
    with pytest.raises(Forbidden):
        services.message_delete(actor=other, room_id=room.id, message_id=mine.id)
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(actor=room.owner, room_id=room.id, message_id=mine.id)
    assert published.frames(f"room.{room.id}")[-1] == {
        "type": "message.deleted",
        "room": room.id,
        "message_id": mine.id,
        "seq": 2,
    }
    mine.refresh_from_db()
    assert mine.deleted_at is not None
    with pytest.raises(NotFound):
        services.message_delete(actor=member, room_id=room.id, message_id=mine.id)
    assert message_history(room_id=room.id) == ([], False)


def test_read_pointer_only_moves_forward(room, member):
    ids = [services.message_send(author=room.owner, room_id=room.id, body=str(i)).message.id for i in range(3)]
    services.message_mark_read(user=member, room_id=room.id, message_id=ids[2])
    services.message_mark_read(user=member, room_id=room.id, message_id=ids[0])
    assert Membership.objects.get(user=member, room=room).last_read_message_id == ids[2]
    with pytest.raises(Invalid):
        services.message_mark_read(user=member, room_id=room.id, message_id=ids[2] + 100)


def test_history_cursors(room):
    ids = [services.message_send(author=room.owner, room_id=room.id, body=str(i)).message.id for i in range(7)]
    newest, more = message_history(room_id=room.id, limit=3)
    assert [m.id for m in newest] == ids[4:] and more
    older, more = message_history(room_id=room.id, before=ids[4], limit=3)
    assert [m.id for m in older] == ids[1:4] and more
    oldest, more = message_history(room_id=room.id, before=ids[1], limit=3)
    assert [m.id for m in oldest] == ids[:1] and not more
    newer, more = message_history(room_id=room.id, after=ids[0], limit=3)
    assert [m.id for m in newer] == ids[1:4] and more
    last, more = message_history(room_id=room.id, after=ids[3], limit=3)
    assert [m.id for m in last] == ids[4:] and not more
