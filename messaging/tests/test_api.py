from urllib.parse import quote

import pytest

from messaging import services
from messaging.models import Message, Reaction
from messaging.serializers import ChangesQuerySerializer
from messaging.services import SendRequest, message_send
from rooms.services import room_create, room_join

pytestmark = pytest.mark.django_db


def url(room, suffix="messages/"):
    return f"/api/rooms/{room.id}/{suffix}"


def test_send_and_read_history(api, room):
    client = api.as_user(room.owner)
    sent = client.post(url(room), {"body": "  <b>hi</b> 🎉 你好  ", "client_id": "abc"}, format="json")
    assert sent.status_code == 201
    assert sent.json()["body"] == "<b>hi</b> 🎉 你好"  # trimmed, stored as sent, never interpreted
    repeat = client.post(url(room), {"body": "different", "client_id": "abc"}, format="json")
    assert repeat.status_code == 200 and repeat.json()["id"] == sent.json()["id"]
    history = client.get(url(room)).json()
    assert history == {"results": [sent.json()], "has_more": False}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "   \n\t "},
        {"body": "x" * 4001},
        {"body": 12},
        {"body": None},
        {"body": "ok", "client_id": "c" * 65},
        {"body": "nul\x00byte"},
        {"body": ["list"]},
    ],
)
def test_send_validates(api, room, body):
    response = api.as_user(room.owner).post(url(room), body, format="json")
    assert response.status_code == 400
    assert Message.objects.count() == 0


def test_body_limit_counts_code_points(api, room):
    response = api.as_user(room.owner).post(url(room), {"body": "😀" * 4000}, format="json")
    assert response.status_code == 201


def test_history_parameters(api, room):
    client = api.as_user(room.owner)
    ids = [client.post(url(room), {"body": str(i)}, format="json").json()["id"] for i in range(5)]
    page = client.get(url(room), {"limit": 2}).json()
    assert [m["id"] for m in page["results"]] == ids[3:] and page["has_more"]
    page = client.get(url(room), {"before": ids[3], "limit": 2}).json()
    assert [m["id"] for m in page["results"]] == ids[1:3] and page["has_more"]
    page = client.get(url(room), {"after": ids[1]}).json()
    assert [m["id"] for m in page["results"]] == ids[2:] and not page["has_more"]
    assert client.get(url(room), {"limit": 1000}).status_code == 200  # capped, not refused
    for bad in ({"before": "x"}, {"after": "1.5"}, {"limit": "many"}, {"before": 1, "after": 1}, {"limit": 0}):
        assert client.get(url(room), bad).status_code == 400, bad


