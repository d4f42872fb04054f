"""Cross-site WebSocket hijacking: only the site's own origin (scheme, host and port) may open a socket."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.tickets import ticket_issue
from chatroom.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(user, *, host: str, origin: str | None, scheme: str = "ws", extra=()) -> bool:
    """Open /ws/chat/ as a browser would from a page at `origin` to a server at `host`; True if accepted."""
    ticket = await database_sync_to_async(ticket_issue)(user=user)
    headers = [(b"host", host.encode()), *extra]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    ws = WebsocketCommunicator(application, f"/ws/chat/?ticket={ticket}", headers=headers)
    ws.scope["scheme"] = scheme
    accepted, _ = await ws.connect()
    if accepted:
        assert (await ws.receive_json_from())["type"] == "hello"
        await ws.disconnect()
    return accepted


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8000",  # another port of the same host: its pages get our cookie
        "https://127.0.0.1:4443",
        "https://127.0.0.1:8101",  # the same port, another scheme
        "ftp://127.0.0.1",
        "http://127.0.0.1",  # the host without the server's port
        "http://127.0.0.1:8101.evil.example",
        "null",  # sandboxed frames and file: pages
        "http://evil.example",
    ],
)
async def test_other_origins_of_the_same_host_are_refused(make_user, origin):
    user = await database_sync_to_async(make_user)()
    assert not await handshake(user, host="127.0.0.1:8101", origin=origin)


async def test_the_sites_own_origin_is_accepted(make_user):
    user = await database_sync_to_async(make_user)()
    assert await handshake(user, host="127.0.0.1:8101", origin="http://127.0.0.1:8101")
    assert await handshake(user, host="localhost", origin="http://localhost")
    assert await handshake(user, host="LOCALHOST:8101", origin="http://localhost:8101")


async def test_a_missing_origin_or_a_host_not_allowed_is_refused(make_user):
    user = await database_sync_to_async(make_user)()
    assert not await handshake(user, host="127.0.0.1:8101", origin=None)
    assert not await handshake(user, host="evil.example", origin="http://evil.example")


async def test_https_is_judged_as_django_judges_it(make_user, settings):
    user = await database_sync_to_async(make_user)()
    # wss: the page is https.
    assert await handshake(user, host="localhost", origin="https://localhost", scheme="wss")
    assert not await handshake(user, host="localhost", origin="http://localhost", scheme="wss")
    # TLS ends at the proxy: X-Forwarded-Proto counts only when SECURE_PROXY_SSL_HEADER trusts it.
    forwarded = [(b"x-forwarded-proto", b"https")]
    assert not await handshake(user, host="localhost", origin="https://localhost", extra=forwarded)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert await handshake(user, host="localhost", origin="https://localhost", extra=forwarded)
    assert not await handshake(user, host="localhost", origin="http://localhost", extra=forwarded)


async def test_csrf_trusted_origins_are_accepted(make_user, settings):
    user = await database_sync_to_async(make_user)()
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.com", "https://*.example.org"]
    assert await handshake(user, host="localhost", origin="https://chat.example.com")
    assert await handshake(user, host="localhost", origin="https://app.example.org")
    assert not await handshake(user, host="localhost", origin="http://chat.example.com")
    assert not await handshake(user, host="localhost", origin="https://chat.example.com:8443")
    assert not await handshake(user, host="localhost", origin="https://example.org.evil.example")
