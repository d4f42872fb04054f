import io

import pytest
from PIL import Image

from messaging.services import message_send
from rooms.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(make_user):
    return make_user("owner")


@pytest.fixture
def room(api, owner):
    response = api.as_user(owner).post("/api/rooms/", {"name": "general", "description": "hi"}, format="json")
    assert response.status_code == 201
    return response.json()


def as_user(api, user):
    return api.as_user(user)


def test_create_room_answers_room_object(room, owner):
    assert set(room) == {
        "id",
        "name",
        "description",
        "avatar",
        "owner",
        "invite_code",
        "role",
        "member_count",
        "unread_count",
        "last_message",
        "created_at",
        "seq",
        "mention_count",
        "invite_url",
        "kind",
        "peer",
    }
    assert room["invite_url"] == f"http://testserver/join/{room['invite_code']}/"
    assert room["kind"] == "group" and room["peer"] is None
    assert room["role"] == "owner" and room["member_count"] == 1 and room["unread_count"] == 0
    assert room["seq"] == 0 and room["mention_count"] == 0
    assert room["owner"]["id"] == owner.id and room["last_message"] is None and room["avatar"] is None


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 65}, {"name": "ok", "description": "d" * 501}, {"name": ["a"]}],
)
def test_create_room_validates(api, owner, body):
    response = api.as_user(owner).post("/api/rooms/", body, format="json")
    assert response.status_code == 400


def test_create_room_with_avatar(api, owner):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "pic.jpeg"
    response = api.as_user(owner).post("/api/rooms/", {"name": "pics", "avatar": buffer}, format="multipart")
    assert response.status_code == 201
    assert response.json()["avatar"].startswith("/media/avatars/rooms/") and response.json()["avatar"].endswith(".jpg")


def test_unauthenticated_is_401(api):
    assert api.get("/api/rooms/").status_code == 401


