import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import AsyncClient
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from chatroom.realtime.protocol import CLOSE_DEACTIVATED
from chatroom.testing.live import receive_close, receive_until, run_action
from chatroom.testing.seed import make_moderator, seed_chat
from conftest import ws_connect
from moderation.models import ModerationAction
from rooms.models import Membership, RoomBan

CHANGELIST = reverse("admin:accounts_user_changelist")
ROOMS = reverse("admin:rooms_room_changelist")


@pytest.fixture
def chat(db):
    return seed_chat(members=120, messages=10)


def test_user_pages_load_with_bounded_queries(chat, moderator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = moderator_client.get(CHANGELIST)
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 100
    with django_assert_max_num_queries(8):
        response = moderator_client.get(CHANGELIST, {"q": "member7", "banned": "yes"})
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = moderator_client.get(reverse("admin:accounts_user_change", args=[chat.members[0].id]))
    assert response.status_code == 200


def test_banned_filter(chat, moderator_client):
    response = moderator_client.get(CHANGELIST, {"banned": "yes"})
    assert [u.username for u in response.context["cl"].queryset] == ["member0"]
    response = moderator_client.get(CHANGELIST, {"banned": "no", "q": "member0"})
    assert list(response.context["cl"].queryset) == []


def test_is_active_cannot_be_edited_on_the_form(chat, admin_client):
    """Deactivation must go through the service, which also closes sockets and revokes tokens."""
    member = chat.members[1]
    url = reverse("admin:accounts_user_change", args=[member.id])
    form = admin_client.get(url).context["adminform"].form
    data = {name: field.initial for name, field in form.fields.items() if field.initial is not None}
    response = admin_client.post(url, {**data, "username": member.username, "is_active": ""})
    assert response.status_code == 302
    assert User.objects.get(pk=member.id).is_active


@pytest.mark.django_db(transaction=True)
async def test_deactivation_closes_sockets_revokes_tokens_and_is_logged():
    chat = await database_sync_to_async(seed_chat)(messages=0)
    moderator = await database_sync_to_async(make_moderator)()
    target = chat.members[0]
    refresh = await database_sync_to_async(RefreshToken.for_user)(target)
    target_ws, bystander_ws = await ws_connect(target), await ws_connect(chat.members[1])
    await receive_until(target_ws, "hello")
    client = AsyncClient()
    await client.aforce_login(moderator)

    await run_action(client, CHANGELIST, "deactivate", [target.id], reason="abuse")

    assert await receive_close(target_ws) == CLOSE_DEACTIVATED
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    assert (await sync_to_async(api.get)("/api/me/")).status_code == 401
    api.credentials()
    assert (await sync_to_async(api.post)("/api/auth/token/refresh/", {"refresh": str(refresh)})).status_code == 401
    row = await ModerationAction.objects.aget()
    assert (row.action, row.actor_id, row.target_user_id, row.reason) == (
        "user_deactivate",
        moderator.id,
        target.id,
        "abuse",
    )
    # Nobody else was disconnected.
    await bystander_ws.send_json_to({"type": "ping"})
    assert await receive_until(bystander_ws, "pong")
    await bystander_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_banning_a_user_from_a_room_removes_their_sockets_from_it_at_once():
    chat = await database_sync_to_async(seed_chat)(messages=0)
    moderator = await database_sync_to_async(make_moderator)()
    target, bystander = chat.members[1], chat.members[2]
    target_ws, bystander_ws = await ws_connect(target), await ws_connect(bystander)
    await receive_until(target_ws, "hello")
    client = AsyncClient()
    await client.aforce_login(moderator)

    # On the rooms' list; the user is picked by autocomplete on the intermediate page, which posts their id.
    await run_action(client, ROOMS, "ban_user", [chat.room.id], user=str(target.id), reason="spam")

    removed = await receive_until(target_ws, "room.removed")
    assert removed == {"type": "room.removed", "room": chat.room.id, "reason": "banned"}
    left = await receive_until(bystander_ws, "member.left")
    assert left["user"]["id"] == target.id and left["reason"] == "banned"
    # The banned user's socket no longer hears the room.
    await bystander_ws.send_json_to(
        {"type": "message.send", "room": chat.room.id, "body": "still here?", "client_id": "c1"}
    )
    await receive_until(bystander_ws, "message.new")
    assert await target_ws.receive_nothing(timeout=0.2)
    assert await RoomBan.objects.filter(room=chat.room, user=target).aexists()
    row = await ModerationAction.objects.aget()
    assert (row.action, row.authority, row.room_id, row.target_user_id) == (
        "member_ban",
        "staff",
        chat.room.id,
        target.id,
    )

    await run_action(client, ROOMS, "unban_user", [chat.room.id], user=str(target.id), reason="appeal")
    assert not await RoomBan.objects.filter(room=chat.room, user=target).aexists()
    assert await ModerationAction.objects.filter(action="member_unban", reason="appeal").aexists()
    await target_ws.disconnect()
    await bystander_ws.disconnect()


def test_ban_needs_a_user(chat, moderator_client):
    target = chat.members[1]
    response = moderator_client.post(
        ROOMS, {"action": "ban_user", "_selected_action": [chat.room.id], "apply": "1", "user": "999999"}
    )
    assert response.status_code == 200 and response.context["form"].errors["user"]
    assert Membership.objects.filter(room=chat.room, user=target).exists()


def test_a_moderator_may_not_deactivate_staff_or_themself(chat, db, client):
    moderator = make_moderator()
    other_staff = make_moderator("other")
    client.force_login(moderator)
    response = client.post(
        CHANGELIST,
        {"action": "deactivate", "_selected_action": [moderator.id, other_staff.id], "apply": "1"},
        follow=True,
    )
    assert "Refused" in response.content.decode()
    assert User.objects.filter(pk__in=[moderator.id, other_staff.id], is_active=True).count() == 2
    assert not ModerationAction.objects.exists()


def test_non_staff_are_sent_to_the_admin_login(chat, client):
    client.force_login(chat.owner)
    for url in (reverse("admin:index"), CHANGELIST, reverse("admin:accounts_user_change", args=[chat.owner.id])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    response = client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [chat.members[0].id], "apply": "1"})
    assert response.status_code == 302
    assert User.objects.get(pk=chat.members[0].id).is_active
