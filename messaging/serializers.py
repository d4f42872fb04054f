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
    limit = serializers.IntegerField(required=False, min_value=1, default=50)

    def validate(self, attrs):
        if "before" in attrs and "after" in attrs:
            raise serializers.ValidationError("Give `before` or `after`, not both.")
        return attrs
