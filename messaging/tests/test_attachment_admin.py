"""Moderators see every upload (size, type, uploader, room) and a message's files with thumbnails, read-only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from messaging.attachments import attachment_upload
from messaging.services import message_send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "attachments"},
        },
    }


def png(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def sent(room, member):
    image = attachment_upload(user=member, room_id=room.id, upload=png("holiday.png"))
    text = attachment_upload(
        user=member, room_id=room.id, upload=SimpleUploadedFile("<i>x.html", b"<script>", content_type="text/html")
    )
    message = message_send(author=member, room_id=room.id, body="look", attachments=[image.id, text.id]).message
    unsent = attachment_upload(user=room.owner, room_id=room.id, upload=png("draft.png"))
    return message, image, text, unsent


def test_a_message_page_lists_its_attachments_with_thumbnails(sent, moderator_client, django_assert_max_num_queries):
    message, image, text, _ = sent
    with django_assert_max_num_queries(12):
        response = moderator_client.get(reverse("admin:messaging_message_change", args=[message.id]))
    assert response.status_code == 200
    page = response.content.decode()
    thumbnail = reverse("admin:messaging_attachment_thumbnail", args=[image.id])
    assert f'src="{thumbnail}"' in page and 'width="120" height="80"' in page
    assert "&lt;i&gt;x.html" in page and "<i>x.html" not in page  # names are text
    served = moderator_client.get(thumbnail)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    download = moderator_client.get(reverse("admin:messaging_attachment_file", args=[text.id]))
    assert download["Content-Type"] == "application/octet-stream" and download["X-Content-Type-Options"] == "nosniff"


def test_the_attachments_list_for_moderators_is_read_only(sent, moderator_client, client, make_user, settings):
    changelist = reverse("admin:messaging_attachment_changelist")
    response = moderator_client.get(changelist)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    page = response.content.decode()
    assert "holiday.png" in page and "draft.png" in page and "not sent" in page
    member_only = moderator_client.get(changelist, {"uploader": "member"})
    assert {a.name for a in member_only.context["cl"].queryset} == {"holiday.png", "<i>x.html"}
    _, image, _, _ = sent
    assert moderator_client.get(reverse("admin:messaging_attachment_change", args=[image.id])).status_code == 200
    assert moderator_client.get(reverse("admin:messaging_attachment_add")).status_code == 403
    deletion = moderator_client.post(reverse("admin:messaging_attachment_delete", args=[image.id]), {"post": "yes"})
    assert deletion.status_code == 403
    # Staff without the right see neither the list nor the files.
    client.force_login(make_user(is_staff=True))
    assert client.get(changelist).status_code == 403
    assert client.get(reverse("admin:messaging_attachment_file", args=[image.id])).status_code == 403
