from rest_framework import serializers

from accounts.serializers import UserSerializer
from chatroom.fields import StrictCharField, StrictIntegerField, TimestampField
from messaging.models import Message

BODY_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64


class MessageSerializer(serializers.ModelSerializer):
    author = UserSerializer(read_only=True)
    created_at = TimestampField(read_only=True)

    class Meta:
        model = Message
        fields = ["id", "room", "author", "body", "created_at", "client_id"]
        read_only_fields = fields


class MessageSendSerializer(serializers.Serializer):
    """A message to send, whether it came by REST or WebSocket; the body is trimmed, then 1-4,000 code points."""

    body = StrictCharField(max_length=BODY_MAX_LENGTH)
    client_id = StrictCharField(max_length=CLIENT_ID_MAX_LENGTH, required=False, allow_null=True, default=None)


class RoomFrameSerializer(serializers.Serializer):
    """The `room` field of a WebSocket frame."""

    room = StrictIntegerField(min_value=1)


class MessageSendFrameSerializer(RoomFrameSerializer, MessageSendSerializer):
    pass


class ReadSerializer(serializers.Serializer):
    message_id = StrictIntegerField(min_value=1)


class ReadFrameSerializer(RoomFrameSerializer, ReadSerializer):
    pass


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    has_more = serializers.BooleanField()


class MessageHistoryQuerySerializer(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    around = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, default=50)

    def validate(self, attrs):
        if len({"before", "after", "around"} & attrs.keys()) > 1:
            raise serializers.ValidationError("Give one of `before`, `after` or `around`.")
        return attrs


class MessageAroundPageSerializer(MessagePageSerializer):
    """A history page; `around` a message it also says whether newer ones exist (`has_more`: older ones)."""

    has_newer = serializers.BooleanField(required=False, help_text="Only with `around`.")


SEARCH_QUERY_MAX_LENGTH = 200


class MessageSearchQuerySerializer(serializers.Serializer):
    # Surrounding whitespace is trimmed first: a q of only spaces is empty, and 400.
    q = serializers.CharField(min_length=1, max_length=SEARCH_QUERY_MAX_LENGTH)
    room = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    limit = serializers.IntegerField(required=False, min_value=1, default=20)
