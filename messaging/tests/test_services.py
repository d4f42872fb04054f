import emoji as emoji_package
import pytest

from accounts.serializers import UserSerializer
from chatroom.exceptions import Forbidden, Invalid, NotFound, NotMember, RateLimited
from chatroom.testing.seed import make_moderator
from messaging import services
from messaging.models import Message, MessageEdit, Reaction
from messaging.selectors import message_changes, message_history
from messaging.serializers import MessageSerializer
from messaging.services import MAX_REACTION_EMOJI, SendRequest
from rooms.models import Membership
from rooms.selectors import room_get_for_member
from rooms.services import room_create, room_join

# Distinct single-code-point emoji, fully qualified as they are.
EMOJI = [e for e, data in emoji_package.EMOJI_DATA.items() if len(e) == 1 and data["status"] == 2][:30]

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
            "display_name": "owner",
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


def test_batch_spends_the_rate_budget_in_order_and_repeats_share_the_answer(room, member, settings):
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 2
    results = services.message_send_many(
        requests=[
            SendRequest(member, room.id, "a", "k1"),
            SendRequest(member, room.id, "b", "k2"),
            SendRequest(room.owner, room.id, "the owner's budget is their own", "k3"),
            SendRequest(member, room.id, "one too many", "k3"),
            SendRequest(member, room.id, "a, again", "k1"),
            SendRequest(member, room.id, "one too many, again", "k3"),
        ]
    )
    assert [r.created for r in results[:3]] == [True, True, True]
    assert isinstance(results[3], RateLimited)
    assert not results[4].created and results[4].message.id == results[0].message.id
    assert results[5] is results[3]  # a repeat within the batch is answered as its first was
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == [
        "a",
        "b",
        "the owner's budget is their own",
    ]


def test_a_client_id_is_a_repeat_only_for_its_own_author(room, member):
    services.message_send(author=member, room_id=room.id, body="mine", client_id="k1")
    services.message_send(author=room.owner, room_id=room.id, body="theirs", client_id="k2")
    results = services.message_send_many(
        requests=[SendRequest(member, room.id, "new", "k2"), SendRequest(room.owner, room.id, "new too", "k1")]
    )
    assert all(result.created for result in results)
    assert Message.objects.count() == 4


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


# --- Version 2: the change log ------------------------------------------------------------


def seq_of(room) -> int:
    room.refresh_from_db()
    return room.seq


def test_every_change_takes_the_rooms_next_number(room, member):
    first = services.message_send(author=member, room_id=room.id, body="one").message
    second = services.message_send(author=room.owner, room_id=room.id, body="two").message
    assert (first.seq, second.seq, seq_of(room)) == (1, 2, 2)
    edited = services.message_edit(author=member, room_id=room.id, message_id=first.id, body="one!")
    assert edited.message.seq == 3 and edited.data["seq"] == 3
    reacted = services.reaction_add(user=room.owner, room_id=room.id, message_id=first.id, emoji="👍")
    assert reacted.message.seq == 4
    unreacted = services.reaction_remove(user=room.owner, room_id=room.id, message_id=first.id, emoji="👍")
    assert unreacted.message.seq == 5
    deleted = services.message_delete(actor=room.owner, room_id=room.id, message_id=second.id)
    assert deleted.data == {"id": second.id, "room": room.id, "seq": 6, "deleted": True}
    assert seq_of(room) == 6
    assert dict(Message.objects.values_list("id", "seq")) == {first.id: 5, second.id: 6}


def test_no_change_takes_no_number(room, member, settings):
    message = services.message_send(author=member, room_id=room.id, body="same").message
    services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji="🎉")
    assert seq_of(room) == 2
    again = services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji="🎉")
    absent = services.reaction_remove(user=member, room_id=room.id, message_id=message.id, emoji="👀")
    same = services.message_edit(author=member, room_id=room.id, message_id=message.id, body="same")
    assert not (again.changed or absent.changed or same.changed)
    assert again.data["seq"] == absent.data["seq"] == same.data["seq"] == 2
    assert seq_of(room) == 2 and not MessageEdit.objects.exists()


