import pytest

from messaging.models import Message
from messaging.services import message_send
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
