"""Deactivation and password changes revoke every credential issued before them, for good."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tickets import ticket_issue, ticket_redeem
from chatroom.testing.factories import PASSWORD
from chatroom.testing.seed import make_moderator
from moderation.services import user_deactivate, user_reactivate

pytestmark = pytest.mark.django_db


def issued_earlier(user) -> RefreshToken:
    """A refresh token (and its access token) issued a little while ago, as a client's tokens usually are."""
    refresh = RefreshToken.for_user(user)
    refresh.set_iat(at_time=timezone.now() - timedelta(seconds=5))
    return refresh


def access_token(refresh: RefreshToken) -> str:
    access = refresh.access_token
    access.set_iat(at_time=timezone.now() - timedelta(seconds=5))
    return str(access)


def me_status(api, token: str) -> int:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    status = api.get("/api/me/").status_code
    api.credentials()
    return status


def refresh_status(api, refresh: RefreshToken) -> int:
    return api.post("/api/auth/token/refresh/", {"refresh": str(refresh)}, format="json").status_code


def test_reactivation_does_not_revive_access_tokens_or_tickets(api, make_user):
    user = make_user()
    refresh = issued_earlier(user)
    access = access_token(refresh)
    ticket = ticket_issue(user=user)
    assert me_status(api, access) == 200
    moderator = make_moderator()
    user_deactivate(actor=moderator, user=user)
    assert me_status(api, access) == 401
    user_reactivate(actor=moderator, user=user)
    assert me_status(api, access) == 401
    assert "revoked" in api.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {access}").json()["detail"]
    assert refresh_status(api, refresh) == 401
    assert ticket_redeem(ticket) is None
    # Signing in again gives working credentials.
    login = api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json").json()
    assert me_status(api, login["access"]) == 200
    assert ticket_redeem(ticket_issue(user=user)) == user


def test_a_password_change_revokes_tokens_and_tickets(api, make_user):
    user, bystander = make_user(), make_user()
    refresh, others = issued_earlier(user), issued_earlier(bystander)
    access = access_token(refresh)
    ticket = ticket_issue(user=user)
    user.set_password(PASSWORD + "-new")
    user.save()
    assert me_status(api, access) == 401
    assert refresh_status(api, refresh) == 401  # no fresh access token from an old refresh token
    assert ticket_redeem(ticket) is None
    # Other people's credentials are untouched.
    assert me_status(api, access_token(others)) == 200 and refresh_status(api, others) == 200
    login = api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD + "-new"}, format="json")
    assert me_status(api, login.json()["access"]) == 200


def test_a_password_rehash_on_sign_in_revokes_nothing(api, make_user, settings):
    """Django re-hashes a password on sign-in when the hasher changed: not a password change."""
    user = make_user()
    access = access_token(issued_earlier(user))
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    assert (
        api.post("/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json").status_code
        == 200
    )
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$") and user.tokens_valid_after is None
    assert me_status(api, access) == 200
