"""
The chat pages. They render a shell and the signed-in user; the page's script
loads rooms and messages from the REST API and listens on the WebSocket.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import DISPLAY_NAME_MAX_LENGTH
from accounts.serializers import UserSerializer
from chatroom.exceptions import Conflict, Forbidden, NotFound, NotMember
from chatroom.health import HEALTH_PATH
from messaging.serializers import BODY_MAX_LENGTH, CLIENT_ID_MAX_LENGTH, MAX_ATTACHMENTS
from rooms.models import Membership
from rooms.selectors import membership_get, room_by_invite_code, room_title_for
from rooms.serializers import RoleSerializer, RoomInputSerializer
from rooms.services import MANAGERS, REMOVABLE_BY, room_join

Role = Membership.Role


def home(request: HttpRequest) -> HttpResponse:
    return redirect("rooms-page" if request.user.is_authenticated else "login")


def _client_limits() -> dict:
    """The input limits the page checks before the server would refuse, from the serializers and settings."""
    room_fields = RoomInputSerializer().fields
    return {
        "bodyMaxLength": BODY_MAX_LENGTH,
        "clientIdMaxLength": CLIENT_ID_MAX_LENGTH,
        "roomNameMaxLength": room_fields["name"].max_length,
        "roomDescriptionMaxLength": room_fields["description"].max_length,
        "avatarMaxBytes": settings.CHAT_AVATAR_MAX_BYTES,
        "displayNameMaxLength": DISPLAY_NAME_MAX_LENGTH,
        "attachmentMaxBytes": settings.CHAT_ATTACHMENT_MAX_BYTES,
        "attachmentsPerMessage": MAX_ATTACHMENTS,
    }


def _client_roles() -> dict:
    """
    Which role may do what, so that the page offers only what rooms.services allows
    (test_views checks each rule against the services).
    """
    return {
        "manage": list(MANAGERS),  # settings, invite code, others' messages, removing members
        "changeRoles": [Role.OWNER],
        "assignable": [choice for choice, _ in RoleSerializer().fields["role"].choices.items()],
        "deleteRoom": [Role.OWNER],
        "leave": [role for role in Role.values if role != Role.OWNER],  # the owner deletes the room instead
        "remove": {actor: list(whom) for actor, whom in REMOVABLE_BY.items()},  # actor -> whom
    }


def _chat_page(request: HttpRequest, *, room_id: int | None, title: str) -> HttpResponse:
    config = {
        "user": UserSerializer(request.user).data,
        "roomId": room_id,
        "urls": {"api": "/api/", "socket": "/ws/chat/", "rooms": reverse("rooms-page"), "health": HEALTH_PATH},
        "limits": _client_limits(),
        "roles": _client_roles(),
    }
    return render(request, "rooms/chat.html", {"chat_config": config, "title": title})


@login_required
def rooms_page(request: HttpRequest) -> HttpResponse:
    return _chat_page(request, room_id=None, title=_("Rooms"))


@login_required
def room_page(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chat view of one room; a room the user is not in does not exist for them."""
    try:
        membership = membership_get(user=request.user, room_id=room_id)
    except NotMember:
        raise Http404(_("No such room.")) from None
    return _chat_page(
        request, room_id=membership.room_id, title=room_title_for(user=request.user, room=membership.room)
    )


def join_page(request: HttpRequest, invite_code: str) -> HttpResponse:
    """
    An invite link, /join/<code>/ (PROTOCOL.md "People"). Signed in: join (as
    rooms/join/ does; a member already just goes in) and open the room. Signed
    out: say which room invites them and offer sign-in or sign-up, each of which
    comes back here (`next`) to join. An unknown or revoked code, or a ban, is a
    page that says so.
    """
    if not request.user.is_authenticated:
        room = room_by_invite_code(invite_code=invite_code)
        if room is None:
            return render(request, "rooms/join.html", {"state": "unknown"}, status=404)
        query = "?" + urlencode({"next": request.path})
        context = {
            "state": "invited",
            "room_name": room.name,
            "login_url": reverse("login") + query,
            "register_url": reverse("register") + query,
        }
        return render(request, "rooms/join.html", context)
    try:
        room = room_join(user=request.user, invite_code=invite_code)
    except (NotFound, Conflict):  # Conflict: a direct room's code, which no link ever carries
        return render(request, "rooms/join.html", {"state": "unknown"}, status=404)
    except Forbidden:
        return render(request, "rooms/join.html", {"state": "banned"}, status=403)
    return redirect("room-page", room_id=room.id)
