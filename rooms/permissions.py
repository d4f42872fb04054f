"""The DRF hook of room-scoped views: who may see anything under rooms/{room_id}/."""

from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from rooms.selectors import membership_get


class IsRoomMember(BasePermission):
    """
    The caller is a member of the room in the URL; anyone else gets 404
    (membership_get raises NotMember), before the body is parsed or validated:
    no enumeration of rooms, and 404 before 400. The membership is kept on the
    view as `view.membership`. Services that write check again inside their
    own transaction, where the answer is authoritative (a kick may land between).
    """

    def has_permission(self, request, view) -> bool:
        view.membership = membership_get(user=request.user, room_id=view.kwargs["room_id"])
        return True


class RoomScopedView(APIView):
    """A view under rooms/{room_id}/: authenticated members only, checked once by IsRoomMember."""

    permission_classes = [IsAuthenticated, IsRoomMember]
