"""One definition of the client's address (chatroom.client_address), used by throttles, axes, logs and the server."""

import logging
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.throttling import LoginRateThrottle
from chatroom.client_address import forwarded_client_address, scope_client_address
from chatroom.server import ChatServer
from chatroom.testing.factories import PASSWORD

NGINX = "127.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.9", NGINX),  # no proxy trusted: the header is the client's own words
        (1, None, NGINX),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry before nginx's
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # a balancer before nginx
        (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the first
        (1, " 2001:db8::1 ", "2001:db8::1"),
        (1, "unknown", NGINX),  # not an address: the connection's
        (1, "203.0.113.9, <script>", NGINX),
    ],
)
def test_forwarded_client_address(settings, proxies, forwarded_for, expected):
    settings.NUM_PROXIES = proxies
    assert forwarded_client_address(forwarded_for, NGINX) == expected


def test_scope_client_address_reads_every_forwarded_header(settings):
    settings.NUM_PROXIES = 1
    headers = [(b"host", b"x"), (b"x-forwarded-for", b"6.6.6.6"), (b"x-forwarded-for", b"203.0.113.9")]
    assert scope_client_address(headers, [NGINX, 5000]) == "203.0.113.9"
    assert scope_client_address([], [NGINX, 5000]) == NGINX
    assert scope_client_address([], None) is None


def behind_nginx(client_address: str, forged: str = "6.6.6.6") -> APIClient:
    """A client as the workers see it behind nginx: nginx's address, a forged entry, then the real one."""
    return APIClient(REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=f"{forged}, {client_address}")


@pytest.mark.django_db
def test_drf_throttles_key_on_the_client_address(settings, monkeypatch):
    settings.NUM_PROXIES = 1
    monkeypatch.setattr(LoginRateThrottle, "rate", "2/min", raising=False)
    body = {"username": "nobody", "password": "x"}
    alice = [behind_nginx("203.0.113.9", forged=f"6.6.6.{n}") for n in range(3)]
    assert [c.post("/api/auth/token/", body, format="json").status_code for c in alice] == [401, 401, 429]
    # Another client behind the same nginx has its own bucket.
    assert behind_nginx("203.0.113.10").post("/api/auth/token/", body, format="json").status_code == 401


@pytest.mark.django_db
def test_axes_locks_out_the_client_address_not_the_proxy(settings, make_user):
    settings.NUM_PROXIES = 1
    make_user("alice")
    for _ in range(10):
        behind_nginx("203.0.113.9").post("/api/auth/token/", {"username": "alice", "password": "x"}, format="json")
    locked = behind_nginx("203.0.113.9").post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    elsewhere = behind_nginx("203.0.113.10").post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert elsewhere.status_code == 200


def security_events(caplog) -> list[tuple[str, str | None]]:
    return [(r.event, r.client) for r in caplog.records if r.name == "chatroom.security" and hasattr(r, "event")]


@pytest.mark.django_db
def test_log_lines_name_the_client_address(settings, make_user, caplog, monkeypatch):
    settings.NUM_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 2
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    make_user("alice")
    caplog.set_level(logging.INFO, logger="chatroom.security")
    for _ in range(3):
        behind_nginx("203.0.113.9").post("/api/auth/token/", {"username": "alice", "password": "x"}, format="json")
    behind_nginx("203.0.113.9").post("/api/auth/token/", {"username": "alice", "password": "x"}, format="json")
    events = security_events(caplog)
    assert ("auth.login_failed", "203.0.113.9") in events
    assert ("auth.locked_out", "203.0.113.9") in events
    assert ("api.throttled", "203.0.113.9") in events
    assert all(client == "203.0.113.9" for _, client in events), events


def test_the_server_puts_the_client_address_in_the_scope_and_access_log(settings):
    settings.NUM_PROXIES = 1
    protocol = SimpleNamespace(client_addr=[NGINX, 41000])
    scope = {"type": "websocket", "client": [NGINX, 41000], "headers": [(b"x-forwarded-for", b"6.6.6.6, 203.0.113.9")]}
    ChatServer._resolve_client(protocol, scope)
    assert scope["client"] == protocol.client_addr == ["203.0.113.9", 0]
    settings.NUM_PROXIES = 0
    protocol = SimpleNamespace(client_addr=[NGINX, 41000])
    scope = {"type": "http", "client": [NGINX, 41000], "headers": [(b"x-forwarded-for", b"203.0.113.9")]}
    ChatServer._resolve_client(protocol, scope)
    assert scope["client"] == protocol.client_addr == [NGINX, 41000]
