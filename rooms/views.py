"""
The chat pages. They render a shell and the signed-in user; the page's script
loads rooms and messages from the REST API and listens on the WebSocket.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.serializers import UserSerializer
from chatroom.exceptions import NotMember
from rooms.selectors import membership_get


def home(request: HttpRequest) -> HttpResponse:
    return redirect("rooms-page" if request.user.is_authenticated else "login")


def _chat_page(request: HttpRequest, *, room_id: int | None, title: str) -> HttpResponse:
    config = {
        "user": UserSerializer(request.user).data,
        "roomId": room_id,
        "urls": {"api": "/api/", "socket": "/ws/chat/", "rooms": reverse("rooms-page")},
    }
    return render(request, "rooms/chat.html", {"chat_config": config, "title": title})


@login_required
def rooms_page(request: HttpRequest) -> HttpResponse:
    return _chat_page(request, room_id=None, title="Rooms")


@login_required
def room_page(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chat view of one room; a room the user is not in does not exist for them."""
    try:
        membership = membership_get(user=request.user, room_id=room_id)
    except NotMember:
        raise Http404("No such room.") from None
    return _chat_page(request, room_id=membership.room_id, title=membership.room.name)
