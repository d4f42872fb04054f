"""Retention: deleted messages' text goes after CHAT_DELETED_RETENTION_DAYS; the daily housekeeping runs every job."""

from datetime import timedelta
from io import StringIO

from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from messaging import services
from messaging.models import Message, MessageEdit
from moderation.models import ModerationAction
from moderation.services import TEXT_FORGOTTEN


def deleted_days_ago(room, author, days: float, *, by=None) -> Message:
    message = services.message_send(author=author, room_id=room.id, body=f"first said {days} days ago").message
    services.message_edit(author=author, room_id=room.id, message_id=message.id, body=f"said {days} days ago")
    services.message_delete(actor=by or author, room_id=room.id, message_id=message.id, reason="spam")
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now() - timedelta(days=days))
    ModerationAction.objects.filter(message_id=message.pk).update(created_at=timezone.now() - timedelta(days=days))
    return message


def test_text_of_messages_deleted_over_the_retention_goes_and_the_tombstones_stay(room, member, settings):
    settings.CHAT_DELETED_RETENTION_DAYS = 30
    old = deleted_days_ago(room, member, 31)
    moderated = deleted_days_ago(room, member, 40, by=room.owner)
    recent = deleted_days_ago(room, member, 29)
    recent_moderated = deleted_days_ago(room, member, 2, by=room.owner)
    live = services.message_send(author=member, room_id=room.id, body="still here").message

    out = StringIO()
    call_command("purge_deleted_messages", stdout=out)
    assert "2 deleted messages blanked" in out.getvalue()

    bodies = dict(Message.objects.values_list("id", "body"))
    assert bodies == {
        old.id: "",
        moderated.id: "",
        recent.id: "said 29 days ago",
        recent_moderated.id: "said 2 days ago",
        live.id: "still here",
    }
    assert Message.objects.get(pk=old.pk).deleted_at is not None  # a tombstone, in its place
    assert Message.objects.get(pk=old.pk).html == ""
    # Earlier versions are text the author wrote too: they go with it.
    assert set(MessageEdit.objects.values_list("message_id", flat=True)) == {recent.id, recent_moderated.id}
    # The moderation record stays, with who, what, why and when, but not the text it quoted.
    record = ModerationAction.objects.get(message_id=moderated.id)
    assert record.target == f"message #{moderated.id} {TEXT_FORGOTTEN}"
    assert (record.actor_id, record.target_user_id, record.reason) == (room.owner.id, member.id, "spam")
    assert "said 2 days ago" in ModerationAction.objects.get(message_id=recent_moderated.id).target
    # Running it again changes nothing.
    call_command("purge_deleted_messages", stdout=out)
    assert "0 deleted messages blanked" in out.getvalue()


def test_housekeeping_runs_every_retention_job(room, member, make_user):
    deleted_days_ago(room, member, 45)
    expired = RefreshToken.for_user(member)
    OutstandingToken.objects.filter(jti=expired["jti"]).update(expires_at=timezone.now() - timedelta(days=1))
    current = RefreshToken.for_user(member)
    Session.objects.create(session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=timezone.now() + timedelta(days=1))
    stale = AccessAttempt.objects.create(username="u", ip_address="203.0.113.9", failures_since_start=3)
    AccessAttempt.objects.filter(pk=stale.pk).update(attempt_time=timezone.now() - timedelta(hours=1))
    fresh = AccessAttempt.objects.create(username="v", ip_address="203.0.113.9", failures_since_start=10)

    call_command("housekeeping", stdout=StringIO())

    assert not Message.objects.exclude(body="").filter(deleted_at__isnull=False).exists()
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [current["jti"]]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == [fresh.pk]  # a lockout under way stays
