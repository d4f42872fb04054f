"""
Usernames unique regardless of case and width on every database (username_key),
and a time before which the user's tokens and tickets are refused.

Existing rows get their key. Twins that the old check let in (a full-width or
non-ASCII case variant of another name, on SQLite) cannot share one: the oldest
account keeps its name and each later one is renamed `<name>-<id>`, logged as
a warning for the operators to tell those users.
"""

import logging
import unicodedata

from django.db import migrations, models

import accounts.models

logger = logging.getLogger("chatroom.security")


def key(username: str) -> str:
    # accounts.models.username_key as of this migration.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def fill_username_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken = set()
    for user in User.objects.order_by("id").only("id", "username").iterator():
        username = user.username
        while key(username) in taken:
            suffix = f"-{user.id}"
            username = f"{username[: 150 - len(suffix)]}{suffix}"
        if username != user.username:
            logger.warning(
                "renamed user %s from %r to %r: the name differed from an older one only in case or width",
                user.id,
                user.username,
                username,
                extra={"event": "accounts.username_twin_renamed", "user_id": user.id},
            )
        taken.add(key(username))
        User.objects.filter(pk=user.pk).update(username=username, username_key=key(username))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(default="", editable=False, max_length=300, verbose_name="username key"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="user",
            name="tokens_valid_after",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="tokens valid after"),
        ),
        migrations.RunPython(fill_username_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(fields=("username_key",), name="user_unique_username_key"),
        ),
        migrations.AlterModelManagers(
            name="user",
            managers=[("objects", accounts.models.UserManager())],
        ),
    ]