def test_send_rate_limited_answers_429_with_retry_after(api, room, settings):
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 2
    client = api.as_user(room.owner)
    codes = [client.post(url(room), {"body": "x"}, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    response = client.post(url(room), {"body": "x"}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_delete_and_read(api, room, make_user):
    bob = make_user()
    room_join(user=bob, invite_code=room.invite_code)
    message = api.as_user(bob).post(url(room), {"body": "oops"}, format="json").json()
    other = make_user()
    room_join(user=other, invite_code=room.invite_code)
    assert api.as_user(other).delete(url(room, f"messages/{message['id']}/")).status_code == 403
    assert api.as_user(bob).delete(url(room, "messages/999999/")).status_code == 404
    listed = api.as_user(room.owner).get("/api/rooms/").json()[0]
    assert listed["unread_count"] == 1
    assert (
        api.as_user(room.owner).post(url(room, "read/"), {"message_id": message["id"]}, format="json").status_code
        == 204
    )
    assert api.as_user(room.owner).get("/api/rooms/").json()[0]["unread_count"] == 0
    assert api.as_user(room.owner).post(url(room, "read/"), {"message_id": "x"}, format="json").status_code == 400
    assert api.as_user(room.owner).post(url(room, "read/"), {}, format="json").status_code == 400
    assert api.as_user(bob).delete(url(room, f"messages/{message['id']}/")).status_code == 204
    assert api.as_user(bob).get(url(room)).json()["results"] == []


# --- Version 2 ----------------------------------------------------------------------------


def message_url(room, message_id, suffix=""):
    return url(room, f"messages/{message_id}/{suffix}")


def reaction_url(room, message_id, emoji):
    return message_url(room, message_id, f"reactions/{quote(emoji)}/")


@pytest.fixture
def posted(api, room, member):
    """A message of `member` in `room`, as the API answered it."""
    return api.as_user(member).post(url(room), {"body": "posted"}, format="json").json()


def test_a_v2_message_and_room(api, room, member):
    client = api.as_user(member)
    sent = client.post(url(room), {"body": "**hi** @owner <i>", "client_id": "v2"}, format="json").json()
    assert sent == {
        "id": sent["id"],
        "room": room.id,
        "author": sent["author"],
        "body": "**hi** @owner <i>",
        "html": (
            f'<p><strong>hi</strong> <span class="mention" data-user-id="{room.owner.id}">@owner</span> &lt;i&gt;</p>'
        ),
        "created_at": sent["created_at"],
        "client_id": "v2",
        "seq": 1,
        "edited_at": None,
        "reply_to": None,
        "mentions": [room.owner.id],
        "reactions": [],
        "attachments": [],
    }
    [listed] = api.as_user(room.owner).get("/api/rooms/").json()
    assert listed["seq"] == 1 and listed["mention_count"] == 1 and listed["last_message"] == sent


def test_edit(api, room, member, posted, make_user):
    response = api.as_user(member).patch(message_url(room, posted["id"]), {"body": " better "}, format="json")
    assert response.status_code == 200
    edited = response.json()
    assert edited["body"] == "better" and edited["html"] == "<p>better</p>" and edited["seq"] == 2
    assert edited["edited_at"] >= edited["created_at"]
    assert api.as_user(member).get(url(room)).json()["results"] == [edited]


@pytest.mark.parametrize(
    ("who", "target", "body", "status"),
    [
        ("owner", "posted", {"body": "not yours"}, 403),
        ("member", "unknown", {"body": "x"}, 404),
        ("member", "posted", {"body": ""}, 400),
        ("member", "posted", {"body": "x" * 4001}, 400),
        ("member", "posted", {}, 400),
        ("member", "posted", {"body": 5}, 400),
        ("stranger", "posted", {"body": "x"}, 404),
    ],
)
def test_edit_refused(api, room, member, posted, make_user, who, target, body, status):
    user = {"owner": room.owner, "member": member, "stranger": make_user("stranger")}[who]
    message_id = posted["id"] if target == "posted" else posted["id"] + 100
    response = api.as_user(user).patch(message_url(room, message_id), body, format="json")
    assert response.status_code == status, response.content
    assert Message.objects.get(pk=posted["id"]).body == "posted"


def test_edit_of_a_deleted_message_is_404(api, room, member, posted):
    client = api.as_user(member)
    assert client.delete(message_url(room, posted["id"])).status_code == 204
    assert client.patch(message_url(room, posted["id"]), {"body": "back"}, format="json").status_code == 404


def test_reactions(api, room, member, posted):
    client = api.as_user(room.owner)
    added = client.put(reaction_url(room, posted["id"], "👍🏽"))
    assert added.status_code == 200
    assert added.json()["reactions"] == [{"emoji": "👍🏽", "count": 1, "user_ids": [room.owner.id]}]
    assert added.json()["seq"] == 2
    again = client.put(reaction_url(room, posted["id"], "👍🏽"))
    assert again.status_code == 200 and again.json() == added.json()  # no change, no new seq
    removed = client.delete(reaction_url(room, posted["id"], "👍🏽"))
    assert removed.status_code == 200 and removed.json()["reactions"] == [] and removed.json()["seq"] == 3
    absent = client.delete(reaction_url(room, posted["id"], "👍🏽"))
    assert absent.status_code == 200 and absent.json() == removed.json()


def test_an_emoji_with_or_without_its_variation_selector_is_one_reaction(api, room, member, posted):
    api.as_user(room.owner).put(reaction_url(room, posted["id"], "\u2764"))  # ❤ without VS16
    both = api.as_user(member).put(reaction_url(room, posted["id"], "\u2764\ufe0f")).json()["reactions"]
    assert both == [{"emoji": "\u2764\ufe0f", "count": 2, "user_ids": [room.owner.id, member.id]}]


@pytest.mark.parametrize("emoji", ["a", "👍👍", " 👍", "👍 ", ":thumbsup:", "\u200d", "x" * 40, "🇫"])
def test_reaction_not_an_emoji_is_400(api, room, member, posted, emoji):
    for method in ("put", "delete"):
        response = getattr(api.as_user(member), method)(reaction_url(room, posted["id"], emoji))
        assert response.status_code == 400 and "emoji" in response.json(), (emoji, response.content)
    assert not Reaction.objects.exists()


def test_reaction_refused(api, room, member, posted, make_user, settings):
    stranger = make_user("stranger")
    assert api.as_user(stranger).put(reaction_url(room, posted["id"], "👍")).status_code == 404
    assert api.as_user(member).put(reaction_url(room, posted["id"] + 100, "👍")).status_code == 404
    settings.CHAT_SEND_RATE, settings.CHAT_SEND_BURST = 0.01, 2
    client = api.as_user(room.owner)
    assert client.put(reaction_url(room, posted["id"], "👍")).status_code == 200
    assert client.delete(reaction_url(room, posted["id"], "👍")).status_code == 200
    limited = client.put(reaction_url(room, posted["id"], "🎉"))
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


def test_reply(api, room, member, posted):
    client = api.as_user(room.owner)
    reply = client.post(url(room), {"body": "re", "reply_to": posted["id"]}, format="json")
    assert reply.status_code == 201
    assert reply.json()["reply_to"] == {"id": posted["id"], "author": posted["author"], "excerpt": "posted"}
    for bad in (posted["id"] + 100, "x", 0, 1.5):
        response = client.post(url(room), {"body": "re", "reply_to": bad}, format="json")
        assert response.status_code == 400 and "reply_to" in response.json(), bad


def test_changes(api, room, member, posted):
    client = api.as_user(member)
    second = client.post(url(room), {"body": "second"}, format="json").json()
    client.patch(message_url(room, posted["id"]), {"body": "edited"}, format="json")
    client.delete(message_url(room, second["id"]))
    answer = client.get(url(room, "changes/"), {"since": 0})
    assert answer.status_code == 200
    edited = client.get(url(room)).json()["results"][0]
    assert answer.json() == {
        "seq": 4,
        "messages": [edited, {"id": second["id"], "room": room.id, "seq": 4, "deleted": True}],
        "has_more": False,
    }
    assert client.get(url(room, "changes/"), {"since": 3, "limit": 1}).json()["messages"][0]["deleted"] is True
    assert client.get(url(room, "changes/")).json() == answer.json()  # `since` defaults to 0
    assert client.get(url(room, "changes/"), {"since": 4}).json() == {"seq": 4, "messages": [], "has_more": False}


def test_changes_pages_by_limit(api, room, settings):
    settings.CHAT_SEND_BURST = 1000
    services.message_send_many(requests=[SendRequest(room.owner, room.id, f"m{i}") for i in range(102)])
    client = api.as_user(room.owner)
    page = client.get(url(room, "changes/")).json()
    assert len(page["messages"]) == 100 and page["has_more"]  # default limit
    rest = client.get(url(room, "changes/"), {"since": page["messages"][-1]["seq"], "limit": 1000}).json()
    assert [m["seq"] for m in rest["messages"]] == [101, 102] and not rest["has_more"]
    query = ChangesQuerySerializer(data={"limit": "10000"})
    assert query.is_valid() and query.validated_data == {"since": 0, "limit": 500}  # capped, not refused


@pytest.mark.parametrize("query", [{"since": -1}, {"since": "x"}, {"since": "1.5"}, {"limit": 0}, {"limit": "all"}])
def test_changes_bad_query_is_400(api, room, query):
    assert api.as_user(room.owner).get(url(room, "changes/"), query).status_code == 400


def test_changes_of_a_room_one_is_not_in_is_404(api, room, make_user):
    assert api.as_user(make_user()).get(url(room, "changes/"), {"since": "x"}).status_code == 404


@pytest.fixture
def busy_room(room, member, settings):
    """100 messages in `room`, each replying to the one before, mentioning, and reacted to."""
    settings.CHAT_SEND_BURST = 10_000
    previous = None
    for i in range(100):
        author = member if i % 2 else room.owner
        previous = services.message_send(
            author=author, room_id=room.id, body=f"@owner @member {i}", reply_to=previous and previous.id
        ).message
        services.reaction_add(user=member, room_id=room.id, message_id=previous.id, emoji="👍")
    return room


def test_history_and_changes_of_100_messages_cost_a_fixed_number_of_queries(
    api, busy_room, member, django_assert_max_num_queries
):
    client = api.as_user(member)
    # The user, the membership, the messages and their attachments (and the room's seq).
    with django_assert_max_num_queries(5):
        history = client.get(url(busy_room), {"limit": 100}).json()["results"]
    with django_assert_max_num_queries(5):
        changes = client.get(url(busy_room, "changes/")).json()["messages"]
    assert len(history) == len(changes) == 100
    assert all(m["reply_to"] and m["reactions"] and m["mentions"] for m in history[1:])
    assert {m["id"]: m for m in history} == {m["id"]: m for m in changes}


def test_history_around_a_message(api, room, django_capture_on_commit_callbacks):
    """Opening a room at a search result: the message with its context, and which way more lie."""
    client = api.as_user(room.owner)
    ids = [client.post(url(room), {"body": str(i)}, format="json").json()["id"] for i in range(10)]
    page = client.get(url(room), {"around": ids[5], "limit": 4}).json()
    assert [m["id"] for m in page["results"]] == ids[3:7]  # two older, the message, one newer: oldest first
    assert page["has_more"] and page["has_newer"]
    page = client.get(url(room), {"around": ids[1], "limit": 6}).json()
    assert [m["id"] for m in page["results"]] == ids[0:4] and not page["has_more"] and page["has_newer"]
    page = client.get(url(room), {"around": ids[9], "limit": 6}).json()
    assert [m["id"] for m in page["results"]] == ids[6:] and page["has_more"] and not page["has_newer"]
    # A deleted message still marks its place; its neighbours are shown without it.
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(url(room, f"messages/{ids[5]}/"))
    page = client.get(url(room), {"around": ids[5], "limit": 4}).json()
    assert [m["id"] for m in page["results"]] == [ids[3], ids[4], ids[6], ids[7]]
    assert client.get(url(room), {"around": ids[5], "limit": 1}).json()["results"][0]["id"] == ids[6]
    for bad in ({"around": "x"}, {"around": 0}, {"around": 1, "before": 1}, {"around": 1, "after": 1}):
        assert client.get(url(room), bad).status_code == 400, bad


def test_history_around_another_rooms_message_shows_nothing_of_it(api, room, member, make_user):
    other = room_create(owner=make_user("other"), name="other")
    secret = message_send(author=other.owner, room_id=other.id, body="secret").message
    page = api.as_user(member).get(url(room), {"around": secret.id}).json()
    assert all(m["room"] == room.id for m in page["results"])
