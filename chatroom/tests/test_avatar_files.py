"""No avatar file outlives what it belonged to: replaced, cleared or deleted, it goes once the change commits."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from PIL import Image

from accounts.services import user_set_avatar
from chatroom.images import avatar_clean
from rooms.services import room_create, room_delete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def avatar(color: str = "red") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "a.png"
    return buffer


def stored_avatar(color: str = "red"):
    """An avatar as the API hands it to the services: verified and re-encoded."""
    return avatar_clean(SimpleUploadedFile("a.png", avatar(color).getvalue()))


def files(root) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of what happens inside, as a real commit would (tests run in a transaction)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_replaced_user_avatar_is_removed(api, make_user, media_root, committed):
    client = api.as_user(make_user())
    with committed():
        first = client.patch("/api/me/", {"avatar": avatar("red")}, format="multipart").json()["avatar"]
    with committed():
        second = client.patch("/api/me/", {"avatar": avatar("blue")}, format="multipart").json()["avatar"]
    assert files(media_root) == {second.removeprefix("/media/")}
    assert first != second


def test_a_replaced_room_avatar_is_removed(api, make_user, media_root, committed):
    client = api.as_user(make_user())
    with committed():
        room = client.post("/api/rooms/", {"name": "r", "avatar": avatar("red")}, format="multipart").json()
    with committed():
        updated = client.patch(f"/api/rooms/{room['id']}/", {"avatar": avatar("blue")}, format="multipart").json()
    assert files(media_root) == {updated["avatar"].removeprefix("/media/")}
    with committed():
        renamed = client.patch(f"/api/rooms/{room['id']}/", {"name": "renamed"}, format="json").json()
    assert renamed["avatar"] == updated["avatar"] and files(media_root) == {updated["avatar"].removeprefix("/media/")}


def test_a_deleted_rooms_avatar_is_removed(make_user, media_root, committed):
    owner = make_user()
    with committed():
        room = room_create(owner=owner, name="r", avatar=stored_avatar())
    assert len(files(media_root)) == 1
    with committed():
        room_delete(actor=owner, room_id=room.id)
    assert files(media_root) == set()


def test_a_deleted_users_avatar_is_removed(make_user, media_root, committed):
    user = make_user()
    with committed():
        user_set_avatar(user=user, avatar=stored_avatar())
    with committed():
        user.delete()
    assert files(media_root) == set()


def test_an_avatar_replaced_or_cleared_in_the_admin_is_removed(client, make_user, media_root, committed):
    user = make_user()
    with committed():
        user_set_avatar(user=user, avatar=stored_avatar())
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:accounts_user_change", args=[user.id])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "avatar"}
    data.update(groups=[], user_permissions=[], **{"avatar-clear": "on"})
    with committed():
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert not user.avatar and files(media_root) == set()


def test_a_rolled_back_change_keeps_the_old_file(make_user, media_root, committed):
    user = make_user()
    with committed():
        user_set_avatar(user=user, avatar=stored_avatar())
    before = files(media_root)
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        user_set_avatar(user=user, avatar=stored_avatar("blue"))
        raise RuntimeError("something later in the same transaction failed")
    user.refresh_from_db()
    assert before <= files(media_root)  # the old file is still there for the row that still names it
    assert user.avatar.name in before
