"""A huge request body is refused unread, by nginx in front and by a worker reached directly."""

import socket

from stack import HOST


def declare_huge_body(port: int) -> bytes:
    """Declare a 40 MB upload, send 1 KB of it, and return the status line that comes back."""
    with socket.create_connection((HOST, port)) as connection:
        connection.sendall(
            b"PATCH /api/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            b"Content-Length: 41943040\r\n\r\n" + b"x" * 1024
        )
        connection.settimeout(10)
        return connection.recv(4096).split(b"\r\n", 1)[0]


def test_a_40_mb_body_is_refused_before_it_is_sent(stack):
    assert declare_huge_body(stack.nginx_port).startswith(b"HTTP/1.1 413")
    for port in stack.worker_ports:
        assert declare_huge_body(port).startswith(b"HTTP/1.1 413")
