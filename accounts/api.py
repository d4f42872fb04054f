"""Accounts REST API: registration, JWT, logout, WebSocket tickets and the caller's profile."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.serializers import (
    RefreshTokenSerializer,
    RegisterResponseSerializer,
    RegisterSerializer,
    TicketSerializer,
    UserSerializer,
)
from accounts.services import user_register
from accounts.throttling import (
    LOCKOUT_REASON,
    LoginRateThrottle,
    RegisterRateThrottle,
    is_locked_out,
    lockout_seconds,
)
from accounts.tickets import ticket_issue
from chatroom.uploads import UploadLimitMixin


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegisterResponseSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_register(**serializer.validated_data)
        refresh = RefreshToken.for_user(user)
        body = {"user": UserSerializer(user).data, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """A JWT pair for a username and password; 429 once that username is locked out at this address (axes)."""

    authentication_classes = []
    throttle_classes = [LoginRateThrottle]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            if is_locked_out(request):
                raise Throttled(wait=lockout_seconds(), detail=str(LOCKOUT_REASON)) from None
            raise


class RefreshView(TokenRefreshView):
    pass


class LogoutView(APIView):
    """Blacklist a refresh token: it can no longer be refreshed."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'  # so that an invalid token answers 401, not 403

    @extend_schema(request=RefreshTokenSerializer, responses={205: None})
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


class TicketView(APIView):
    @extend_schema(request=None, responses=TicketSerializer)
    def post(self, request):
        ticket = ticket_issue(user=request.user)
        return Response({"ticket": ticket, "expires_in": settings.CHAT_WS_TICKET_TTL})


class MeView(UploadLimitMixin, APIView):
    """GET me/. Changing and deleting oneself reach into rooms: messaging.api.MeView adds PATCH and DELETE."""

    upload_limit_setting = "CHAT_AVATAR_MAX_BYTES"

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)
