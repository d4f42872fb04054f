"""One-time tickets that authenticate a WebSocket handshake for API clients."""

import secrets

from django.conf import settings
from django.core.cache import cache

from accounts.models import User


def _key(ticket: str) -> str:
    return f"ws-ticket:{ticket}"


def ticket_issue(*, user: User) -> str:
    """Issue a ticket for `user`, valid once within CHAT_WS_TICKET_TTL seconds, on any worker (shared cache)."""
    ticket = secrets.token_urlsafe(32)
    cache.set(_key(ticket), user.id, timeout=settings.CHAT_WS_TICKET_TTL)
    return ticket


def ticket_redeem(ticket: str) -> User | None:
    """Return the ticket's active user and spend the ticket; None if unknown, expired or spent."""
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        return None
    user_id = cache.get(_key(ticket))
    # delete() is atomic and says whether it removed the key: only one redeemer wins.
    if user_id is None or not cache.delete(_key(ticket)):
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()