def test_a_refused_change_leaves_no_hole(room, member, settings):
    settings.CHAT_SEND_BURST = 100
    message = services.message_send(author=member, room_id=room.id, body="x").message
    for i in range(MAX_REACTION_EMOJI):
        services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji=EMOJI[i])
    with pytest.raises(Invalid):
        services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji=EMOJI[MAX_REACTION_EMOJI])
    assert seq_of(room) == 1 + MAX_REACTION_EMOJI
    assert services.message_send(author=member, room_id=room.id, body="next").message.seq == 2 + MAX_REACTION_EMOJI


def test_rooms_number_their_changes_apart(room, member):
    other = room_create(owner=member, name="other")
    results = services.message_send_many(
        requests=[
            SendRequest(member, room.id, "a"),
            SendRequest(member, other.id, "b"),
            SendRequest(member, room.id, "c"),
        ]
    )
    assert [r.message.seq for r in results] == [1, 1, 2]
    assert (seq_of(room), seq_of(other)) == (2, 1)


def test_changes_since_each_message_once_in_its_current_state(room, member):
    ids = [services.message_send(author=member, room_id=room.id, body=f"m{i}").message.id for i in range(4)]
    services.message_edit(author=member, room_id=room.id, message_id=ids[0], body="m0 edited")  # seq 5
    services.reaction_add(user=room.owner, room_id=room.id, message_id=ids[0], emoji="❤️")  # seq 6
    services.message_delete(actor=member, room_id=room.id, message_id=ids[1])  # seq 7
    seq, messages, has_more = message_changes(room_id=room.id, since=0, limit=100)
    assert seq == 7 and not has_more
    assert [(m.id, m.seq) for m in messages] == [(ids[2], 3), (ids[3], 4), (ids[0], 6), (ids[1], 7)]
    assert messages[2].body == "m0 edited" and messages[2].reaction_summary[0]["emoji"] == "❤️"
    assert messages[3].deleted_at is not None
    seq, messages, has_more = message_changes(room_id=room.id, since=4, limit=1)
    assert seq == 7 and [m.id for m in messages] == [ids[0]] and has_more
    seq, messages, has_more = message_changes(room_id=room.id, since=6, limit=1)
    assert [m.id for m in messages] == [ids[1]] and not has_more
    assert message_changes(room_id=room.id, since=7, limit=100) == (7, [], False)


# --- Edits ------------------------------------------------------------------------------


def test_edit_keeps_every_earlier_version(room, member, make_user):
    message = services.message_send(author=member, room_id=room.id, body="first").message
    services.message_edit(author=member, room_id=room.id, message_id=message.id, body="second")
    result = services.message_edit(author=member, room_id=room.id, message_id=message.id, body="*third*")
    message.refresh_from_db()
    assert (message.body, message.html) == ("*third*", "<p><em>third</em></p>")
    assert result.data["edited_at"] is not None and message.edited_at is not None
    versions = list(MessageEdit.objects.filter(message=message))
    assert [v.body for v in versions] == ["first", "second"]
    assert versions[0].written_at == message.created_at and versions[1].written_at == versions[0].replaced_at


def test_only_the_author_edits_an_undeleted_message(room, member, make_user):
    message = services.message_send(author=member, room_id=room.id, body="mine").message
    with pytest.raises(Forbidden):  # not even the owner
        services.message_edit(author=room.owner, room_id=room.id, message_id=message.id, body="theirs")
    with pytest.raises(NotMember):
        services.message_edit(author=make_user(), room_id=room.id, message_id=message.id, body="x")
    with pytest.raises(NotFound):
        services.message_edit(author=member, room_id=room.id, message_id=message.id + 100, body="x")
    services.message_delete(actor=member, room_id=room.id, message_id=message.id)
    with pytest.raises(NotFound):
        services.message_edit(author=member, room_id=room.id, message_id=message.id, body="back")
    assert Message.objects.get().body == "mine"


