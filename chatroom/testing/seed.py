"""A seeded chat for the admin tests: rooms, members, messages (numbered as the services would), bans, a moderator."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import User
from chatroom.testing.factories import PASSWORD
from messaging.models import Message
from messaging.rendering import render
from messaging.search import search_index_update
from moderation.roles import MODERATOR_PERMISSIONS, MODERATORS_GROUP
from rooms import services as room_services
from rooms.models import Membership, Room, RoomBan


def make_moderator(username: str = "moderator", *, moderate: bool = True) -> User:
    """A staff user in the Moderators group, or with the group's view rights only if `moderate` is False."""
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    if moderate:
        user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    else:
        for app_label, codename in MODERATOR_PERMISSIONS:
            if codename != "moderate":
                user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh instance: permissions are cached per instance


@dataclass
class Chat:
    owner: User
    members: list[User]
    room: Room
    other_room: Room
    messages: list[Message]


def seed_chat(*, members: int = 3, messages: int = 150) -> Chat:
    """Two rooms, an owner and `members` members in the first, `messages` messages (every tenth deleted), one ban."""
    password = make_password(PASSWORD)
    owner = User.objects.create(username="owner", password=password)
    # bulk_create skips save(), which keeps username_key: set it here.
    people = User.objects.bulk_create(
        User(username=f"member{i}", username_key=f"member{i}", password=password) for i in range(members)
    )
    room = room_services.room_create(owner=owner, name="general")
    other_room = room_services.room_create(owner=owner, name="random")
    Membership.objects.bulk_create(Membership(room=room, user=person) for person in people)
    authors = [owner, *people]
    bodies = [f"message {i}: <b>not bold</b>" for i in range(messages)]
    stored = Message.objects.bulk_create(
        Message(room=room, author=authors[i % len(authors)], body=body, html=render(body, {}).html, seq=i + 1)
        for i, body in enumerate(bodies)
    )
    # Deletions are changes too: they take the numbers after the sends, as the services number them.
    deleted = stored[::10]
    for seq, message in enumerate(deleted, start=messages + 1):
        message.deleted_at, message.seq = timezone.now(), seq
    Message.objects.bulk_update(deleted, ["deleted_at", "seq"])
    Room.objects.filter(pk=room.pk).update(seq=messages + len(deleted))
    RoomBan.objects.create(room=other_room, user=people[0], banned_by=owner)
    room.refresh_from_db()
    messages = list(Message.objects.all())
    search_index_update(messages=[m for m in messages if m.deleted_at is None], created=True)
    return Chat(owner=owner, members=people, room=room, other_room=other_room, messages=messages)
