import functools
import unicodedata

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import DISPLAY_NAME_MAX_LENGTH, User
from accounts.selectors import username_taken
from chatroom.fields import AvatarField, MediaUrlField, StrictCharField, TimestampField


class UserSerializer(serializers.ModelSerializer):
    # Never blank: the chosen name, else the username (accounts.models.User.shown_name).
    display_name = serializers.CharField(source="shown_name", read_only=True)
    avatar = MediaUrlField(read_only=True)
    date_joined = TimestampField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "avatar", "date_joined"]
        read_only_fields = fields


@functools.cache
def _frame_user_serializer() -> UserSerializer:
    return UserSerializer()


def user_frame_data(user: User) -> dict:
    """
    The user as frames show them (UserSerializer's data, a plain dict), from one
    serializer per process: a ModelSerializer builds its fields on every instance,
    25 times the cost of the representation itself, which every handshake paid.
    """
    return _frame_user_serializer().to_representation(user)


# Characters a display name may not contain: they would let a name pretend to be
# something else on screen (line breaks, bidirectional overrides that reverse the
# text after them). Zero-width joiners stay allowed: emoji sequences use them.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def display_name_clean(value: str) -> str:
    """A display name as stored: NFC, trimmed, 1-64 characters (code points), no control characters."""
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise serializers.ValidationError(_("The display name may not be blank."))
    if len(value) > DISPLAY_NAME_MAX_LENGTH:
        raise serializers.ValidationError(
            _("Ensure this field has no more than %(max_length)d characters.") % {"max_length": DISPLAY_NAME_MAX_LENGTH}
        )
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS for c in value):
        raise serializers.ValidationError(_("The display name may not contain control characters or line breaks."))
    return value


class ProfileSerializer(serializers.Serializer):
    """PATCH me/: a new display name, a new avatar, or both."""

    # Trimmed and measured by display_name_clean (a DRF max_length would count the spaces around it).
    display_name = StrictCharField(required=False, trim_whitespace=False, allow_blank=True)
    avatar = AvatarField(required=False)

    def validate_display_name(self, value: str) -> str:
        return display_name_clean(value)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send a display_name, an avatar, or both."))
        return attrs


class AccountDeleteSerializer(serializers.Serializer):
    """DELETE me/: the password again, and whether to erase one's messages too."""

    password = StrictCharField(max_length=128, trim_whitespace=False)
    erase_messages = serializers.BooleanField(required=False, default=False)


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def validate_username(self, value: str) -> str:
        """Normalise (NFKC) first, as the user model does, then check the name's length, characters and twins."""
        value = User.normalize_username(value)
        field = User._meta.get_field("username")
        if len(value) > field.max_length:
            raise serializers.ValidationError(
                _("Ensure this field has no more than %(max_length)d characters.") % {"max_length": field.max_length}
            )
        for validator in field.validators:
            validator(value)
        if username_taken(username=value):
            raise serializers.ValidationError(_("A user with that username already exists."))
        return value

    def validate(self, attrs):
        try:
            password_validation.validate_password(attrs["password"], User(username=attrs["username"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RegisterResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()