def test_edit_updates_mentions_and_their_count(room, member, make_user):
    carol = make_user("carol")
    room_join(user=carol, invite_code=room.invite_code)
    message = services.message_send(author=member, room_id=room.id, body="hi @carol").message
    assert message.mentions == [carol.id]
    assert room_get_for_member(user=carol, room_id=room.id).mention_count == 1
    edited = services.message_edit(author=member, room_id=room.id, message_id=message.id, body="hi @owner")
    assert edited.data["mentions"] == [room.owner.id]
    assert room_get_for_member(user=carol, room_id=room.id).mention_count == 0
    assert room_get_for_member(user=room.owner, room_id=room.id).mention_count == 1


# --- Mentions ----------------------------------------------------------------------------


def test_mention_count_counts_messages_after_the_read_pointer_that_mention_the_member(room, member, make_user):
    outsider = make_user("outsider")
    first = services.message_send(author=room.owner, room_id=room.id, body="@member @MEMBER look").message
    services.message_send(author=room.owner, room_id=room.id, body="nothing for you")
    services.message_send(author=member, room_id=room.id, body="talking to myself, @member")
    gone = services.message_send(author=room.owner, room_id=room.id, body="@member oops").message
    last = services.message_send(author=room.owner, room_id=room.id, body="@outsider @member").message
    assert first.mentions == [member.id] and last.mentions == [member.id]  # members only, once each
    assert "@outsider" in last.html and f'data-user-id="{outsider.id}"' not in last.html
    assert room_get_for_member(user=member, room_id=room.id).mention_count == 3  # not their own
    services.message_delete(actor=room.owner, room_id=room.id, message_id=gone.id)
    assert room_get_for_member(user=member, room_id=room.id).mention_count == 2  # not a deleted one
    services.message_mark_read(user=member, room_id=room.id, message_id=first.id)
    assert room_get_for_member(user=member, room_id=room.id).mention_count == 1
    assert room_get_for_member(user=room.owner, room_id=room.id).mention_count == 0


# --- Replies -----------------------------------------------------------------------------


def test_a_reply_shows_the_original_as_it_is_now(room, member):
    original = services.message_send(author=room.owner, room_id=room.id, body="x" * 250).message
    reply = services.message_send(author=member, room_id=room.id, body="re", reply_to=original.id)
    assert reply.message_data()["reply_to"] == {
        "id": original.id,
        "author": UserSerializer(room.owner).data,
        "excerpt": "x" * 200,
    }
    services.message_edit(author=room.owner, room_id=room.id, message_id=original.id, body="shorter")
    [shown], _ = message_history(room_id=room.id, after=original.id)
    assert MessageSerializer(shown).data["reply_to"]["excerpt"] == "shorter"
    services.message_delete(actor=room.owner, room_id=room.id, message_id=original.id)
    [shown], _ = message_history(room_id=room.id)
    assert MessageSerializer(shown).data["reply_to"] == {"id": original.id, "deleted": True}
    assert shown.seq == reply.message.seq  # deleting the original does not renumber its replies


def test_a_reply_must_answer_an_undeleted_message_of_the_same_room(room, member):
    other = room_create(owner=member, name="other")
    elsewhere = services.message_send(author=member, room_id=other.id, body="elsewhere").message
    gone = services.message_send(author=member, room_id=room.id, body="gone").message
    services.message_delete(actor=member, room_id=room.id, message_id=gone.id)
    for target in (elsewhere.id, gone.id, gone.id + 100):
        with pytest.raises(Invalid) as refused:
            services.message_send(author=member, room_id=room.id, body="re", reply_to=target)
        assert "reply_to" in refused.value.fields
    assert seq_of(room) == 2


# --- Reactions ---------------------------------------------------------------------------


