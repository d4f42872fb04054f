"""
JWT authentication that honours revocation: tokens issued before the user's
`tokens_valid_after` (deactivation, password change) are refused, even once
the user is active again. simplejwt checks only signature, expiry, the refresh
blacklist and `is_active`.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication, serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from accounts.models import User
from accounts.selectors import credential_revoked

REVOKED = _("Token has been revoked.")


class JWTAuthentication(authentication.JWTAuthentication):
    """settings.REST_FRAMEWORK's bearer authentication."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if credential_revoked(user=user, issued_at=validated_token.get("iat")):
            raise AuthenticationFailed(REVOKED, code="token_not_valid")
        return user


class TokenRefreshSerializer(serializers.TokenRefreshSerializer):
    """SIMPLE_JWT's refresh: a revoked refresh token cannot mint fresh access tokens."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(pk=refresh.payload.get(api_settings.USER_ID_CLAIM)).first()
        if user is not None and credential_revoked(user=user, issued_at=refresh.payload.get("iat")):
            raise AuthenticationFailed(REVOKED, code="token_not_valid")
        return super().validate(attrs)
