"""The sign-in, sign-up and sign-out pages."""

import pytest
from django.contrib.auth import SESSION_KEY

from accounts.models import User
from accounts.throttling import LoginRateThrottle, RegisterRateThrottle
from chatroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def register(client, username, password=PASSWORD, confirmation=None):
    data = {"username": username, "password1": password, "password2": confirmation or password}
    return client.post("/register/", data)


def test_register_signs_in_and_opens_the_rooms(client):
    response = register(client, "alice")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="alice")
    assert user.check_password(PASSWORD)
    assert client.session[SESSION_KEY] == str(user.pk)


def test_register_refuses_a_name_taken_in_another_case(client, make_user):
    make_user("Alice")
    response = register(client, "aLiCe")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_register_applies_the_password_validators_and_shows_errors_by_the_field(client):
    response = register(client, "bob", password="bob12345")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_password2_error"' in html and "too common" in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(username="bob").exists()
    response = register(client, "bob", confirmation=PASSWORD + "x")
    assert "fields didn\u2019t match" in response.content.decode()


def test_register_goes_through_the_service(client, monkeypatch):
    """A name taken between validation and creation comes back from the service as a form error."""
    from accounts import forms
    from chatroom.exceptions import Invalid

    def taken(**kwargs):
        raise Invalid(fields={"username": ["A user with that username already exists."]})

    monkeypatch.setattr(forms, "user_register", taken)
    response = register(client, "carol")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()


def test_login_with_wrong_password_shows_an_error(client, make_user):
    make_user("alice")
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    response = client.post("/login/", {"username": "alice", "password": PASSWORD, "next": "/rooms/"})
    assert response.status_code == 302 and response["Location"] == "/rooms/"


def test_login_refuses_a_foreign_next(client, make_user):
    make_user("alice")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_login_page_shares_the_rest_sign_in_throttle(client, api, make_user, monkeypatch):
    """LOGIN_THROTTLE_RATE per address, counted across the REST endpoint and the page."""
    monkeypatch.setattr(LoginRateThrottle, "rate", "5/min", raising=False)
    make_user("alice")
    for name in ("a", "b", "c", "d"):  # other names: the lockout is per username, this is not
        assert api.post("/api/auth/token/", {"username": name, "password": "x"}, format="json").status_code == 401
    assert client.post("/login/", {"username": "e", "password": "x"}).status_code == 200
    # A refused attempt is not checked: the hasher's work is what the throttle spares.
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **kw: pytest.fail("credentials checked"))
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many attempts" in html and 'value="alice"' in html
    assert SESSION_KEY not in client.session
    # Showing the page is not an attempt; registrations have their own bucket.
    assert client.get("/login/").status_code == 200
    assert register(client, "carol").status_code == 302


def test_the_registration_page_shares_the_rest_registration_throttle(client, api, monkeypatch):
    monkeypatch.setattr(RegisterRateThrottle, "rate", "3/min", raising=False)
    for name in ("a", "b"):
        assert api.post("/api/auth/register/", {"username": name, "password": "x"}, format="json").status_code == 400
    assert register(client, "bob", password="short").status_code == 200
    response = register(client, "carol")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_logout_is_a_post(client, make_user):
    client.force_login(make_user("alice"))
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert SESSION_KEY not in client.session


def test_signed_in_people_skip_the_forms(client, make_user):
    client.force_login(make_user("alice"))
    assert client.get("/login/")["Location"] == "/"
    assert client.get("/register/")["Location"] == "/"


def test_the_admin_login_shares_the_sign_in_throttle(client, api, make_user, monkeypatch):
    monkeypatch.setattr(LoginRateThrottle, "rate", "3/min", raising=False)
    make_user("root", is_staff=True, is_superuser=True)
    for name in ("a", "b"):
        assert api.post("/api/auth/token/", {"username": name, "password": "x"}, format="json").status_code == 401
    assert client.post("/admin/login/", {"username": "c", "password": "x"}).status_code == 200
    refused = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get("/admin/login/").status_code == 200  # showing the form is not an attempt
