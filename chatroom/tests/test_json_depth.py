"""Deeply nested JSON is a 400 on every endpoint that takes a body, never a 500."""

import logging
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from rooms.services import room_create

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def write_operations() -> list[tuple[str, str, bool]]:
    """(method, path template, reads a body) of every write operation in the API schema; deletions last."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    operations = [
        (method, path, "requestBody" in operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in WRITE_METHODS
    ]
    return sorted(operations, key=lambda operation: (operation[0] == "delete", operation))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def error_logs(caplog):
    caplog.set_level(logging.ERROR)
    return caplog


def test_every_write_endpoint_is_covered():
    covered = {path for _, path, reads_body in write_operations() if reads_body}
    assert {"/api/auth/register/", "/api/auth/token/", "/api/rooms/", "/api/rooms/{room_id}/messages/"} <= covered


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
@pytest.mark.parametrize("authenticated", [False, True])
def test_deep_nesting_answers_400(api, make_user, error_logs, depth, authenticated):
    user = make_user()
    room = room_create(owner=user, name="r")
    if authenticated:
        api.as_user(user)
    for method, template, reads_body in write_operations():
        path = re.sub(r"\{(\w+)\}", lambda m: str(room.id if m[1] == "room_id" else user.id), template)
        for body in (nested(depth), '{"body": ' + nested(depth) + "}"):
            response = getattr(api, method)(path, body, content_type="application/json")
            assert response.status_code < 500, (method, path, response.status_code)
            # Unauthenticated calls may be refused (401) before the body is read.
            if reads_body and response.status_code != 401:
                assert response.status_code == 400, (method, path, response.status_code)
                assert "nested" in response.json()["detail"]
    assert not [r for r in error_logs.records if r.levelno >= logging.ERROR]


def test_reasonable_nesting_still_parses(api, make_user):
    user = make_user()
    room = room_create(owner=user, name="r")
    api.as_user(user)
    ok = api.post(
        f"/api/rooms/{room.id}/messages/", '{"body": "hi", "client_id": null}', content_type="application/json"
    )
    assert ok.status_code == 201
    # Nested, but within the bound: refused by the serializer, as any wrong type is.
    wrong = api.post(f"/api/rooms/{room.id}/messages/", '{"body": ' + nested(30) + "}", content_type="application/json")
    assert wrong.status_code == 400 and "body" in wrong.json()


def test_form_bodies_do_not_nest(api, make_user, error_logs):
    """Multipart and urlencoded names are flat: `a[b][c]...` is one name, not 1,000 levels."""
    user = make_user()
    api.as_user(user)
    name = "name" + "[x]" * 1_000
    form = api.post("/api/rooms/", f"{name}=1", content_type="application/x-www-form-urlencoded")
    multipart = api.post("/api/rooms/", {name: "1"}, format="multipart")
    assert form.status_code == multipart.status_code == 400
    assert not [r for r in error_logs.records if r.levelno >= logging.ERROR]
