"""Schemathesis: requests generated from our own OpenAPI schema, authenticated, never answer 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error

from chatroom.wsgi import application
from rooms.services import room_create

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """
    Call the WSGI app as Django's test client does, without closing old
    connections per request: inside the test's transaction that close is real on
    MySQL (the in-memory SQLite test database ignores it) and breaks the transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(make_user):
    """A user who owns room 1-ish ids' worth of rooms, so that some generated ids hit real rooms."""
    user = make_user("fuzzer")
    for name in ("one", "two"):
        room_create(owner=user, name=name)
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_from_the_schema_answers_5xx(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
