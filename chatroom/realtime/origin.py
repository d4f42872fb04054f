"""
The WebSocket handshake's Origin check: the same rule Django's CSRF check
applies to unsafe REST requests, so that no other site can open a socket with
the victim's session cookie (cross-site WebSocket hijacking).

Cookies are scoped to a host name, not to a port or scheme: a page served by
anything else on the same host (another port, plain http beside https) sends
them along. So the whole origin (scheme, host and port) must be the site's
own, as the request itself shows it (the Host header, and https when the
connection or the trusted proxy header says so), or one of
settings.CSRF_TRUSTED_ORIGINS. Anything else is refused at the handshake (403).
"""

import io
import logging
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http.request import is_same_domain

security_logger = logging.getLogger("chatroom.security")


def request_origin(scope: dict) -> str | None:
    """
    The handshake's own origin, `scheme://host[:port]`, as Django sees an HTTP
    request: Host validated against ALLOWED_HOSTS (X-Forwarded-Host only with
    USE_X_FORWARDED_HOST), https if the socket is wss or SECURE_PROXY_SSL_HEADER
    says so. None when the Host is not one of ours.
    """
    http_scope = dict(scope, type="http", method="GET", scheme="https" if scope.get("scheme") == "wss" else "http")
    request = ASGIRequest(http_scope, io.BytesIO())
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}".lower()


def origin_allowed(origin: str, scope: dict) -> bool:
    """Whether a page at `origin` may open a socket: the request's own origin or a trusted one."""
    origin = origin.lower()
    if origin == request_origin(scope):
        return True
    trusted = [candidate.lower() for candidate in settings.CSRF_TRUSTED_ORIGINS]
    if origin in trusted:
        return True
    # Wildcards as in CSRF_TRUSTED_ORIGINS: "https://*.example.com" admits its subdomains.
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for pattern in (urlsplit(candidate) for candidate in trusted if "*" in candidate):
        if parsed.scheme == pattern.scheme and is_same_domain(parsed.netloc, pattern.netloc.lstrip("*")):
            return True
    return False


def header(scope: dict, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", ()) if key == name]
    # Several Origin headers are as suspect as none.
    return values[0].decode("latin-1") if len(values) == 1 else None


class SameOriginValidator:
    """ASGI middleware for WebSocket scopes: refuse (403) a handshake whose Origin is not the site's own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        origin = header(scope, b"origin")
        if origin is not None and origin_allowed(origin, scope):
            return await self.app(scope, receive, send)
        security_logger.warning(
            "websocket origin refused",
            extra={"event": "ws.origin_refused", "origin": origin, "host": header(scope, b"host")},
        )
        return await WebsocketDenier()(scope, receive, send)
