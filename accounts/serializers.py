from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from accounts.selectors import username_taken
from chatroom.fields import AvatarField, MediaUrlField, TimestampField


class UserSerializer(serializers.ModelSerializer):
    avatar = MediaUrlField(read_only=True)
    date_joined = TimestampField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "avatar", "date_joined"]
        read_only_fields = fields


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


class AvatarSerializer(serializers.Serializer):
    avatar = AvatarField()


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
