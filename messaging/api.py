"""Messages REST API: history, send, delete, read pointer, search."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging import services
from messaging.selectors import message_history, message_history_around, message_search
from messaging.serializers import (
    MessageAroundPageSerializer,
    MessageHistoryQuerySerializer,
    MessagePageSerializer,
    MessageSearchQuerySerializer,
    MessageSendSerializer,
    MessageSerializer,
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
    @extend_schema(responses={204: None})
    def delete(self, request, room_id, message_id):
        services.message_delete(actor=request.user, room_id=room_id, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
