"""
Fixtures shared by every app's tests: users, rooms, API clients, WebSocket
clients, a seeded chat and a moderator, and a record of what services publish.
The factories and helpers behind them are in chatroom.testing.
"""

import itertools
import json
from typing import TYPE_CHECKING

import pytest
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tickets import ticket_issue
from chatroom.ratelimit import reset_memory_buckets
from chatroom.realtime import events
from chatroom.realtime.events import Envelope
from chatroom.realtime.presence import reset_memory_presence
from chatroom.testing.factories import UserFactory
from chatroom.testing.protocol import frame_schema_errors, schema_errors
from chatroom.testing.seed import make_moderator, seed_chat

if TYPE_CHECKING:
    from accounts.models import User

# A browser's handshake: the page's origin, and the Host it talks to (the origin check compares the two).
ORIGIN = (b"origin", b"http://127.0.0.1")
HOST = (b"host", b"127.0.0.1")
_names = itertools.count()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness would dominate the suite; production keeps Django's default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_shared_state():
    """Every test starts with an empty cache (and Redis), channel layer, rate-limit buckets and presence."""
    cache.clear()
    reset_memory_buckets()
    reset_memory_presence()
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def make_user(db):
    """Make a user (password PASSWORD) named `username`, or user<n>."""

    def make(username: str | None = None, **extra) -> "User":
        return UserFactory(username=username or f"user{next(_names)}", **extra)

    return make


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it with a JWT like a real client."""
    client = APIClient()

    def as_user(user: "User") -> APIClient:
        from rest_framework_simplejwt.tokens import RefreshToken

        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    client.as_user = as_user
    return client


async def ws_connect(user: "User | None" = None, *, ticket: str | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    """Open /ws/chat/ through the real ASGI application (routing, origin check, auth)."""
    from channels.db import database_sync_to_async

    from chatroom.asgi import application

    if user is not None and ticket is None:
        ticket = await database_sync_to_async(ticket_issue)(user=user)
    path = f"/ws/chat/?ticket={ticket}" if ticket else "/ws/chat/"
    headers = [HOST, origin] if origin else [HOST]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


class PublishedEvents(list):
    """(group, event) pairs sent to the channel layer, in order."""

    def frames(self, group: str) -> list[dict]:
        return [json.loads(event["text"]) for g, event in self if g == group and event.get("text")]

    def types(self, group: str) -> list[str]:
        return [frame["type"] for frame in self.frames(group)]


@pytest.fixture
def published(monkeypatch) -> PublishedEvents:
    """
    Record every event published to the channel layer (services publish after
    commit), and check each against the protocol: a typed envelope around a
    frame exactly as chatroom.realtime.protocol builds it. A mismatch fails the
    test at teardown (publishing after commit swallows errors, by design).
    """
    layer = get_channel_layer()
    recorded = PublishedEvents()
    mismatches: list[str] = []
    original = layer.group_send

    async def recording_group_send(group, message):
        mismatches.extend(schema_errors(message, Envelope, "envelope"))
        if message.get("text") is not None:
            mismatches.extend(frame_schema_errors(json.loads(message["text"])))
        recorded.append((group, message))
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    # A send batch pipelines its pushes past group_send on Redis (events.publish_batch): record those too.
    monkeypatch.setattr(events, "_pipelines", lambda layer: False)
    yield recorded
    assert not mismatches, f"published events that do not match the protocol: {mismatches}"


@pytest.fixture
def room(make_user, django_capture_on_commit_callbacks):
    """A room "general" created by its owner, "owner", through the service."""
    from rooms.services import room_create

    with django_capture_on_commit_callbacks(execute=True):
        return room_create(owner=make_user("owner"), name="general")


@pytest.fixture
def member(room, make_user, django_capture_on_commit_callbacks):
    """A member, "member", of `room`, joined by its invite code."""
    from rooms.services import room_join

    user = make_user("member")
    with django_capture_on_commit_callbacks(execute=True):
        room_join(user=user, invite_code=room.invite_code)
    return user


@pytest.fixture
def chat(db):
    """A seeded chat (chatroom.testing.seed): two rooms, three members, 150 messages, a ban."""
    return seed_chat(messages=150)


@pytest.fixture
def moderator_client(client, db):
    """A Django test client logged in as a staff user of the Moderators group."""
    client.force_login(make_moderator())
    return client
