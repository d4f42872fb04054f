import pytest
from django.urls import reverse

from chatroom.testing.seed import make_moderator, seed_chat
from messaging.models import Message
from moderation.models import ModerationAction
from rooms import services

LOG = reverse("admin:moderation_moderationaction_changelist")
EVERY_LIST = [
    reverse(f"admin:{name}_changelist")
    for name in (
        "accounts_user",
        "rooms_room",
        "rooms_membership",
        "rooms_roomban",
        "messaging_message",
        "moderation_moderationaction",
    )
]


@pytest.fixture
def chat(db):
    chat = seed_chat(members=80, messages=20)
    # A log of 150 rows: bans and unbans by the owner, and by a moderator acting as staff.
    staff = make_moderator("staffer")
    ModerationAction.objects.bulk_create(
        ModerationAction(
            actor=staff if i % 2 else chat.owner,
            authority="staff" if i % 2 else "owner",
            action="member_unban" if i % 3 else "member_ban",
            target_user=chat.members[i % 80],
            room=chat.room,
            target=f"{chat.members[i % 80]} in general (#{chat.room.id})",
            reason=f"because {i}",
        )
        for i in range(150)
    )
    return chat


def test_every_admin_list_loads_for_a_moderator(chat, moderator_client, django_assert_max_num_queries):
    for url in [reverse("admin:index"), *EVERY_LIST]:
        with django_assert_max_num_queries(10):
            response = moderator_client.get(url)
        assert response.status_code == 200, url


def test_the_log_page_and_its_filters(chat, moderator_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = moderator_client.get(LOG)
    assert len(response.context["cl"].result_list) == 100

    def shown(**query) -> set[int]:
        return {entry.id for entry in moderator_client.get(LOG, query).context["cl"].queryset}

    log = ModerationAction.objects.all()
    assert shown(action="member_unban") == {e.id for e in log if e.action == "member_unban"}
    assert shown(authority="staff") == {e.id for e in log if e.authority == "staff"}
    assert shown(actor="STAFFER") == shown(authority="staff")
    assert shown(target="member3") == {e.id for e in log if e.target_user_id == chat.members[3].id}
    assert shown(room=chat.room.id) == {e.id for e in log}
    assert shown(room=chat.other_room.id) == set()
    assert shown(q='"because 17"') == {e.id for e in log if e.reason == "because 17"}
    entry = log.first()
    with django_assert_max_num_queries(10):
        response = moderator_client.get(reverse("admin:moderation_moderationaction_change", args=[entry.id]))
    assert response.status_code == 200


def test_the_log_is_read_only_even_for_superusers(chat, admin_client):
    entry = ModerationAction.objects.first()
    assert admin_client.get(reverse("admin:moderation_moderationaction_add")).status_code == 403
    change = reverse("admin:moderation_moderationaction_change", args=[entry.id])
    assert admin_client.post(change, {"reason": "rewritten"}).status_code == 403
    delete = reverse("admin:moderation_moderationaction_delete", args=[entry.id])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    response = admin_client.post(LOG, {"action": "delete_selected", "_selected_action": [entry.id], "post": "yes"})
    assert ModerationAction.objects.filter(pk=entry.id, reason=entry.reason).exists()
    assert response.status_code == 200  # the list again: no such action


def test_entries_of_a_deleted_room_keep_their_ids_and_description(chat, moderator_client):
    room_id = chat.room.id
    services.room_delete(actor=chat.owner, room_id=room_id)
    content = moderator_client.get(LOG, {"room": room_id}).content.decode()
    assert f"member69 in general (#{room_id})" in content and f"general (#{room_id})</td>" in content
    assert ModerationAction.objects.filter(room_id=room_id).count() == 151


@pytest.mark.parametrize("who", ["anonymous", "member", "staff without view rights"])
def test_only_staff_reach_the_admin(chat, client, make_user, who):
    if who == "member":
        client.force_login(chat.owner)
    elif who == "staff without view rights":
        client.force_login(make_user(is_staff=True))
    for url in [*EVERY_LIST, reverse("admin:rooms_room_chat", args=[chat.room.id])]:
        response = client.get(url)
        if who == "staff without view rights":
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


def test_the_user_picker_searches_users_by_name(chat, moderator_client):
    response = moderator_client.post(
        reverse("admin:rooms_room_changelist"),
        {"action": "ban_user", "_selected_action": [chat.room.id], "index": "0"},
    )
    assert response.status_code == 200 and 'data-model-name="roomban"' in response.content.decode()
    found = moderator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "rooms", "model_name": "roomban", "field_name": "user", "term": "member11"},
    )
    assert [result["text"] for result in found.json()["results"]] == ["member11"]


def test_the_chat_page_sends_selected_messages_to_the_delete_action(chat, moderator_client):
    page = moderator_client.get(reverse("admin:rooms_room_chat", args=[chat.room.id])).content.decode()
    changelist = reverse("admin:messaging_message_changelist")
    assert f'action="{changelist}"' in page and 'name="action" value="soft_delete"' in page
    victim = Message.objects.filter(deleted_at__isnull=True).first()
    assert f'name="_selected_action" value="{victim.id}"' in page
    # What that form posts: the intermediate page, then the deletion.
    confirm = moderator_client.post(changelist, {"action": "soft_delete", "_selected_action": [victim.id]})
    assert confirm.status_code == 200 and b'name="apply"' in confirm.content
    moderator_client.post(changelist, {"action": "soft_delete", "_selected_action": [victim.id], "apply": "1"})
    assert Message.objects.get(pk=victim.id).deleted_at is not None
