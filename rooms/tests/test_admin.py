import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from chatroom.testing.live import receive_until, run_action
from chatroom.testing.seed import make_moderator, seed_chat
from conftest import ws_connect
from messaging.models import Message
from moderation.models import ModerationAction
from rooms.models import Membership, Room, RoomBan

ROOMS = reverse("admin:rooms_room_changelist")
MEMBERSHIPS = reverse("admin:rooms_membership_changelist")
BANS = reverse("admin:rooms_roomban_changelist")


@pytest.fixture
def chat(db):
    return seed_chat(members=120, messages=300)


def test_list_pages_load_with_bounded_queries(chat, moderator_client, django_assert_max_num_queries):
    Room.objects.bulk_create(Room(name=f"room {i}", owner=chat.owner, invite_code=f"code{i}") for i in range(150))
    for url, rows in ((ROOMS, 100), (MEMBERSHIPS, 100), (BANS, 1)):
        with django_assert_max_num_queries(8):
            response = moderator_client.get(url)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == rows


def test_room_page_shows_its_members_inline_without_a_query_each(chat, moderator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = moderator_client.get(reverse("admin:rooms_room_change", args=[chat.room.id]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "member119" in content and "owner" in content
    assert reverse("admin:rooms_room_chat", args=[chat.room.id]) in content


def test_room_search_and_member_count(chat, moderator_client):
    response = moderator_client.get(ROOMS, {"q": "gener"})
    [room] = response.context["cl"].result_list
    assert room.id == chat.room.id and room.member_count == 121
    response = moderator_client.get(ROOMS, {"q": chat.other_room.invite_code})
    assert [r.id for r in response.context["cl"].result_list] == [chat.other_room.id]


def test_membership_and_ban_filters(chat, moderator_client):
    response = moderator_client.get(MEMBERSHIPS, {"room": chat.room.id, "role": "owner"})
    assert [m.user_id for m in response.context["cl"].queryset] == [chat.owner.id]
    response = moderator_client.get(MEMBERSHIPS, {"user": "Member7"})
    assert [m.user.username for m in response.context["cl"].queryset] == ["member7"]
    response = moderator_client.get(BANS, {"room": chat.room.id})
    assert list(response.context["cl"].queryset) == []
    response = moderator_client.get(BANS, {"user": "member0"})
    assert [b.room_id for b in response.context["cl"].queryset] == [chat.other_room.id]


def test_chat_history_shows_the_latest_messages_deleted_ones_marked(
    chat, moderator_client, django_assert_max_num_queries
):
    url = reverse("admin:rooms_room_chat", args=[chat.room.id])
    with django_assert_max_num_queries(8):
        response = moderator_client.get(url)
    assert response.status_code == 200
    shown = response.context["chat"]
    assert len(shown) == 200 and shown[-1].id == chat.messages[-1].id and shown[0].id < shown[-1].id
    content = response.content.decode()
    assert content.count('class="deleted "') == sum(1 for m in shown if m.deleted_at) > 0
    assert "&lt;b&gt;not bold&lt;/b&gt;" in content and "<b>not bold</b>" not in content


def test_chat_history_around_a_reported_message(chat, moderator_client):
    reported = chat.messages[11]
    response = moderator_client.get(reverse("admin:rooms_room_chat", args=[chat.room.id]), {"around": reported.id})
    shown = [m.id for m in response.context["chat"]]
    assert shown[0] == chat.messages[0].id and reported.id in shown and len(shown) == 112
    assert f'id="m{reported.id}" class="target"' in response.content.decode()


@pytest.mark.parametrize("path", ["999999/chat/", "{room}/chat/?around=x", "{room}/chat/?around=99999999999999999999"])
def test_chat_history_of_no_room_or_bad_message_is_404(chat, moderator_client, path):
    assert moderator_client.get(ROOMS + path.format(room=chat.room.id)).status_code == 404


def test_chat_history_is_for_staff_only(chat, client):
    client.force_login(chat.owner)  # the room's own owner, but not staff
    response = client.get(reverse("admin:rooms_room_chat", args=[chat.room.id]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_rooms_memberships_and_bans_are_read_only(chat, admin_client):
    assert admin_client.get(reverse("admin:rooms_room_add")).status_code == 403
    assert admin_client.post(reverse("admin:rooms_room_change", args=[chat.room.id]), {"name": "x"}).status_code == 403
    assert admin_client.get(reverse("admin:rooms_room_delete", args=[chat.room.id])).status_code == 403
    membership = Membership.objects.get(room=chat.room, user=chat.members[1])
    assert admin_client.post(reverse("admin:rooms_membership_change", args=[membership.id]), {}).status_code == 403
    assert admin_client.get(reverse("admin:rooms_roomban_add")).status_code == 403
    assert Room.objects.get(pk=chat.room.id).name == "general"


@pytest.mark.django_db(transaction=True)
async def test_rotating_an_invite_code_tells_members_the_new_one():
    chat = await database_sync_to_async(seed_chat)(messages=0)
    moderator = await database_sync_to_async(make_moderator)()
    member_ws = await ws_connect(chat.members[0])
    await receive_until(member_ws, "hello")
    client = AsyncClient()
    await client.aforce_login(moderator)

    await run_action(client, ROOMS, "rotate_invite", [chat.room.id], reason="leaked on a forum")

    room = await Room.objects.aget(pk=chat.room.id)
    assert room.invite_code != chat.room.invite_code
    updated = await receive_until(member_ws, "room.updated")
    assert updated["room"]["id"] == room.id and updated["room"]["invite_code"] == room.invite_code
    row = await ModerationAction.objects.aget()
    assert (row.action, row.authority, row.room_id, row.reason) == (
        "invite_rotate",
        "staff",
        room.id,
        "leaked on a forum",
    )
    await member_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_deleting_a_room_removes_it_from_every_members_socket():
    chat = await database_sync_to_async(seed_chat)(messages=5)
    moderator = await database_sync_to_async(make_moderator)()
    owner_ws, member_ws = await ws_connect(chat.owner), await ws_connect(chat.members[0])
    await receive_until(member_ws, "hello")
    client = AsyncClient()
    await client.aforce_login(moderator)

    await run_action(client, ROOMS, "delete_rooms", [chat.room.id], reason="illegal content")

    for ws in (owner_ws, member_ws):
        assert await receive_until(ws, "room.removed") == {
            "type": "room.removed",
            "room": chat.room.id,
            "reason": "deleted",
        }
    assert not await Room.objects.filter(pk=chat.room.id).aexists()
    assert not await Message.objects.filter(room_id=chat.room.id).aexists()
    # The log outlives the room: its id and what it was called stay.
    row = await ModerationAction.objects.aget()
    assert (row.action, row.room_id, row.reason) == ("room_delete", chat.room.id, "illegal content")
    assert row.target == f"general (#{chat.room.id})"
    log = await client.get(reverse("admin:moderation_moderationaction_changelist"), {"room": chat.room.id})
    assert log.status_code == 200 and f"general (#{chat.room.id})" in log.content.decode()
    # The socket no longer hears the room: nothing more arrives.
    assert await member_ws.receive_nothing(timeout=0.2)
    await owner_ws.disconnect()
    await member_ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_kicking_members_from_the_membership_list():
    chat = await database_sync_to_async(seed_chat)(messages=0)
    moderator = await database_sync_to_async(make_moderator)()
    target = chat.members[2]
    target_ws, owner_ws = await ws_connect(target), await ws_connect(chat.owner)
    await receive_until(target_ws, "hello")
    membership = await Membership.objects.aget(room=chat.room, user=target)
    client = AsyncClient()
    await client.aforce_login(moderator)

    await run_action(client, MEMBERSHIPS, "kick", [membership.id], reason="cool off")

    assert await receive_until(target_ws, "room.removed") == {
        "type": "room.removed",
        "room": chat.room.id,
        "reason": "kicked",
    }
    left = await receive_until(owner_ws, "member.left")
    assert left["user"]["id"] == target.id and left["reason"] == "kicked"
    row = await ModerationAction.objects.aget()
    assert (row.action, row.target_user_id, row.room_id) == ("member_kick", target.id, chat.room.id)
    await target_ws.disconnect()
    await owner_ws.disconnect()


def test_the_owner_cannot_be_kicked_or_banned_even_by_staff(chat, moderator_client):
    owner_membership = Membership.objects.get(room=chat.room, user=chat.owner)
    for action in ("kick", "ban"):
        response = moderator_client.post(
            MEMBERSHIPS, {"action": action, "_selected_action": [owner_membership.id], "apply": "1"}, follow=True
        )
        assert "Refused" in response.content.decode()
    assert Membership.objects.filter(pk=owner_membership.id).exists()
    assert not ModerationAction.objects.exists()


def test_banning_members_and_lifting_bans(chat, moderator_client):
    membership = Membership.objects.get(room=chat.room, user=chat.members[3])
    moderator_client.post(
        MEMBERSHIPS, {"action": "ban", "_selected_action": [membership.id], "apply": "1", "reason": "r"}
    )
    ban = RoomBan.objects.get(room=chat.room, user=chat.members[3])
    assert not Membership.objects.filter(pk=membership.id).exists()
    moderator_client.post(BANS, {"action": "unban", "_selected_action": [ban.id], "apply": "1", "reason": "appeal"})
    assert not RoomBan.objects.filter(pk=ban.id).exists()
    assert list(ModerationAction.objects.order_by("id").values_list("action", "reason")) == [
        ("member_ban", "r"),
        ("member_unban", "appeal"),
    ]
