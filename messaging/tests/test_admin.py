import pytest
from channels.db import database_sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from chatroom.testing.factories import MessageFactory
from chatroom.testing.live import receive_until, run_action
from chatroom.testing.seed import make_moderator, seed_chat
from conftest import ws_connect
from messaging.models import Message
from messaging.services import message_edit, reaction_add
from moderation.models import ModerationAction

CHANGELIST = reverse("admin:messaging_message_changelist")


def test_a_page_of_100_messages_costs_a_fixed_number_of_queries(chat, moderator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = moderator_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 100
    # Bodies are text: shown escaped, never as HTML.
    assert b"&lt;b&gt;not bold&lt;/b&gt;" in response.content and b"<b>not bold</b>" not in response.content


def test_a_message_page_loads(chat, moderator_client, django_assert_max_num_queries):
    message = chat.messages[5]
    with django_assert_max_num_queries(11):  # one of them its attachments (the inline)
        response = moderator_client.get(reverse("admin:messaging_message_change", args=[message.id]))
    assert response.status_code == 200
    assert reverse("admin:rooms_room_chat", args=[chat.room.id]).encode() in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": '"message 42:"'}, lambda m: m.body.startswith("message 42:")),
        ({"q": "member1"}, lambda m: m.author.username == "member1"),  # exact username
        ({"author": "MEMBER1"}, lambda m: m.author.username == "member1"),
        ({"deleted": "yes"}, lambda m: m.deleted_at is not None),
        ({"deleted": "no", "author": "owner"}, lambda m: m.deleted_at is None and m.author.username == "owner"),
        ({"room": "not-a-number"}, lambda m: False),
    ],
)
def test_search_and_filters(chat, moderator_client, query, expected):
    response = moderator_client.get(CHANGELIST, {**query, "all": ""})
    assert response.status_code == 200
    shown = {m.id for m in response.context["cl"].queryset}
    assert shown == {m.id for m in Message.objects.select_related("author") if expected(m)}


def test_filter_by_room(chat, moderator_client):
    elsewhere = MessageFactory(room=chat.other_room, author=chat.owner, body="elsewhere")
    response = moderator_client.get(CHANGELIST, {"room": chat.other_room.id})
    assert [m.id for m in response.context["cl"].queryset] == [elsewhere.id]
    # The box keeps the other parameters when it is submitted.
    response = moderator_client.get(CHANGELIST, {"room": chat.other_room.id, "q": "elsewhere"})
    assert b'<input type="hidden" name="q" value="elsewhere">' in response.content


def test_messages_cannot_be_added_edited_or_hard_deleted(chat, moderator_client, admin_client):
    message = chat.messages[0]
    for client in (moderator_client, admin_client):
        assert client.get(reverse("admin:messaging_message_add")).status_code == 403
        assert (
            client.post(reverse("admin:messaging_message_change", args=[message.id]), {"body": "x"}).status_code == 403
        )
        assert (
            client.post(reverse("admin:messaging_message_delete", args=[message.id]), {"post": "yes"}).status_code
            == 403
        )
    assert Message.objects.get(pk=message.id).body == message.body


@pytest.mark.django_db(transaction=True)
async def test_soft_delete_reaches_every_socket_in_the_room_and_is_logged():
    chat = await database_sync_to_async(seed_chat)(messages=20)
    moderator = await database_sync_to_async(make_moderator)()
    owner_ws, member_ws = await ws_connect(chat.owner), await ws_connect(chat.members[0])
    await receive_until(member_ws, "hello")
    client = AsyncClient()
    await client.aforce_login(moderator)
    victims = [m for m in chat.messages if m.deleted_at is None][:2]

    await run_action(client, CHANGELIST, "soft_delete", [m.id for m in victims], reason="spam")

    for ws in (owner_ws, member_ws):
        frames = [await receive_until(ws, "message.deleted") for _ in victims]
        assert {frame["message_id"] for frame in frames} == {m.id for m in victims}
        # Each deletion is a change of the room's log: the numbers after the seeded ones.
        assert sorted(frame["seq"] for frame in frames) == [chat.room.seq + 1, chat.room.seq + 2]
    rows = await database_sync_to_async(list)(ModerationAction.objects.order_by("message_id"))
    assert [(r.action, r.actor_id, r.authority, r.message_id, r.reason) for r in rows] == [
        ("message_delete", moderator.id, "staff", m.id, "spam") for m in victims
    ]
    assert rows[0].room_id == chat.room.id and rows[0].target_user_id == victims[0].author_id
    await owner_ws.disconnect()
    await member_ws.disconnect()


def test_soft_deleting_an_already_deleted_message_is_refused_not_repeated(chat, moderator_client):
    gone = next(m for m in chat.messages if m.deleted_at is not None)
    response = moderator_client.post(
        CHANGELIST, {"action": "soft_delete", "_selected_action": [gone.id], "apply": "1", "reason": ""}, follow=True
    )
    assert "Refused" in response.content.decode() and not ModerationAction.objects.exists()


def test_a_moderator_without_the_moderate_permission_sees_no_action(chat, client):
    client.force_login(make_moderator(moderate=False))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "soft_delete" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
    victim = chat.messages[1]
    client.post(CHANGELIST, {"action": "soft_delete", "_selected_action": [victim.id], "apply": "1", "index": "0"})
    assert Message.objects.get(pk=victim.id).deleted_at is None


def test_a_message_page_shows_its_earlier_versions_and_reactions_read_only(
    chat, moderator_client, django_assert_max_num_queries
):
    message = next(m for m in chat.messages if m.deleted_at is None and m.author_id == chat.owner.id)
    message_edit(author=chat.owner, room_id=chat.room.id, message_id=message.id, body="second **version**")
    message_edit(author=chat.owner, room_id=chat.room.id, message_id=message.id, body="third version")
    reaction_add(user=chat.members[0], room_id=chat.room.id, message_id=message.id, emoji="👍")
    with django_assert_max_num_queries(12):
        response = moderator_client.get(reverse("admin:messaging_message_change", args=[message.id]))
    assert response.status_code == 200
    page = response.content.decode()
    versions = list(response.context["inline_admin_formsets"][0].formset.queryset)
    assert [v.body for v in versions] == [message.body, "second **version**"]
    assert "second **version**" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page  # bodies shown as text
    assert "👍" in page and "member0" in page
    for formset in response.context["inline_admin_formsets"]:
        assert not formset.has_add_permission and not formset.has_change_permission
        assert not formset.has_delete_permission
