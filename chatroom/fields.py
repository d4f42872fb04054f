"""Serializer fields that render the protocol's shared formats."""

from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chatroom.images import avatar_clean


class TimestampField(serializers.DateTimeField):
    """ISO 8601 in UTC with milliseconds: `2026-11-25T19:14:08.123Z`."""

    def to_representation(self, value):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MediaUrlField(serializers.ImageField):
    """The file's URL under MEDIA_URL, or null; the same relative URL in REST answers and pushed events."""

    def to_representation(self, value):
        return value.url if value else None


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings: a number or a list is a type error, not text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField for ids in JSON: only integers, not "12", 12.0 or true."""

    default_error_messages = {"invalid": _("A valid integer is required.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", 2**63 - 1)  # what a BIGINT column holds
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class AvatarField(serializers.FileField):
    """
    An avatar upload: judged by its content (chatroom.images.avatar_clean), never by its name. A
    FileField, not an ImageField: Django's image check would parse any format Pillow knows, and decode
    headers before the dimensions are bounded.
    """

    def to_internal_value(self, data):
        try:
            return avatar_clean(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
