"""The chat pages: who may open them, and what they carry."""

import json
import re

import pytest

from rooms.services import room_create, room_join

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
