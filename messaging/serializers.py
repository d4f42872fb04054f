from urllib.parse import quote

import emoji
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from accounts.serializers import UserSerializer
from chatroom.fields import StrictCharField, StrictIntegerField, TimestampField
from messaging.models import Attachment, Message

BODY_MAX_LENGTH = 4000
CLIENT_ID_MAX_LENGTH = 64
# A reply shows this much of the message it answers, in code points.
EXCERPT_LENGTH = 200
CHANGES_DEFAULT_LIMIT = 100
CHANGES_MAX_LIMIT = 500
# At most this many attachments in one message (PROTOCOL.md version 2).
MAX_ATTACHMENTS = 10
ATTACHMENT_URL_PREFIX = "/api/attachments/"


class ReplyTargetSerializer(serializers.Serializer):
    """The message a reply answers, as it is now: `{"id", "author", "excerpt"}`, or `{"id", "deleted": true}`."""

    id = serializers.IntegerField()
    author = UserSerializer(required=False)
    excerpt = serializers.CharField(required=False)
    deleted = serializers.BooleanField(required=False)


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    user_ids = serializers.ListField(child=serializers.IntegerField())


class AttachmentSerializer(serializers.Serializer):
    """
    A file sent with a message, or uploaded to be (PROTOCOL.md version 2). `url` and
    `thumbnail_url` are the server's own paths, which check access (messaging.attachments).
    """

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["image", "file"])
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def get_url(self, attachment: Attachment) -> str:
        return attachment_url(attachment)

    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        return attachment_thumbnail_url(attachment)


def attachment_url(attachment: Attachment) -> str:
    """The file's URL: /api/attachments/{id}/{name}, the name percent-encoded."""
    return f"{ATTACHMENT_URL_PREFIX}{attachment.id}/{quote(attachment.name, safe='')}"


def attachment_thumbnail_url(attachment: Attachment) -> str | None:
    """An image's thumbnail: /api/attachments/{id}/thumbnail/ (a file has none)."""
    return f"{ATTACHMENT_URL_PREFIX}{attachment.id}/thumbnail/" if attachment.thumbnail else None


@extend_schema_field(ReplyTargetSerializer(allow_null=True))
class ReplyField(serializers.Field):
    """The reply object of a message, read from `reply_to` (select_related with its author by the selectors)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, message: Message):
        if message.reply_to_id is None:
            return None
        target = message.reply_to
        if target.deleted_at is not None:
            return {"id": target.id, "deleted": True}
        return {"id": target.id, "author": UserSerializer(target.author).data, "excerpt": target.body[:EXCERPT_LENGTH]}


@extend_schema_field(ReactionSerializer(many=True))
class ReactionsField(serializers.ReadOnlyField):
    """Message.reaction_summary, already in the protocol's shape."""


@extend_schema_field(AttachmentSerializer(many=True))
class AttachmentsField(serializers.Field):
    """A message's attachments, in the order its send listed them; prefetched (messaging.selectors.messages_shown)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, message: Message):
        return [AttachmentSerializer(attachment).data for attachment in message.attachments.all()]


class MessageSerializer(serializers.ModelSerializer):
    author = UserSerializer(read_only=True)
    created_at = TimestampField(read_only=True)
    edited_at = TimestampField(read_only=True)
    reply_to = ReplyField()
    mentions = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    reactions = ReactionsField(source="reaction_summary")
    attachments = AttachmentsField()

    class Meta:
        model = Message
        fields = [
            "id",
            "room",
            "author",
            "body",
            "html",
            "created_at",
            "client_id",
            "seq",
            "edited_at",
            "reply_to",
            "mentions",
            "reactions",
            "attachments",
        ]
        read_only_fields = fields


class TombstoneSerializer(serializers.Serializer):
    """A deleted message as the change log shows it: nothing of it but where it was and when it went."""

    id = serializers.IntegerField()
    room = serializers.IntegerField(source="room_id")
    seq = serializers.IntegerField()
    deleted = serializers.BooleanField()

    def to_representation(self, message: Message) -> dict:
        return message_tombstone(message)


def message_tombstone(message: Message) -> dict:
    return {"id": message.id, "room": message.room_id, "seq": message.seq, "deleted": True}


class MessageChangeSerializer(MessageSerializer):
    """A message in its current state: a Message, or a tombstone once deleted."""

    def to_representation(self, message: Message) -> dict:
        if message.deleted_at is not None:
            return message_tombstone(message)
        return super().to_representation(message)


class MessageSendSerializer(serializers.Serializer):
    """
    A message to send, whether it came by REST or WebSocket; the body is trimmed, then 1-4,000
    code points, or empty when `attachments` (ids of the sender's uploads, at most 10) is not.
    """

    body = StrictCharField(max_length=BODY_MAX_LENGTH, allow_blank=True, required=False, default="")
    client_id = StrictCharField(max_length=CLIENT_ID_MAX_LENGTH, required=False, allow_null=True, default=None)
    reply_to = StrictIntegerField(min_value=1, required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=StrictIntegerField(min_value=1), max_length=MAX_ATTACHMENTS, required=False, default=list
    )

    def validate_attachments(self, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("An attachment is listed twice.")
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs["body"] and not attrs["attachments"]:
            raise serializers.ValidationError({"body": [self.fields["body"].error_messages["blank"]]})
        return attrs


class MessageEditSerializer(serializers.Serializer):
    """A new body: the same rules as a send (empty only for a message with attachments: messaging.services)."""

    body = StrictCharField(max_length=BODY_MAX_LENGTH, allow_blank=True)


class EmojiField(StrictCharField):
    """
    One emoji, as the `emoji` package's is_emoji judges it, in its fully qualified
    form: "❤" (without the variation selector) and "❤️" are the same reaction.
    """

    default_error_messages = {"not_emoji": _("Must be a single emoji.")}

    def __init__(self, **kwargs):
        super().__init__(max_length=32, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not emoji.is_emoji(value):
            self.fail("not_emoji")
        qualified = emoji.emojize(emoji.demojize(value))
        return qualified if emoji.is_emoji(qualified) else value


class ReactionInputSerializer(serializers.Serializer):
    emoji = EmojiField()


class RoomFrameSerializer(serializers.Serializer):
    """The `room` field of a WebSocket frame."""

    room = StrictIntegerField(min_value=1)


class MessageFrameSerializer(RoomFrameSerializer):
    """A frame about one message of a room; `client_id`, when given, is echoed by the ack."""

    message_id = StrictIntegerField(min_value=1)
    client_id = StrictCharField(max_length=CLIENT_ID_MAX_LENGTH, required=False, allow_null=True, default=None)


class MessageSendFrameSerializer(RoomFrameSerializer, MessageSendSerializer):
    pass


class MessageEditFrameSerializer(MessageFrameSerializer, MessageEditSerializer):
    pass


class ReactionFrameSerializer(MessageFrameSerializer, ReactionInputSerializer):
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
            raise serializers.ValidationError(_("Give one of `before`, `after` or `around`."))
        return attrs


class ChangesQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, default=CHANGES_DEFAULT_LIMIT)

    def validate_limit(self, value: int) -> int:
        return min(value, CHANGES_MAX_LIMIT)


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="MessageOrTombstone",
        serializers=[MessageSerializer, TombstoneSerializer],
        resource_type_field_name=None,
    )
)
class MessageOrTombstoneField(serializers.Field):
    """A Message, or a tombstone once deleted: how the change log describes each entry (for the schema)."""


class ChangesPageSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The room's latest change number this answer covers.")
    messages = serializers.ListField(child=MessageOrTombstoneField())
    has_more = serializers.BooleanField()


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