def test_non_member_gets_404_everywhere(api, room, make_user):
    stranger = api.as_user(make_user())
    rid = room["id"]
    for method, path in [
        ("get", f"/api/rooms/{rid}/"),
        ("patch", f"/api/rooms/{rid}/"),
        ("delete", f"/api/rooms/{rid}/"),
        ("post", f"/api/rooms/{rid}/leave/"),
        ("post", f"/api/rooms/{rid}/invite/"),
        ("get", f"/api/rooms/{rid}/members/"),
        ("patch", f"/api/rooms/{rid}/members/1/"),
        ("post", f"/api/rooms/{rid}/members/1/kick/"),
        ("post", f"/api/rooms/{rid}/members/1/ban/"),
        ("delete", f"/api/rooms/{rid}/bans/1/"),
        ("get", f"/api/rooms/{rid}/messages/"),
        ("post", f"/api/rooms/{rid}/messages/"),
        ("delete", f"/api/rooms/{rid}/messages/1/"),
        ("post", f"/api/rooms/{rid}/read/"),
        ("get", "/api/rooms/999999/"),
    ]:
        response = getattr(stranger, method)(path, {}, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json() == {"detail": "Not found."}


def test_join_leave_and_list(api, room, make_user, owner):
    bob = make_user("bob")
    client = api.as_user(bob)
    joined = client.post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    assert joined.status_code == 200 and joined.json()["role"] == "member" and joined.json()["member_count"] == 2
    assert client.post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json").status_code == 200
    assert client.post("/api/rooms/join/", {"invite_code": "nope"}, format="json").status_code == 404
    assert client.post("/api/rooms/join/", {}, format="json").status_code == 400
    assert [r["id"] for r in client.get("/api/rooms/").json()] == [room["id"]]
    assert client.post(f"/api/rooms/{room['id']}/leave/").status_code == 204
    assert client.get("/api/rooms/").json() == []
    assert api.as_user(owner).post(f"/api/rooms/{room['id']}/leave/").status_code == 409


def test_room_list_orders_by_recent_activity_with_unread_and_last_message(api, owner, make_user):
    client = api.as_user(owner)
    first = client.post("/api/rooms/", {"name": "first"}, format="json").json()
    second = client.post("/api/rooms/", {"name": "second"}, format="json").json()
    bob = make_user()
    api.as_user(bob).post("/api/rooms/join/", {"invite_code": first["invite_code"]}, format="json")
    message_send(author=bob, room_id=first["id"], body="one")
    message_send(author=bob, room_id=first["id"], body="two")
    message_send(author=owner, room_id=first["id"], body="mine")
    rooms = api.as_user(owner).get("/api/rooms/").json()
    assert [r["id"] for r in rooms] == [first["id"], second["id"]]
    assert rooms[0]["unread_count"] == 2  # other people's messages only
    assert rooms[0]["last_message"]["body"] == "mine"
    assert rooms[1]["unread_count"] == 0


def test_patch_and_delete_permissions(api, room, owner, make_user):
    bob = make_user()
    api.as_user(bob).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    rid = room["id"]
    assert api.as_user(bob).patch(f"/api/rooms/{rid}/", {"name": "x"}, format="json").status_code == 403
    assert api.as_user(bob).delete(f"/api/rooms/{rid}/").status_code == 403
    response = api.as_user(owner).patch(f"/api/rooms/{rid}/", {"description": "new"}, format="json")
    assert (
        response.status_code == 200 and response.json()["description"] == "new" and response.json()["name"] == "general"
    )
    assert api.as_user(owner).patch(f"/api/rooms/{rid}/", {"name": ""}, format="json").status_code == 400
    assert api.as_user(owner).delete(f"/api/rooms/{rid}/").status_code == 204
    assert api.as_user(owner).get(f"/api/rooms/{rid}/").status_code == 404


def test_invite_rotation(api, room, owner, make_user):
    response = api.as_user(owner).post(f"/api/rooms/{room['id']}/invite/")
    assert response.status_code == 200 and response.json()["invite_code"] != room["invite_code"]
    late = make_user()
    assert (
        api.as_user(late).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json").status_code
        == 404
    )


def test_members_roles_kick_ban_unban(api, room, owner, make_user):
    rid = room["id"]
    bob, carol = make_user("bob"), make_user("carol")
    for user in (bob, carol):
        api.as_user(user).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    members = api.as_user(bob).get(f"/api/rooms/{rid}/members/").json()
    assert [m["user"]["username"] for m in members] == ["owner", "bob", "carol"]
    assert set(members[0]) == {"user", "role", "joined_at", "online"} and members[0]["online"] is False

    assert (
        api.as_user(bob).patch(f"/api/rooms/{rid}/members/{carol.id}/", {"role": "admin"}, format="json").status_code
        == 403
    )
    assert (
        api.as_user(owner).patch(f"/api/rooms/{rid}/members/{bob.id}/", {"role": "owner"}, format="json").status_code
        == 400
    )
    assert (
        api.as_user(owner).patch(f"/api/rooms/{rid}/members/99999/", {"role": "admin"}, format="json").status_code
        == 404
    )
    promoted = api.as_user(owner).patch(f"/api/rooms/{rid}/members/{bob.id}/", {"role": "admin"}, format="json")
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"

    assert api.as_user(bob).post(f"/api/rooms/{rid}/members/{owner.id}/kick/").status_code == 403
    assert api.as_user(bob).post(f"/api/rooms/{rid}/members/{carol.id}/kick/").status_code == 204
    rejoin = api.as_user(carol).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    assert rejoin.status_code == 200
    assert api.as_user(bob).post(f"/api/rooms/{rid}/members/{carol.id}/ban/").status_code == 204
    banned = api.as_user(carol).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    assert banned.status_code == 403
    assert api.as_user(bob).delete(f"/api/rooms/{rid}/bans/{carol.id}/").status_code == 204
    assert api.as_user(bob).delete(f"/api/rooms/{rid}/bans/{carol.id}/").status_code == 404
    again = api.as_user(carol).post("/api/rooms/join/", {"invite_code": room["invite_code"]}, format="json")
    assert again.status_code == 200
    assert Membership.objects.filter(room_id=rid).count() == 3