def test_reactions_keep_the_order_of_first_use(room, member, make_user):
    carol = make_user("carol")
    room_join(user=carol, invite_code=room.invite_code)
    message = services.message_send(author=room.owner, room_id=room.id, body="react").message

    def react(user, emoji, add=True):
        action = services.reaction_add if add else services.reaction_remove
        return action(user=user, room_id=room.id, message_id=message.id, emoji=emoji).data["reactions"]

    react(member, "👍")
    react(carol, "❤️")
    react(room.owner, "👍")
    assert react(carol, "👍") == [
        {"emoji": "👍", "count": 3, "user_ids": [member.id, room.owner.id, carol.id]},
        {"emoji": "❤️", "count": 1, "user_ids": [carol.id]},
    ]
    react(member, "👍", add=False)  # 👍 keeps its place while others still use it
    assert [(r["emoji"], r["user_ids"]) for r in react(member, "👍")] == [
        ("👍", [room.owner.id, carol.id, member.id]),
        ("❤️", [carol.id]),
    ]
    react(carol, "❤️", add=False)  # ❤️ falls to 0 and is dropped; used again, it goes last
    assert react(member, "🎉") == react(member, "🎉")
    assert [r["emoji"] for r in react(carol, "❤️")] == ["👍", "🎉", "❤️"]
    assert Reaction.objects.count() == 5


def test_reactions_refuse_a_21st_emoji_but_not_another_user_of_one_used(room, member, settings):
    settings.CHAT_SEND_BURST = 100
    message = services.message_send(author=room.owner, room_id=room.id, body="react").message
    for emoji in EMOJI[:MAX_REACTION_EMOJI]:
        services.reaction_add(user=room.owner, room_id=room.id, message_id=message.id, emoji=emoji)
    with pytest.raises(Invalid) as refused:
        services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji=EMOJI[MAX_REACTION_EMOJI])
    assert "emoji" in refused.value.fields
    joined = services.reaction_add(user=member, room_id=room.id, message_id=message.id, emoji=EMOJI[0])
    assert joined.data["reactions"][0]["count"] == 2


def test_reactions_and_edits_on_deleted_or_foreign_messages(room, member, make_user):
    message = services.message_send(author=room.owner, room_id=room.id, body="x").message
    with pytest.raises(NotMember):
        services.reaction_add(user=make_user(), room_id=room.id, message_id=message.id, emoji="👍")
    other = room_create(owner=member, name="other")
    with pytest.raises(NotFound):  # a message id of another room
        services.reaction_add(user=member, room_id=other.id, message_id=message.id, emoji="👍")
    services.message_delete(actor=room.owner, room_id=room.id, message_id=message.id)
    for action in (services.reaction_add, services.reaction_remove):
        with pytest.raises(NotFound):
            action(user=member, room_id=room.id, message_id=message.id, emoji="👍")


def test_edits_deletions_and_reactions_share_the_send_limit(room, member, settings):
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 4
    mine = [services.message_send(author=member, room_id=room.id, body=f"m{i}").message for i in range(2)]
    services.message_edit(author=member, room_id=room.id, message_id=mine[0].id, body="edited")
    services.reaction_add(user=member, room_id=room.id, message_id=mine[0].id, emoji="👍")
    for attempt in (
        lambda: services.message_send(author=member, room_id=room.id, body="more"),
        lambda: services.message_edit(author=member, room_id=room.id, message_id=mine[0].id, body="again"),
        lambda: services.message_delete(actor=member, room_id=room.id, message_id=mine[1].id),
        lambda: services.reaction_remove(user=member, room_id=room.id, message_id=mine[0].id, emoji="👍"),
    ):
        with pytest.raises(RateLimited):
            attempt()
    assert seq_of(room) == 4
    # Staff moderating are not limited.
    services.message_delete(actor=make_moderator(), room_id=room.id, message_id=mine[1].id, as_staff=True)
    assert seq_of(room) == 5
