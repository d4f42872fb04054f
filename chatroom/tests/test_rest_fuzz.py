"""Property-based fuzzing of REST bodies: any JSON to any write endpoint answers 2xx or 4xx, never 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from messaging.services import message_send
from rooms.services import room_create

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "username",
        "password",
        "name",
        "description",
        "body",
        "client_id",
        "message_id",
        "invite_code",
        "role",
        "refresh",
        "avatar",
    ]
)
bodies = st.dictionaries(field_names, json_values, max_size=4) | json_values


@pytest.fixture
def target(make_user):
    user = make_user("fuzz")
    room = room_create(owner=user, name="fuzz")
    message = message_send(author=user, room_id=room.id, body="hi").message
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    endpoints = [
        ("post", "/api/auth/register/"),
        ("post", "/api/auth/token/"),
        ("post", "/api/auth/token/refresh/"),
        ("post", "/api/auth/logout/"),
        ("post", "/api/rooms/"),
        ("post", "/api/rooms/join/"),
        ("patch", f"/api/rooms/{room.id}/"),
        ("post", f"/api/rooms/{room.id}/messages/"),
        ("post", f"/api/rooms/{room.id}/read/"),
        ("patch", f"/api/rooms/{room.id}/members/{user.id}/"),
        ("patch", "/api/me/"),
        ("delete", f"/api/rooms/{room.id}/messages/{message.id}/"),
    ]
    return client, endpoints


@pytest.mark.django_db
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, which=st.integers(min_value=0, max_value=11), raw=st.booleans())
def test_any_json_body_answers_below_500(target, body, which, raw):
    client, endpoints = target
    method, path = endpoints[which]
    if raw:  # a Python repr: mostly not JSON at all
        response = getattr(client, method)(path, data=str(body), content_type="application/json")
    else:
        response = getattr(client, method)(path, data=body, format="json")
    assert response.status_code < 500, (method, path, body, response.status_code)
