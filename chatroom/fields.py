"""Serializer fields that render the protocol's shared formats."""

from datetime import UTC

from rest_framework import serializers


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
