"""chatroom.dbbackends: django-prometheus's counters, with one cursor wrapper class per connection."""

import pytest
from django.db import connection
from django_prometheus.db import execute_total

pytestmark = pytest.mark.django_db


def test_cursors_share_one_wrapper_class_and_queries_are_still_counted():
    assert connection.settings_dict["ENGINE"].startswith("chatroom.dbbackends.")
    counted = execute_total.labels(connection.alias, connection.vendor)
    before = counted._value.get()
    with connection.cursor() as first, connection.cursor() as second:
        first.execute("SELECT 1")
        second.execute("SELECT 2")
        assert type(first.cursor) is type(second.cursor)
    assert counted._value.get() == before + 2
