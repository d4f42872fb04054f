"""WebSocket tickets on the cache the server runs with."""

import pytest

from accounts.tickets import ticket_issue, ticket_redeem

pytestmark = pytest.mark.django_db


def test_a_ticket_survives_a_thousand_others(make_user):
    """A connect storm fetches many tickets before it opens any socket: none may be evicted."""
    user = make_user("alice")
    first = ticket_issue(user=user)
    for _ in range(1000):
        ticket_issue(user=user)
    assert ticket_redeem(first) == user
