"""Schemathesis: requests generated from our own OpenAPI schema, authenticated, never answer 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error

from chatroom.wsgi import application
from rooms.services import room_create

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


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
