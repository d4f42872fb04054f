"""
Two sends racing for one upload (two tabs, two workers): exactly one takes it. On MariaDB
they run at once in their own threads and connections, many times; on SQLite, which
takes one writer at a time, one after the other (rooms/tests/test_races.py).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chatroom.exceptions import Invalid
from messaging import attachments as attachment_module
from messaging.attachments import attachment_upload
from messaging.models import Attachment, Message
from messaging.services import SendRequest, SendResult, message_send_many
from rooms import services as room_services
from rooms.tests.test_races import jitter, run_together

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 15


@pytest.fixture(autouse=True)
def attachment_root(settings, tmp_path):
    settings.CHAT_SEND_BURST = 10_000
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }


def test_two_sends_racing_for_one_upload_never_both_take_it(make_user, monkeypatch):
    owner = make_user()
    room = room_services.room_create(owner=owner, name="r")
    # Widen the window between reading the uploads and taking them.
    monkeypatch.setattr(attachment_module, "attachments_bind", jitter(attachment_module.attachments_bind))
    monkeypatch.setattr("messaging.services.attachments_bind", attachment_module.attachments_bind)
    for trial in range(TRIALS):
        upload = attachment_upload(
            user=owner, room_id=room.id, upload=SimpleUploadedFile(f"{trial}.txt", b"x", content_type="text/plain")
        )

        def send(tab: str, upload_id: int = upload.id):
            request = SendRequest(owner, room.id, tab, client_id=f"{trial}-{tab}", attachments=(upload_id,))
            return message_send_many(requests=[request])[0]

        results = run_together(lambda: send("a"), lambda: send("b"))
        assert sorted(type(r).__name__ for r in results) == ["Invalid", "SendResult"], results
        winner = next(r for r in results if isinstance(r, SendResult))
        assert Attachment.objects.get(pk=upload.id).message_id == winner.message.id
        assert any(isinstance(r, Invalid) for r in results)
    assert Message.objects.count() == TRIALS
    seqs = sorted(Message.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, TRIALS + 1))  # no gap left by a refused send
