import pytest

from messaging import services as messaging
from rooms.selectors import room_get_for_member, room_list_for_user

pytestmark = pytest.mark.django_db


def test_deleted_messages_are_neither_unread_nor_the_last_message(room, member):
    kept = messaging.message_send(author=room.owner, room_id=room.id, body="kept").message
    for body in ("gone 1", "gone 2"):
        gone = messaging.message_send(author=room.owner, room_id=room.id, body=body).message
        messaging.message_delete(actor=room.owner, room_id=room.id, message_id=gone.id)
    seen = room_get_for_member(user=member, room_id=room.id)
    assert seen.unread_count == 1
    assert seen.last_message.id == kept.id
    [listed] = room_list_for_user(user=member)
    assert (listed.unread_count, listed.last_message.id) == (1, kept.id)


def test_a_room_whose_every_message_is_deleted_has_no_last_message(room, member):
    gone = messaging.message_send(author=room.owner, room_id=room.id, body="gone").message
    messaging.message_delete(actor=room.owner, room_id=room.id, message_id=gone.id)
    seen = room_get_for_member(user=member, room_id=room.id)
    assert (seen.unread_count, seen.last_message) == (0, None)
