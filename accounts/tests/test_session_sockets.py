"""A browser session that ends takes its sockets with it; other sessions and ticket sockets stay."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.tickets import ticket_issue
from chatroom.asgi import application
from chatroom.realtime.protocol import CLOSE_UNAUTHENTICATED
from chatroom.testing.factories import PASSWORD
from chatroom.testing.live import receive_close
from conftest import HOST, ORIGIN, ws_connect

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def signed_in(user) -> Client:
    client = Client()
    # Through the sign-in page, as a person signs in (django-axes counts attempts per request).
    assert client.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


async def session_socket(client: Client) -> WebsocketCommunicator:
    """A socket opened by the page of this browser session (its cookie, no ticket)."""
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = WebsocketCommunicator(application, "/ws/chat/", headers=[HOST, ORIGIN, (b"cookie", cookie)])
    assert (await ws.connect())[0]
    assert (await ws.receive_json_from())["type"] == "hello"
    return ws


async def session_socket_closed(client: Client) -> int:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    ws = WebsocketCommunicator(application, "/ws/chat/", headers=[HOST, ORIGIN, (b"cookie", cookie)])
    assert (await ws.connect())[0]
    return await receive_close(ws)


async def still_open(ws: WebsocketCommunicator) -> bool:
    await ws.send_json_to({"type": "ping"})
    while True:
        output = await ws.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return False
        if '"pong"' in output.get("text", ""):
            return True


@pytest.fixture
async def user(make_user):
    return await db(make_user)()


async def test_signing_out_closes_that_sessions_sockets_only(user):
    laptop, phone = await db(signed_in)(user), await db(signed_in)(user)
    laptop_ws, phone_ws = await session_socket(laptop), await session_socket(phone)
    api_ws = await ws_connect(user)  # a ticket: the API client's own credential, not a session's
    assert (await api_ws.receive_json_from())["type"] == "hello"

    response = await db(laptop.post)("/logout/")
    assert response.status_code == 302

    assert await receive_close(laptop_ws) == CLOSE_UNAUTHENTICATED
    assert await still_open(phone_ws) and await still_open(api_ws)
    # Coming back with the old cookie is refused as any unauthenticated handshake is.
    again = await session_socket_closed(laptop)
    assert again == CLOSE_UNAUTHENTICATED
    await phone_ws.disconnect()
    await api_ws.disconnect()


async def test_a_deleted_session_closes_its_sockets(user):
    laptop, phone = await db(signed_in)(user), await db(signed_in)(user)
    laptop_ws, phone_ws = await session_socket(laptop), await session_socket(phone)
    key = laptop.cookies["sessionid"].value
    await db(lambda: Session.objects.get(session_key=key).delete())()
    assert await receive_close(laptop_ws) == CLOSE_UNAUTHENTICATED
    assert await still_open(phone_ws)
    await phone_ws.disconnect()


async def test_a_password_change_closes_every_socket_of_the_user(user, make_user):
    laptop = await db(signed_in)(user)
    laptop_ws = await session_socket(laptop)
    api_ws = await ws_connect(user)
    assert (await api_ws.receive_json_from())["type"] == "hello"
    other = await db(make_user)()
    other_ws = await ws_connect(other)
    assert (await other_ws.receive_json_from())["type"] == "hello"

    def change_password():
        user.set_password(PASSWORD + "-new")
        user.save()

    await db(change_password)()
    assert await receive_close(laptop_ws) == CLOSE_UNAUTHENTICATED
    assert await receive_close(api_ws) == CLOSE_UNAUTHENTICATED
    assert await still_open(other_ws)
    await other_ws.disconnect()


async def test_a_ticket_socket_never_reads_the_session_that_came_along(user, make_user, monkeypatch):
    """The ticket decides alone, and the session stack (a database trip per handshake) is not run for it."""
    from channels.auth import AuthMiddleware

    other = await db(make_user)()
    browser = await db(signed_in)(other)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()

    async def no_session_user(self, scope):
        raise AssertionError("the session stack ran for a ticket socket")

    monkeypatch.setattr(AuthMiddleware, "resolve_scope", no_session_user)
    ticket = await db(ticket_issue)(user=user)
    ws = WebsocketCommunicator(application, f"/ws/chat/?ticket={ticket}", headers=[HOST, ORIGIN, (b"cookie", cookie)])
    assert (await ws.connect())[0]
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello" and hello["user"]["id"] == user.id
    await ws.disconnect()
