"""Usernames are unique regardless of case and width, on every database and through every way in."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import User, username_key
from chatroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

# (taken, twin): each pair differs only in case or character width.
TWINS = [
    ("mallory", "\uff2d\uff21\uff2c\uff2c\uff2f\uff32\uff39"),  # full-width MALLORY: NFKC makes it ASCII
    ("émile", "ÉMILE"),  # non-ASCII case, which SQLite's LIKE and lower() do not fold
    ("ÉMILE", "émile"),
    ("straße", "STRASSE"),  # case folding, not lower(): ß is ss
    ("ﬁsh", "FISH"),  # a ligature
]


@pytest.mark.parametrize(("taken", "twin"), TWINS)
def test_rest_registration_refuses_a_twin(api, make_user, taken, twin):
    make_user(taken)
    response = api.post("/api/auth/register/", {"username": twin, "password": PASSWORD}, format="json")
    assert response.status_code == 400 and "username" in response.json()
    assert User.objects.count() == 1


@pytest.mark.parametrize(("taken", "twin"), TWINS)
def test_the_sign_up_page_refuses_a_twin(client, make_user, taken, twin):
    make_user(taken)
    response = client.post("/register/", {"username": twin, "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_createsuperuser_refuses_a_twin(make_user, monkeypatch):
    make_user("émile")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="already taken"):
        call_command("createsuperuser", username="ÉMILE", email="", interactive=False, verbosity=0)
    assert User.objects.count() == 1


def test_the_admin_refuses_a_twin_when_adding_or_renaming(client, make_user):
    make_user("émile")
    other = make_user("someone")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    added = client.post(
        reverse("admin:accounts_user_add"),
        {"username": "ÉMILE", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )
    assert added.status_code == 200 and "A user with that username already exists." in added.content.decode()
    change_url = reverse("admin:accounts_user_change", args=[other.id])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "avatar"}
    data.update(username="ÉMILE", groups=[], user_permissions=[])
    renamed = client.post(change_url, data)
    assert renamed.status_code == 200 and "A user with that username already exists." in renamed.content.decode()
    other.refresh_from_db()
    assert other.username == "someone"


@pytest.mark.parametrize(("taken", "twin"), TWINS)
def test_the_database_itself_refuses_a_twin(make_user, taken, twin):
    make_user(taken)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username=twin)


def test_a_name_signs_in_regardless_of_case_and_width(make_user, rf):
    emile, alice = make_user("émile"), make_user("alice")
    request = rf.post("/login/")  # the sign-in limits (django-axes) count attempts per request
    assert authenticate(request, username="ÉMILE", password=PASSWORD) == emile
    assert authenticate(request, username="\uff21LICE", password=PASSWORD) == alice  # a full-width A
    assert authenticate(request, username="alice", password="wrong") is None


def test_renaming_keeps_the_key(make_user):
    user = make_user("alice")
    user.username = "Bob"
    user.save(update_fields=["username"])
    user.refresh_from_db()
    assert user.username_key == "bob" == username_key("BOB")


@pytest.mark.skipif(
    connection.vendor == "mysql", reason="MySQL's case- and accent-insensitive collation never let twins in"
)
def test_the_migration_renames_twins_that_were_let_in(make_user):
    """The data migration gives existing rows their key; a later twin of an older name is renamed."""
    migration = importlib.import_module("accounts.migrations.0002_username_key_and_token_revocation")
    first = make_user("émile")
    # As the old check let them in (their keys as they were before the migration: none).
    twins = User.objects.bulk_create(
        [User(username="ÉMILE", username_key="x1"), User(username="Émile", username_key="x2")]
    )
    User.objects.filter(pk=first.pk).update(username_key="x0")
    migration.fill_username_keys(apps, None)
    names = dict(User.objects.values_list("pk", "username"))
    assert names[first.pk] == "émile"
    assert names[twins[0].pk] == f"ÉMILE-{twins[0].pk}" and names[twins[1].pk] == f"Émile-{twins[1].pk}"
    assert len(set(User.objects.values_list("username_key", flat=True))) == 3
