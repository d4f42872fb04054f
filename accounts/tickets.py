"""One-time tickets that authenticate a WebSocket handshake for API clients."""

import secrets
import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import User
from accounts.selectors import credential_revoked


def _key(ticket: str) -> str:
    return f"ws-ticket:{ticket}"


def ticket_issue(*, user: User) -> str:
    """Issue a ticket for `user`, valid once within CHAT_WS_TICKET_TTL seconds, on any worker (shared cache)."""
    ticket = secrets.token_urlsafe(32)
    cache.set(_key(ticket), {"user": user.id, "issued_at": time.time()}, timeout=settings.CHAT_WS_TICKET_TTL)
    return ticket


def ticket_redeem(ticket: str) -> User | None:
    """
    Return the ticket's active user and spend the ticket; None if unknown,
    expired or spent, or issued before the user's tokens were revoked.
    """
    if not isinstance(ticket, str) or not 20 <= len(ticket) <= 100:
        return None
    issued = cache.get(_key(ticket))
    # delete() is atomic and says whether it removed the key: only one redeemer wins.
    if not isinstance(issued, dict) or not cache.delete(_key(ticket)):
        return None
    user = User.objects.filter(pk=issued["user"], is_active=True).first()
    if user is None or credential_revoked(user=user, issued_at=issued["issued_at"]):
        return None
    return user
