"""The chat pages: who may open them, and what they carry."""

import json
import re

import pytest

from chatroom.exceptions import Conflict, Forbidden
from messaging.serializers import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH
from messaging.services import message_delete, message_send
from rooms.models import Membership
from rooms.services import (
    invite_rotate,
    member_ban,
    member_kick,
    member_set_role,
    room_create,
    room_delete,
    room_join,
    room_leave,
    room_update,
)

Role = Membership.Role

pytestmark = pytest.mark.django_db


def test_home_sends_people_where_they_belong(client, make_user):
    assert client.get("/")["Location"] == "/login/"
    client.force_login(make_user())
    assert client.get("/")["Location"] == "/rooms/"


def test_chat_pages_need_a_session(client):
    assert client.get("/rooms/")["Location"] == "/login/?next=/rooms/"
    assert client.get("/rooms/1/")["Location"] == "/login/?next=/rooms/1/"


def page_config(response) -> dict:
    match = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(match.group(1))


def test_room_page_for_a_member_carries_the_user_and_room(client, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    room = room_create(owner=alice, name="Lounge")
    room_join(user=bob, invite_code=room.invite_code)
    client.force_login(bob)
    response = client.get(f"/rooms/{room.id}/")
    assert response.status_code == 200
    config = page_config(response)
    assert config["roomId"] == room.id
    assert config["user"]["username"] == "bob"
    assert "<title>Lounge · Chatroom</title>" in response.content.decode()
    assert page_config(client.get("/rooms/"))["roomId"] is None


def test_page_config_urls_lead_where_the_page_expects(client, make_user):
    client.force_login(make_user("alice"))
    urls = page_config(client.get("/rooms/"))["urls"]
    assert urls["rooms"] == "/rooms/"
    # The page probes this while disconnected: cheap, no session needed, never cached.
    client.logout()
    health = client.get(urls["health"])
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert "no-cache" in health["Cache-Control"]


def test_room_page_is_404_for_non_members_and_missing_rooms(client, make_user):
    room = room_create(owner=make_user("alice"), name="Private")
    client.force_login(make_user("mallory"))
    assert client.get(f"/rooms/{room.id}/").status_code == 404
    assert client.get(f"/rooms/{room.id + 1000}/").status_code == 404


def test_names_in_pages_are_escaped(client, make_user):
    alice = make_user("alice")
    room = room_create(owner=alice, name="</script><script>alert(1)</script>")
    client.force_login(alice)
    html = client.get(f"/rooms/{room.id}/").content.decode()
    assert "<script>alert(1)" not in html


def test_pages_run_no_inline_script_and_send_the_policy(client, make_user):
    """Every <script> is a file or inert JSON, so the Content-Security-Policy can forbid inline code."""
    alice = make_user("alice")
    room = room_create(owner=alice, name="Lounge")
    pages = [client.get("/login/"), client.get("/register/")]
    client.force_login(alice)
    pages += [client.get("/rooms/"), client.get(f"/rooms/{room.id}/")]
    for response in pages:
        html = response.content.decode()
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe-inline" not in policy
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert not re.search(r"\sstyle=", html), "inline style"


def test_page_config_carries_the_servers_limits(client, make_user, settings):
    """The page checks input against the server's own limits, not copies of them in its script."""
    settings.CHAT_AVATAR_MAX_BYTES = 12345
    settings.CHAT_ATTACHMENT_MAX_BYTES = 67890
    client.force_login(make_user())
    response = client.get("/rooms/")
    limits = page_config(response)["limits"]
    assert limits == {
        "bodyMaxLength": BODY_MAX_LENGTH,
        "clientIdMaxLength": CLIENT_ID_MAX_LENGTH,
        "roomNameMaxLength": 64,
        "roomDescriptionMaxLength": 500,
        "avatarMaxBytes": 12345,
        "displayNameMaxLength": 64,
        "attachmentMaxBytes": 67890,
        "attachmentsPerMessage": 10,
    }
    # The room forms (create, settings) limit their fields by the same numbers.
    lengths = re.findall(r'name="(name|description)"[^>]*maxlength="(\d+)"', response.content.decode())
    names, descriptions = limits["roomNameMaxLength"], limits["roomDescriptionMaxLength"]
    assert sorted(lengths) == sorted([("name", str(names))] * 2 + [("description", str(descriptions))] * 2)


def _member(make_user, room, role: str):
    """A new user in `room` with `role` (admin or member)."""
    user = make_user()
    room_join(user=user, invite_code=room.invite_code)
    if role != Role.MEMBER:
        member_set_role(actor=room.owner, room_id=room.id, user_id=user.id, role=role)
    return user


def _room_with(make_user, actor_role: str):
    """A room and a user of `actor_role` in it."""
    owner = make_user()
    room = room_create(owner=owner, name="Rules")
    return room, owner if actor_role == Role.OWNER else _member(make_user, room, actor_role)


def _allowed(action) -> bool:
    try:
        action()
    except (Forbidden, Conflict):
        return False
    return True


@pytest.mark.parametrize("actor_role", Role.values)
def test_page_config_role_rules_agree_with_the_services(client, make_user, actor_role):
    """Each rule the page hides buttons by is what rooms.services and messaging.services enforce."""
    client.force_login(make_user())
    roles = page_config(client.get("/rooms/"))["roles"]

    room, actor = _room_with(make_user, actor_role)
    other = _member(make_user, room, Role.MEMBER)
    theirs = message_send(author=other, room_id=room.id, body="hello").message
    manages = [
        _allowed(lambda: room_update(actor=actor, room_id=room.id, name="Renamed")),
        _allowed(lambda: invite_rotate(actor=actor, room_id=room.id)),
        _allowed(lambda: message_delete(actor=actor, room_id=room.id, message_id=theirs.id)),
    ]
    assert manages == [actor_role in roles["manage"]] * 3
    changes_roles = _allowed(lambda: member_set_role(actor=actor, room_id=room.id, user_id=other.id, role="admin"))
    assert changes_roles == (actor_role in roles["changeRoles"])
    assert _allowed(lambda: room_leave(user=actor, room_id=room.id)) == (actor_role in roles["leave"])

    room, actor = _room_with(make_user, actor_role)
    assert _allowed(lambda: room_delete(actor=actor, room_id=room.id)) == (actor_role in roles["deleteRoom"])

    for remove in (member_kick, member_ban):
        for target_role in Role.values:
            room, actor = _room_with(make_user, actor_role)
            target = room.owner if target_role == Role.OWNER else _member(make_user, room, target_role)
            allowed = _allowed(lambda: remove(actor=actor, room_id=room.id, user_id=target.id))
            assert allowed == (target_role in roles["remove"].get(actor_role, [])), (remove, target_role)
    assert roles["assignable"] == [Role.ADMIN, Role.MEMBER]
