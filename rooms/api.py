"""Rooms REST API: thin views over rooms.services and rooms.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from chatroom.uploads import UploadLimitMixin
from rooms import services
from rooms.permissions import RoomScopedView
from rooms.selectors import ban_list, member_list, room_get_for_member, room_list_for_user, with_presence
from rooms.serializers import (
    BanSerializer,
    DirectOpenSerializer,
    InviteCodeSerializer,
    JoinSerializer,
    MemberSerializer,
    RoleSerializer,
    RoomInputSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
)


def room_response(request, room_id: int, status_code: int = status.HTTP_200_OK) -> Response:
    room = room_get_for_member(user=request.user, room_id=room_id)
    return Response(RoomSerializer(room, context={"request": request}).data, status=status_code)


class RoomListView(UploadLimitMixin, APIView):
    upload_limit_setting = "CHAT_AVATAR_MAX_BYTES"

    @extend_schema(responses=RoomSerializer(many=True))
    def get(self, request):
        rooms = room_list_for_user(user=request.user)
        return Response(RoomSerializer(rooms, many=True, context={"request": request}).data)

    @extend_schema(request=RoomInputSerializer, responses={201: RoomSerializer})
    def post(self, request):
        serializer = RoomInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = services.room_create(owner=request.user, **serializer.validated_data)
        return room_response(request, room.id, status.HTTP_201_CREATED)


class RoomDetailView(UploadLimitMixin, RoomScopedView):
    upload_limit_setting = "CHAT_AVATAR_MAX_BYTES"

    @extend_schema(responses=RoomSerializer)
    def get(self, request, room_id):
        return room_response(request, room_id)

    @extend_schema(request=RoomUpdateSerializer(partial=True), responses=RoomSerializer)
    def patch(self, request, room_id):
        serializer = RoomUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        new_owner = changes.pop("owner", None)
        if new_owner is not None:
            services.room_hand_over(actor=request.user, room_id=room_id, user_id=new_owner)
        if changes or new_owner is None:
            services.room_update(actor=request.user, room_id=room_id, **changes)
        return room_response(request, room_id)

    @extend_schema(responses={204: None})
    def delete(self, request, room_id):
        services.room_delete(actor=request.user, room_id=room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomJoinView(APIView):
    @extend_schema(request=JoinSerializer, responses=RoomSerializer)
    def post(self, request):
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = services.room_join(user=request.user, **serializer.validated_data)
        return room_response(request, room.id)


class DirectOpenView(APIView):
    @extend_schema(request=DirectOpenSerializer, responses={200: RoomSerializer, 201: RoomSerializer})
    def post(self, request):
        serializer = DirectOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room, created = services.direct_open(user=request.user, other_id=serializer.validated_data["user_id"])
        return room_response(request, room.id, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RoomLeaveView(RoomScopedView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, room_id):
        services.room_leave(user=request.user, room_id=room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoomInviteView(RoomScopedView):
    @extend_schema(request=None, responses=InviteCodeSerializer)
    def post(self, request, room_id):
        return Response({"invite_code": services.invite_rotate(actor=request.user, room_id=room_id)})


class MemberListView(RoomScopedView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, room_id):
        return Response(MemberSerializer(member_list(room_id=room_id), many=True).data)


class MemberDetailView(RoomScopedView):
    @extend_schema(request=RoleSerializer, responses=MemberSerializer)
    def patch(self, request, room_id, user_id):
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = services.member_set_role(
            actor=request.user, room_id=room_id, user_id=user_id, **serializer.validated_data
        )
        return Response(MemberSerializer(with_presence([member])[0]).data)


class MemberKickView(RoomScopedView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, room_id, user_id):
        services.member_kick(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberBanView(RoomScopedView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request, room_id, user_id):
        services.member_ban(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BanListView(RoomScopedView):
    @extend_schema(responses=BanSerializer(many=True))
    def get(self, request, room_id):
        return Response(BanSerializer(ban_list(user=request.user, room_id=room_id), many=True).data)


class BanDetailView(RoomScopedView):
    @extend_schema(responses={204: None})
    def delete(self, request, room_id, user_id):
        services.member_unban(actor=request.user, room_id=room_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
