"""Messages REST API: history, the change log, send, edit, delete, reactions, read pointer, search."""

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api as accounts_api
from accounts.serializers import AccountDeleteSerializer, ProfileSerializer, UserSerializer
from accounts.throttling import AccountDeleteRateThrottle
from messaging import services
from messaging.people import account_delete, user_profile_update
from messaging.selectors import message_changes, message_history, message_history_around, message_search
from messaging.serializers import (
    CHANGES_DEFAULT_LIMIT,
    CHANGES_MAX_LIMIT,
    ChangesPageSerializer,
    ChangesQuerySerializer,
    MessageAroundPageSerializer,
    MessageChangeSerializer,
    MessageEditSerializer,
    MessageHistoryQuerySerializer,
    MessagePageSerializer,
    MessageSearchQuerySerializer,
    MessageSendSerializer,
    MessageSerializer,
    ReactionInputSerializer,
    ReadSerializer,
)
from rooms.permissions import RoomScopedView


class MessageListView(RoomScopedView):
    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, description="Messages just older than this id."),
            OpenApiParameter("after", int, description="Messages just newer than this id."),
            OpenApiParameter(
                "around", int, description="This message with limit/2 older ones before it and newer ones after it."
            ),
            OpenApiParameter("limit", int, description="At most this many (default 50, capped at 200)."),
        ],
        responses=MessageAroundPageSerializer,
    )
    def get(self, request, room_id):
        query = MessageHistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "around" in params:
            messages, has_older, has_newer = message_history_around(
                room_id=room_id, around=params["around"], limit=params["limit"]
            )
            page = {"results": MessageSerializer(messages, many=True).data, "has_more": has_older}
            return Response({**page, "has_newer": has_newer})
        messages, has_more = message_history(room_id=room_id, **params)
        return Response({"results": MessageSerializer(messages, many=True).data, "has_more": has_more})

    @extend_schema(request=MessageSendSerializer, responses={201: MessageSerializer, 200: MessageSerializer})
    def post(self, request, room_id):
        serializer = MessageSendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.message_send(author=request.user, room_id=room_id, **serializer.validated_data)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(result.message_data(), status=code)


class MessageDetailView(RoomScopedView):
    @extend_schema(request=MessageEditSerializer, responses=MessageSerializer)
    def patch(self, request, room_id, message_id):
        serializer = MessageEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.message_edit(
            author=request.user, room_id=room_id, message_id=message_id, **serializer.validated_data
        )
        return Response(result.data)

    @extend_schema(responses={204: None})
    def delete(self, request, room_id, message_id):
        services.message_delete(actor=request.user, room_id=room_id, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReactionView(RoomScopedView):
    """The caller's reaction with one emoji (URL-encoded in the path) to one message."""

    def _emoji(self, emoji: str) -> str:
        serializer = ReactionInputSerializer(data={"emoji": emoji})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["emoji"]

    @extend_schema(request=None, responses=MessageSerializer)
    def put(self, request, room_id, message_id, emoji):
        result = services.reaction_add(
            user=request.user, room_id=room_id, message_id=message_id, emoji=self._emoji(emoji)
        )
        return Response(result.data)

    @extend_schema(responses=MessageSerializer)
    def delete(self, request, room_id, message_id, emoji):
        result = services.reaction_remove(
            user=request.user, room_id=room_id, message_id=message_id, emoji=self._emoji(emoji)
        )
        return Response(result.data)


class ChangesView(RoomScopedView):
    @extend_schema(
        parameters=[
            OpenApiParameter("since", int, description="Changes after this seq (default 0: every message)."),
            OpenApiParameter(
                "limit",
                int,
                description=f"At most this many (default {CHANGES_DEFAULT_LIMIT}, capped at {CHANGES_MAX_LIMIT}).",
            ),
        ],
        responses=ChangesPageSerializer,
    )
    def get(self, request, room_id):
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        seq, messages, has_more = message_changes(room_id=room_id, **query.validated_data)
        data = MessageChangeSerializer(messages, many=True).data
        return Response({"seq": seq, "messages": data, "has_more": has_more})


class ReadView(RoomScopedView):
    @extend_schema(request=ReadSerializer, responses={204: None})
    def post(self, request, room_id):
        serializer = ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.message_mark_read(user=request.user, room_id=room_id, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SearchView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="1-200 characters; every word must occur."),
            OpenApiParameter("room", int, description="Only this room (one of the caller's)."),
            OpenApiParameter("before", int, description="Only messages older than this id (the next page)."),
            OpenApiParameter("limit", int, description="At most this many (default 20, capped at 100)."),
        ],
        responses=MessagePageSerializer,
    )
    def get(self, request):
        query = MessageSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        messages, has_more = message_search(
            user=request.user,
            q=params["q"],
            room_id=params.get("room"),
            before=params.get("before"),
            limit=params["limit"],
        )
        return Response({"results": MessageSerializer(messages, many=True).data, "has_more": has_more})


class MeView(accounts_api.MeView):
    """me/: read oneself (accounts), change one's name or avatar, delete one's account (messaging.people)."""

    def get_throttles(self):
        if self.request.method == "DELETE":
            return [*super().get_throttles(), AccountDeleteRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=ProfileSerializer, responses=UserSerializer)
    def patch(self, request):
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, **serializer.validated_data)
        return Response(UserSerializer(user).data)

    @extend_schema(request=AccountDeleteSerializer, responses={204: None})
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account_delete(user=request.user, **serializer.validated_data)
        if hasattr(request._request, "session"):
            logout(request._request)  # this browser's session ends with the account
        return Response(status=status.HTTP_204_NO_CONTENT)
