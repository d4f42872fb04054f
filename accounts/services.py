"""
Writes about users: registration and profile. Moderation of accounts is in
moderation.services; what reaches into rooms (a new name announced, deleting
an account) in messaging.people.
"""

import re

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User, username_key
from accounts.selectors import username_taken
from chatroom.exceptions import Invalid
from chatroom.images import file_delete_on_commit

# The names deleted accounts take (messaging.people.account_delete): nobody may register one.
DELETED_USERNAME = re.compile(r"deleted-\d+(-[0-9a-f]+)?", re.IGNORECASE)


@transaction.atomic
def user_register(*, username: str, password: str) -> User:
    """Create a user with a hashed password; names are unique regardless of case and width (username_key)."""
    if username_taken(username=username) or DELETED_USERNAME.fullmatch(username_key(username)):
        raise Invalid(fields={"username": [_("A user with that username already exists.")]})
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password)
    except IntegrityError:
        raise Invalid(fields={"username": [_("A user with that username already exists.")]}) from None


@transaction.atomic
def user_set_avatar(*, user: User, avatar: File) -> User:
    """Replace the user's avatar with an already verified image; the old file goes once this commits."""
    previous = user.avatar
    user.avatar = avatar
    user.save(update_fields=["avatar"])
    file_delete_on_commit(previous)
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Remember the user's page language (one of settings.LANGUAGES; "" follows the browser again)."""
    if language and language not in dict(settings.LANGUAGES):
        raise Invalid(fields={"language": [_("Unknown language.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
