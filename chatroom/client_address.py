"""
The one definition of a client's address, for throttles, login lockouts and every log line.

Each proxy in front appends the address it received the request from to
X-Forwarded-For; anything before those entries came from the client and may be
forged. With settings.NUM_PROXIES (DJANGO_NUM_PROXIES) proxies trusted, the
client is the entry the outermost of them wrote: the NUM_PROXIES-th from the
right. With none, or without the header, it is the connection's own address.
The server (chatroom.server) puts the same address in every ASGI scope's
`client`, so WebSocket consumers and daphne's access log name the client too.
"""

from collections.abc import Iterable
from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def forwarded_client_address(forwarded_for: str | None, peer: str | None) -> str | None:
    """Return the client's address given the X-Forwarded-For header (if any) and the connection's address."""
    if settings.NUM_PROXIES and forwarded_for:
        entries = [entry.strip() for entry in forwarded_for.split(",")]
        # Fewer entries than proxies: the first is the nearest to the client there is (as DRF does).
        candidate = entries[-min(settings.NUM_PROXIES, len(entries))]
        try:
            return str(ip_address(candidate))
        except ValueError:
            pass  # not written by a proxy of ours: keep the connection's address
    return peer


def request_client_address(request: HttpRequest) -> str | None:
    """The client's address for a Django (or DRF) request; AXES_CLIENT_IP_CALLABLE and the throttles use it."""
    return forwarded_client_address(request.META.get("HTTP_X_FORWARDED_FOR"), request.META.get("REMOTE_ADDR"))


def scope_client_address(headers: Iterable[tuple[bytes, bytes]], client: list | tuple | None) -> str | None:
    """The client's address for an ASGI scope's `headers` and `client`."""
    forwarded_for = ",".join(value.decode("latin-1") for name, value in headers if name == b"x-forwarded-for")
    return forwarded_client_address(forwarded_for or None, client[0] if client else None)
