"""
The production worker (chatroom.server) refuses a body over CHAT_MAX_REQUEST_BYTES before reading it.

Daphne reads a whole body, then queues all of it in memory for the application,
before Django sees a byte: only the server itself can refuse it unread.
"""

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LIMIT = 64 * 1024


def spare_port() -> int:
    for port in random.sample(range(27000, 28000), 1000):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no spare port")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A worker as scripts/start-web.sh runs it, on its own port and SQLite file (these requests reach no database)."""
    port = spare_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('server') / 'db.sqlite3'}",
        CHAT_MAX_REQUEST_BYTES=str(LIMIT),
        DJANGO_LOG_LEVEL="ERROR",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "chatroom.server", "-b", "127.0.0.1", "-p", str(port), "chatroom.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def answer(connection: socket.socket) -> bytes:
    connection.settimeout(10)
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def test_a_body_declared_too_large_is_refused_before_it_is_sent(server):
    with socket.create_connection(("127.0.0.1", server)) as connection:
        # 40 MB declared, 1 KB sent: the answer comes without waiting for the rest.
        connection.sendall(
            b"POST /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 41943040\r\n\r\n" + b"x" * 1024
        )
        assert answer(connection).startswith(b"HTTP/1.1 413 ")


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    with socket.create_connection(("127.0.0.1", server)) as connection:
        connection.sendall(b"POST /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (4096, b"y" * 4096)
        sent = 0
        try:
            while sent <= LIMIT + 4096:
                connection.sendall(chunk)
                sent += 4096
        except OSError:
            pass  # closed on us: the answer is waiting
        assert answer(connection).startswith(b"HTTP/1.1 413 ")


def test_a_body_within_the_limit_goes_through(server):
    with socket.create_connection(("127.0.0.1", server)) as connection:
        body = b'{"username": "x", "password": "y"}'
        connection.sendall(
            b"POST /api/auth/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        assert not answer(connection).startswith(b"HTTP/1.1 413 ")
