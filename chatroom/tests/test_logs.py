"""Request ids on every line of a request or socket, one JSON access log, and floods that cannot fill the disk."""

import logging

import pytest
from channels.testing import HttpCommunicator

from chatroom.logs import FloodFilter, RequestContextFilter, RequestContextMiddleware, client_address, request_id
from chatroom.server import ConnectionLogView, log_access


def record(event: str | None = None, **fields) -> logging.LogRecord:
    extra = {"event": event, **fields} if event else fields
    return logging.makeLogRecord({"msg": "line", **extra})


async def logging_app(scope, receive, send):
    """An application that logs one line and answers, as a view does."""
    logging.getLogger("chatroom.test").warning("inside the request")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-request-id", b"forged")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def captured(caplog):
    """Records as the console handler sees them: through the request-context filter."""
    caplog.handler.addFilter(RequestContextFilter())
    return caplog


async def test_the_request_id_from_nginx_is_on_every_line_and_echoed(captured):
    app = RequestContextMiddleware(logging_app)
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"x-request-id", b"a1b2c3d4e5f6a7b8")]}
    communicator = HttpCommunicator(app, "GET", "/")
    communicator.scope.update(scope, client=["203.0.113.9", 0])
    response = await communicator.get_response()
    assert dict(response["headers"])[b"x-request-id"] == b"a1b2c3d4e5f6a7b8"  # one header, the request's
    line = next(r for r in captured.records if r.getMessage() == "inside the request")
    assert (line.request_id, line.client) == ("a1b2c3d4e5f6a7b8", "203.0.113.9")


async def test_a_request_without_a_valid_id_gets_a_new_one(captured):
    app = RequestContextMiddleware(logging_app)
    communicator = HttpCommunicator(app, "GET", "/", headers=[(b"x-request-id", b"bad id\nforged line")])
    response = await communicator.get_response()
    given = dict(response["headers"])[b"x-request-id"].decode()
    assert len(given) == 32 and "forged" not in given
    line = next(r for r in captured.records if r.getMessage() == "inside the request")
    assert line.request_id == given


def test_lines_outside_a_request_carry_no_id_and_own_client_fields_win():
    request_id.set(None)
    client_address.set(None)
    plain = record("x")
    RequestContextFilter().filter(plain)
    assert not hasattr(plain, "request_id")
    request_id.set("abcdef012345")
    client_address.set("198.51.100.1")
    named = record("auth.login_failed", client="203.0.113.9")
    RequestContextFilter().filter(named)
    assert (named.request_id, named.client) == ("abcdef012345", "203.0.113.9")


def test_a_flood_of_one_event_is_cut_and_the_next_line_counts_what_was_dropped(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("chatroom.logs.time.monotonic", lambda: clock[0])
    flood = FloodFilter(rate=1.0, burst=3)
    passed = [flood.filter(record("ws.frame_refused")) for _ in range(10)]
    assert passed == [True] * 3 + [False] * 7
    assert flood.filter(record("auth.login_failed"))  # another event has its own bucket
    assert flood.filter(record("http.request")) and flood.filter(record())  # other lines are never cut
    clock[0] += 1.0
    after = record("ws.frame_refused")
    assert flood.filter(after) and after.suppressed == 7
    assert not hasattr(record("ws.frame_refused"), "suppressed")


def test_access_lines_are_events_with_client_request_id_and_no_ticket(caplog):
    caplog.set_level(logging.INFO, "chatroom.access")
    server = type("Server", (), {"log_action": staticmethod(log_access)})()
    view = ConnectionLogView(server, "0123456789abcdef")
    view.log_action(
        "http",
        "complete",
        {
            "path": "/api/rooms/?after=3",
            "status": 200,
            "method": "GET",
            "client": "203.0.113.9:0",
            "time_taken": 0.0123,
            "size": 52,
        },
    )
    view.log_action("websocket", "connecting", {"path": "/ws/chat/?ticket=SECRETticket123", "client": "203.0.113.9:0"})
    http, ws = caplog.records
    assert (http.event, http.method, http.status, http.size, http.duration_ms) == ("http.request", "GET", 200, 52, 12.3)
    assert (http.client, http.request_id, http.path) == ("203.0.113.9", "0123456789abcdef", "/api/rooms/?after=3")
    assert (ws.event, ws.request_id) == ("ws.connecting", "0123456789abcdef")
    assert "SECRETticket123" not in ws.path and "SECRETticket123" not in ws.getMessage()


def test_a_failed_sign_in_logs_the_client_but_never_the_username(api, make_user, caplog):
    make_user("alice")
    api.post("/api/auth/token/", {"username": "my-password-typed-here", "password": "wrong"}, format="json")
    failed = [r for r in caplog.records if getattr(r, "event", None) == "auth.login_failed"]
    assert len(failed) == 1 and failed[0].client == "127.0.0.1"
    assert all("my-password-typed-here" not in repr(vars(r)) for r in caplog.records)
