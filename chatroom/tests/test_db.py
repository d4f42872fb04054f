"""chatroom.db: no health-check round trip on a connection that answered moments ago; one after a pause or an error."""

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, connections

from chatroom import db

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checks(monkeypatch):
    """Count the health checks (pings) of the default connection's class."""
    counted = []
    wrapper = type(connections["default"])
    original = wrapper.is_usable

    def is_usable(self):
        counted.append(1)
        return original(self)

    monkeypatch.setattr(wrapper, "is_usable", is_usable)
    return counted


def query() -> int:
    return get_user_model().objects.count()


async def test_a_connection_that_just_answered_is_not_pinged(checks, settings):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    await db.database_sync_to_async(query)()  # opens or checks the connection
    before = len(checks)
    for _ in range(3):
        await db.database_sync_to_async(query)()
    assert len(checks) == before


async def test_after_a_pause_the_connection_is_checked_again(checks, monkeypatch):
    await db.database_sync_to_async(query)()
    monkeypatch.setattr(db, "HEALTHY_SECONDS", 0.0)
    before = len(checks)
    await db.database_sync_to_async(query)()
    assert len(checks) == before + 1


async def test_a_connection_that_failed_is_checked_before_it_is_trusted(checks):
    await db.database_sync_to_async(query)()

    def failing():
        query()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    with pytest.raises(DatabaseError):
        await db.database_sync_to_async(failing)()
    before = len(checks)
    await db.database_sync_to_async(query)()
    assert len(checks) > before  # the error is not trusted away: Django checks the connection
