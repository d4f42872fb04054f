"""
Failed sign-ins lock out one username at one client address (django-axes), on every
login path: the page, REST auth/token/ and the admin. Never the whole address.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from rest_framework.test import APIClient

from chatroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.7"  # one NAT address for everyone in an office
HOME = "203.0.113.20"
LIMIT = 10  # LOGIN_FAILURE_LIMIT's default
TOKEN = "/api/auth/token/"


def rest_login(username: str, password: str, address: str = OFFICE):
    return APIClient(REMOTE_ADDR=address).post(TOKEN, {"username": username, "password": password}, format="json")


def fail_rest_logins(username: str, times: int = LIMIT, address: str = OFFICE) -> list[int]:
    return [rest_login(username, "wrong", address).status_code for _ in range(times)]


def test_a_locked_out_rest_login_answers_429_with_retry_after(make_user, settings):
    make_user("alice")
    assert fail_rest_logins("alice", LIMIT - 1) == [401] * (LIMIT - 1)
    # The attempt that reaches the limit is refused as locked out, and so is the right password after it.
    assert rest_login("alice", "wrong").status_code == 429
    refused = rest_login("alice", PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert refused.json()["detail"].startswith("Too many failed sign-ins for this account from your address.")
    assert "access" not in refused.json()


def test_one_persons_failures_do_not_lock_out_a_colleague_at_the_same_address(make_user):
    make_user("alice"), make_user("bob")
    fail_rest_logins("alice")
    assert rest_login("alice", PASSWORD).status_code == 429
    assert rest_login("bob", PASSWORD).status_code == 200
    office = Client(REMOTE_ADDR=OFFICE)
    assert office.post("/login/", {"username": "bob", "password": PASSWORD}).status_code == 302


def test_the_same_username_from_another_address_is_not_locked_out(make_user):
    make_user("alice")
    fail_rest_logins("alice")
    assert rest_login("alice", PASSWORD).status_code == 429
    assert rest_login("alice", PASSWORD, address=HOME).status_code == 200


def test_the_admin_login_is_refused_after_the_limit(make_user):
    """Issue 11: 25 wrong passwords for a superuser, then the right one, succeeded. Now it is refused."""
    make_user("root", is_staff=True, is_superuser=True)
    admin = Client(REMOTE_ADDR=OFFICE)
    for _ in range(LIMIT - 1):
        response = admin.post("/admin/login/", {"username": "root", "password": "wrong"})
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    for password in ("wrong", PASSWORD):
        refused = admin.post("/admin/login/?next=/admin/", {"username": "root", "password": password})
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) == 15 * 60
        html = refused.content.decode()
        assert "Too many failed sign-ins for this account from your address" in html
        assert "Try again in 15 minutes" in html and 'href="/admin/login/?next=/admin/"' in html
    assert SESSION_KEY not in admin.session
    assert admin.get("/admin/").status_code == 302  # still signed out


def test_the_login_page_shows_the_lockout(make_user):
    make_user("alice")
    page = Client(REMOTE_ADDR=OFFICE)
    for _ in range(LIMIT - 1):
        assert page.post("/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    refused = page.post("/login/", {"username": "alice", "password": "wrong"})
    assert refused.status_code == 429 and "Sign-in paused" in refused.content.decode()
    # Counted with the REST endpoint's failures: the same pair.
    assert rest_login("alice", PASSWORD).status_code == 429
    assert page.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 429
    assert SESSION_KEY not in page.session


def test_lockouts_expire(make_user, settings):
    make_user("alice")
    fail_rest_logins("alice")
    assert rest_login("alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)
    assert rest_login("alice", PASSWORD).status_code == 200
    # Failures are not kept beyond the lockout time: the next recorded attempt deletes expired ones.
    rest_login("bob", "wrong")
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["bob"]


def test_failures_below_the_limit_leave_the_right_password_working(make_user):
    make_user("alice")
    fail_rest_logins("alice", LIMIT - 1)
    assert rest_login("alice", PASSWORD).status_code == 200


def test_a_very_long_username_is_counted_not_an_error(make_user):
    """AccessAttempt.username holds 255 characters; REST usernames have no length limit of their own."""
    assert fail_rest_logins("x" * 1000, 2) == [401, 401]
    assert len(AccessAttempt.objects.get().username) == 255


def test_lockout_time_is_a_setting(make_user, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    make_user("alice")
    fail_rest_logins("alice")
    assert rest_login("alice", PASSWORD)["Retry-After"] == "120"


@pytest.mark.django_db(transaction=True)
async def test_the_lockout_page_under_asgi(make_user):
    """Under daphne the middleware chain runs async, where axes calls the lockout callable differently."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    await sync_to_async(make_user)("root", is_staff=True, is_superuser=True)
    admin = AsyncClient(REMOTE_ADDR=OFFICE)
    statuses = [
        (await admin.post("/admin/login/", {"username": "root", "password": "wrong"})).status_code for _ in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    refused = await admin.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 429 and refused["Retry-After"] == str(15 * 60)
    assert "Too many failed sign-ins for this account from your address" in refused.content.decode()
