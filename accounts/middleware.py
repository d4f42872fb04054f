"""WebSocket authentication: a one-time `?ticket=` for API clients, else the session cookie."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from django.contrib.auth.models import AnonymousUser

from accounts.tickets import ticket_redeem
from chatroom.db import database_sync_to_async


class TicketAuthMiddleware:
    """
    Set scope["user"] from a `ticket` query parameter when there is one, and
    pass the socket on without the session stack (cookies, session, session
    user): a ticket socket has no say from the browser session, and the stack
    would cost every handshake a trip through the database thread and every
    frame the session wrapper. Without a ticket, the session stack authenticates.
    """

    def __init__(self, app):
        self.app = app
        self.session_stack = AuthMiddlewareStack(app)

    async def __call__(self, scope, receive, send):
        ticket = _ticket(scope)
        if ticket is None:
            return await self.session_stack(scope, receive, send)
        # Not on the one thread-sensitive database thread: handshakes redeem their tickets side by side
        # (Redis and one SELECT, nothing that takes part in another call's transaction).
        user = await database_sync_to_async(ticket_redeem, thread_sensitive=False)(ticket)
        # A bad ticket means unauthenticated, even if a session cookie came along; a good one
        # outlives the browser session, which then has no say over the socket.
        scope = dict(scope, user=user or AnonymousUser(), authenticated_by="ticket")
        return await self.app(scope, receive, send)


def _ticket(scope) -> str | None:
    """The `ticket` query parameter (the first, when repeated); only the string stays with the socket's frames."""
    tickets = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
    return tickets[0] if tickets else None


def WebSocketAuthStack(app):
    """The ticket when one is given, else session auth (cookies)."""
    return TicketAuthMiddleware(app)
