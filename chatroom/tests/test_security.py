"""One test per flaw of the system we replace, and per common web attack."""

import importlib
import io
import os

import pytest
from django.conf import global_settings, settings
from django.contrib.auth.hashers import identify_hasher
from django.views.static import serve
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from chatroom.testing.factories import PASSWORD
from messaging.models import Message
from rooms.services import room_create

pytestmark = pytest.mark.django_db


def test_forged_identity_fields_are_ignored(api, make_user):
    alice, mallory = make_user("alice"), make_user("mallory")
    room = room_create(owner=mallory, name="r")
    response = api.as_user(mallory).post(
        f"/api/rooms/{room.id}/messages/",
        {"body": "hi", "author": alice.id, "author_id": alice.id, "user": alice.id, "user_id": alice.id},
        format="json",
    )
    assert response.status_code == 201
    assert Message.objects.get().author_id == mallory.id
    created = api.as_user(mallory).post("/api/rooms/", {"name": "x", "owner": alice.id}, format="json").json()
    assert created["owner"]["id"] == mallory.id


def production_password_hashers() -> list[str]:
    """PASSWORD_HASHERS as chatroom/settings.py configures it: the settings module, not the tests' MD5 override."""
    module = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    return getattr(module, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)


def test_passwords_are_stored_hashed_with_the_production_hasher(make_user, settings):
    settings.PASSWORD_HASHERS = production_password_hashers()
    user = User.objects.create_user(username="hashed", password=PASSWORD)
    assert PASSWORD not in user.password
    # Slow, salted key derivation; never MD5, SHA1, unsalted or crypt.
    assert identify_hasher(user.password).algorithm in {"pbkdf2_sha256", "argon2", "bcrypt_sha256", "scrypt"}


def test_registration_is_throttled_per_address(api):
    codes = [
        api.post("/api/auth/register/", {"username": f"u{i}", "password": "x"}, format="json").status_code
        for i in range(11)
    ]
    assert codes[-1] == 429 and 429 not in codes[:10]


def test_csrf_is_enforced_on_session_authenticated_writes(make_user):
    user = make_user()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/rooms/").status_code == 200  # reads need no token
    refused = client.post("/api/rooms/", {"name": "csrf"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/api/rooms/")  # any page sets the cookie for the client
    token = client.cookies.get("csrftoken")
    if token is None:  # the API does not set it: the pages do (get_token); emulate a page load
        from django.middleware.csrf import _get_new_csrf_string

        token_value = _get_new_csrf_string()
        client.cookies["csrftoken"] = token_value
    else:
        token_value = token.value
    accepted = client.post("/api/rooms/", {"name": "csrf"}, format="json", HTTP_X_CSRFTOKEN=token_value)
    assert accepted.status_code == 201


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("avatar.png", b"<html><script>alert(1)</script></html>"),  # HTML pretending to be a PNG
        ("avatar.png", b"GIF89a<script>alert(1)</script>"),  # a magic number, then nothing valid
        ("avatar.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),  # SVG carries script
        ("avatar.png", _image("PNG")[:40]),  # truncated
    ],
)
def test_uploads_that_lie_about_their_type_are_refused(api, make_user, name, content):
    upload = io.BytesIO(content)
    upload.name = name
    response = api.as_user(make_user()).patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 400 and "avatar" in response.json()


def test_uploads_are_stored_under_server_names_and_served_with_their_real_type(api, make_user, rf):
    upload = io.BytesIO(_image("GIF"))
    upload.name = "../../../../tmp/x.png;.html"
    user = make_user()
    response = api.as_user(user).patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    url = response.json()["avatar"]
    # Re-encoded by the server (a GIF's first frame becomes a PNG: chatroom.images), named by what it is now.
    assert url.startswith("/media/avatars/users/") and url.endswith(".png") and ".." not in url and "html" not in url
    user.refresh_from_db()
    # Served by type of extension (nginx in production, django.views.static in debug): the verified format.
    served = serve(rf.get(url), user.avatar.name, document_root=settings.MEDIA_ROOT)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    user.avatar.storage.delete(user.avatar.name)


def test_message_bodies_are_kept_as_text(api, make_user):
    user = make_user()
    room = room_create(owner=user, name="<img src=x onerror=alert(1)>")
    body = '<script>alert("x")</script>&amp;'
    sent = api.as_user(user).post(f"/api/rooms/{room.id}/messages/", {"body": body}, format="json")
    assert sent.json()["body"] == body  # stored and returned verbatim: escaping is the renderer's job
    assert sent["Content-Type"] == "application/json"


def test_room_ids_do_not_reveal_which_rooms_exist(api, make_user):
    room = room_create(owner=make_user(), name="secret")
    stranger = api.as_user(make_user())
    existing = stranger.get(f"/api/rooms/{room.id}/messages/")
    missing = stranger.get(f"/api/rooms/{room.id + 1000}/messages/")
    huge = stranger.get("/api/rooms/99999999999999999999999/messages/")
    assert existing.status_code == missing.status_code == huge.status_code == 404
    assert existing.json() == missing.json()


def test_security_headers_on_pages(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_health_endpoints(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "redis": "ok"}}


def test_readyz_names_a_failed_check_to_anyone_and_logs_why(client, monkeypatch, caplog):
    from django.db import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("(2003, \"Can't connect to MySQL server on 'db-internal.example:3306'\")")

    monkeypatch.setattr("chatroom.health._check_database", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "cache": "ok", "redis": "ok"},
    }
    assert "db-internal" not in response.content.decode()
    logged = [r for r in caplog.records if getattr(r, "event", None) == "readyz.failed"]
    assert "db-internal" in logged[0].failed["database"]


def test_the_content_security_policy_connects_to_its_own_origin_only(client):
    policy = dict(part.strip().split(" ", 1) for part in client.get("/login/")["Content-Security-Policy"].split(";"))
    assert policy["connect-src"] == "'self'"
