import io

import pytest
from django.contrib.auth.hashers import is_password_usable
from PIL import Image

from accounts.models import User
from chatroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_register_returns_user_and_tokens(api):
    response = api.post("/api/auth/register/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert set(body["user"]) == {"id", "username", "display_name", "avatar", "date_joined"}
    assert body["user"]["display_name"] == "alice"
    assert body["user"]["date_joined"].endswith("Z") and len(body["user"]["date_joined"]) == 24
    assert body["access"] and body["refresh"]
    user = User.objects.get(username="alice")
    assert user.password != PASSWORD and is_password_usable(user.password)
    me = api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200 and me.json()["id"] == user.id


def test_register_refuses_taken_name_regardless_of_case(api, make_user):
    make_user("Alice")
    response = api.post("/api/auth/register/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


@pytest.mark.parametrize("password", ["123", "password", "alice12345"])
def test_register_refuses_weak_password(api, password):
    response = api.post("/api/auth/register/", {"username": "alice12345", "password": password}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_register_refuses_bad_input(api):
    assert api.post("/api/auth/register/", {}, format="json").status_code == 400
    assert api.post("/api/auth/register/", {"username": "a b!", "password": PASSWORD}, format="json").status_code == 400
    assert api.post("/api/auth/register/", "[1]", content_type="application/json").status_code == 400
    assert api.post("/api/auth/register/", "{not json", content_type="application/json").status_code == 400


def test_token_refresh_rotation_and_logout(api, make_user):
    make_user("bob")
    response = api.post("/api/auth/token/", {"username": "bob", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    refresh = response.json()["refresh"]
    rotated = api.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    # The old refresh token was blacklisted by the rotation.
    assert api.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json").status_code == 401
    new_refresh = rotated.json()["refresh"]
    assert api.post("/api/auth/logout/", {"refresh": new_refresh}, format="json").status_code == 205
    assert api.post("/api/auth/token/refresh/", {"refresh": new_refresh}, format="json").status_code == 401
    assert api.post("/api/auth/logout/", {"refresh": "garbage"}, format="json").status_code == 401


def test_bad_credentials_answer_401_without_telling_which_part(api, make_user):
    make_user("carol")
    wrong_password = api.post("/api/auth/token/", {"username": "carol", "password": "nope"}, format="json")
    no_such_user = api.post("/api/auth/token/", {"username": "nobody", "password": "nope"}, format="json")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json() == no_such_user.json()


def test_ws_ticket_requires_auth_and_is_issued(api, make_user):
    assert api.post("/api/auth/ws-ticket/").status_code == 401
    response = api.as_user(make_user()).post("/api/auth/ws-ticket/")
    assert response.status_code == 200
    assert response.json()["expires_in"] == 30 and len(response.json()["ticket"]) >= 32


def test_me_avatar_upload_is_verified_and_renamed(api, make_user):
    user = make_user()
    client = api.as_user(user)
    upload = io.BytesIO(png_bytes())
    upload.name = "../../etc/evil.png"
    response = client.patch("/api/me/", {"avatar": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    url = response.json()["avatar"]
    assert url.startswith("/media/avatars/users/") and url.endswith(".png") and "evil" not in url
    user.refresh_from_db()
    assert user.avatar.storage.exists(user.avatar.name)
    user.avatar.storage.delete(user.avatar.name)


def test_me_avatar_rejects_non_images_and_oversized(api, make_user, settings):
    client = api.as_user(make_user())
    fake = io.BytesIO(b"<script>alert(1)</script>")
    fake.name = "avatar.png"
    assert client.patch("/api/me/", {"avatar": fake}, format="multipart").status_code == 400
    settings.CHAT_AVATAR_MAX_BYTES = 100
    big = io.BytesIO(png_bytes((64, 64)))
    big.name = "big.png"
    response = client.patch("/api/me/", {"avatar": big}, format="multipart")
    # Refused while it streams in (chatroom.uploads): 413, as for any body over its endpoint's limit.
    assert response.status_code == 413 and "larger than" in response.json()["detail"]


def test_schema_and_docs_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200
