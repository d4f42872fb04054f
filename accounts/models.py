import unicodedata

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chatroom.images import AvatarPath
from chatroom.realtime.events import publish_on_commit, to_user
from chatroom.realtime.protocol import CLOSE_UNAUTHENTICATED


def username_key(username: str) -> str:
    """
    The form in which usernames are unique: NFKC, case-folded, NFKC again
    (Unicode's caseless identifier matching), so that a full-width MALLORY is
    "mallory" and "ÉMILE" is "émile" on every database, whatever its collation.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


DISPLAY_NAME_MAX_LENGTH = 64
# What a deleted account is called, stored as its display name (PROTOCOL.md: "Deleted user").
DELETED_DISPLAY_NAME = "Deleted user"


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username):
        """Find a user by name regardless of case and width: sign-in, createsuperuser's check, fixtures."""
        return self.get(username_key=username_key(username))


class User(AbstractUser):
    """A person who chats. Usernames are unique regardless of case and width (`username_key`)."""

    avatar = models.ImageField(_("avatar"), upload_to=AvatarPath("avatars/users"), blank=True)
    # username_key(username), kept by save(); unique in the database, so no path in can make a twin.
    # Case folding at most doubles a normalised name's length (ß -> ss).
    username_key = models.CharField(_("username key"), max_length=300, editable=False)
    # Access and refresh tokens and WebSocket tickets issued before this are refused (accounts.authentication):
    # set when the user is deactivated and when their password changes.
    tokens_valid_after = models.DateTimeField(_("tokens valid after"), null=True, blank=True, editable=False)
    # The name shown for the user (PROTOCOL.md "People"). Blank means "the username": the default
    # follows a rename, and no row needs filling. Read it through `shown_name`.
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True)
    # The UI language the user chose (a language code such as "zh-hans"); blank: follow the browser.
    language = models.CharField(_("language"), max_length=16, blank=True)
    # Set when the person deleted their account (messaging.account_deletion): the row stays,
    # renamed deleted-<id>, so that their messages keep an author; it can never sign in again.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [models.UniqueConstraint(fields=["username_key"], name="user_unique_username_key")]

    @property
    def shown_name(self) -> str:
        """The display name, or the username (cut to the display name's length) when none was chosen."""
        return self.display_name or self.username[:DISPLAY_NAME_MAX_LENGTH]

    def clean(self):
        """Normalise the username (NFKC) and refuse one that differs from another user's only in case or width."""
        super().clean()
        if not self.username:
            return  # the field's own validation says so
        twins = type(self)._default_manager.filter(username_key=username_key(self.username)).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError({"username": self.unique_error_message(type(self), ["username"])})

    def save(self, *args, **kwargs):
        """
        Keep `username_key` in step with the username; when the password
        changed, revoke the user's tokens and tickets and close their sockets
        (4401: their other sessions ended with it). Every way in (services,
        admin forms, createsuperuser, changepassword) saves through here.
        `_password` is Django's mark of a set_password(); a rehash on login clears it.
        """
        changed = ["username_key"]
        self.username_key = username_key(self.username)
        update_fields = kwargs.get("update_fields")
        password_changed = (
            self._password is not None
            and not self._state.adding
            and (update_fields is None or "password" in update_fields)
        )
        if password_changed:
            self.tokens_valid_after = timezone.now()
            changed.append("tokens_valid_after")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *changed}
        super().save(*args, **kwargs)
        if password_changed:
            publish_on_commit([to_user(self.pk, close_code=CLOSE_UNAUTHENTICATED)])
