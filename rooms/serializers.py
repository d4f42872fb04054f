from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from accounts.serializers import UserSerializer
from chatroom.fields import AvatarField, MediaUrlField, StrictIntegerField, TimestampField
from messaging.serializers import MessageSerializer
from rooms.models import Membership, Room, RoomBan


def invite_url(invite_code: str, request=None) -> str:
    """
    The room's invite link, /join/<code>/ (rooms.views.join_page), absolute: from the
    request's own host when there is one, else from CHAT_SITE_URL (pushed frames have no
    request); with neither, the path alone, which a page resolves against its own address.
    """
    path = reverse("join-page", kwargs={"invite_code": invite_code})
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.CHAT_SITE_URL.rstrip("/") + path


class RoomSerializer(serializers.ModelSerializer):
    """A room as one member sees it; the instance comes from rooms.selectors with the per-member fields set."""

    avatar = MediaUrlField(read_only=True)
    owner = UserSerializer(read_only=True)
    peer = UserSerializer(read_only=True, allow_null=True)  # set by rooms.selectors for a direct room
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    member_count = serializers.IntegerField(read_only=True)
    unread_count = serializers.IntegerField(read_only=True)
    mention_count = serializers.IntegerField(read_only=True)
    last_message = MessageSerializer(read_only=True, allow_null=True)
    created_at = TimestampField(read_only=True)
    invite_url = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "id",
            "name",
            "description",
            "avatar",
            "owner",
            "invite_code",
            "role",
            "member_count",
            "unread_count",
            "last_message",
            "created_at",
            "seq",
            "mention_count",
            "invite_url",
            "kind",
            "peer",
        ]
        read_only_fields = fields

    def get_invite_url(self, room: Room) -> str | None:
        return None if room.kind == Room.Kind.DIRECT else invite_url(room.invite_code, self.context.get("request"))

    def to_representation(self, instance):
        """A direct room has no invite code, and is named after the other person, as each side sees it."""
        data = super().to_representation(instance)
        if instance.kind == Room.Kind.DIRECT:
            data["invite_code"] = None
            if data["peer"] is not None:
                data["name"] = data["peer"].get("display_name") or data["peer"]["username"]
        return data


class RoomInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    avatar = AvatarField(required=False)


class RoomUpdateSerializer(RoomInputSerializer):
    """PATCH rooms/{id}/: any of a creation's fields, and `owner`, a member's user id, from the owner only."""

    owner = StrictIntegerField(required=False, min_value=1)


class JoinSerializer(serializers.Serializer):
    invite_code = serializers.CharField(max_length=64)


class DirectOpenSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1)


class InviteCodeSerializer(serializers.Serializer):
    invite_code = serializers.CharField(read_only=True)


class MemberSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)
    joined_at = TimestampField(read_only=True)
    online = serializers.BooleanField(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "joined_at", "online"]
        read_only_fields = fields


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=[Membership.Role.ADMIN, Membership.Role.MEMBER])


class BanSerializer(serializers.ModelSerializer):
    user = UserSerializer(read_only=True)
    banned_by = UserSerializer(read_only=True, allow_null=True)
    created_at = TimestampField(read_only=True)

    class Meta:
        model = RoomBan
        fields = ["user", "banned_by", "created_at"]
        read_only_fields = fields
