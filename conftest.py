"""Fixtures shared by every app's tests: users, API clients and WebSocket clients."""

import itertools
import json

import pytest
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tickets import ticket_issue
from chatroom.ratelimit import reset_memory_buckets
from chatroom.realtime.presence import reset_memory_presence

PASSWORD = "correct-horse-battery-staple"
ORIGIN = (b"origin", b"http://127.0.0.1")
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
    def make(username: str | None = None, **extra) -> User:
        return User.objects.create_user(username=username or f"user{next(_names)}", password=PASSWORD, **extra)

    return make


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it with a JWT like a real client."""
    client = APIClient()

    def as_user(user: User) -> APIClient:
        from rest_framework_simplejwt.tokens import RefreshToken

        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    client.as_user = as_user
    return client


async def ws_connect(user: User | None = None, *, ticket: str | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    """Open /ws/chat/ through the real ASGI application (routing, origin check, auth)."""
    from channels.db import database_sync_to_async

    from chatroom.asgi import application

    if user is not None and ticket is None:
        ticket = await database_sync_to_async(ticket_issue)(user=user)
    path = f"/ws/chat/?ticket={ticket}" if ticket else "/ws/chat/"
    headers = [origin] if origin else []
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
    """Record every event published to the channel layer (services publish after commit)."""
    layer = get_channel_layer()
    recorded = PublishedEvents()
    original = layer.group_send

    async def recording_group_send(group, message):
        recorded.append((group, message))
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    return recorded
