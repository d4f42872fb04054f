"""WebSocket authentication: a one-time `?ticket=` for API clients, else the session cookie."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from accounts.tickets import ticket_redeem


class TicketAuthMiddleware:
    """Set scope["user"] from a `ticket` query parameter when there is one."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        tickets = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
        if tickets:
            user = await database_sync_to_async(ticket_redeem)(tickets[0])
            # A bad ticket means unauthenticated, even if a session cookie came along; a good one
            # outlives the browser session, which then has no say over the socket.
            scope = dict(scope, user=user or AnonymousUser(), authenticated_by="ticket")
        return await self.app(scope, receive, send)


def WebSocketAuthStack(app):
    """Session auth (cookies) with the ticket taking precedence when given."""
    return AuthMiddlewareStack(TicketAuthMiddleware(app))
