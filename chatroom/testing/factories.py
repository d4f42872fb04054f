"""factory_boy factories for the chat's models: the shortest way to a user, a room, a member or a message."""

import factory
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db.models import F

from accounts.models import User
from messaging.models import Message
from messaging.rendering import render
from messaging.search import search_index_update
from rooms.models import Membership, Room

PASSWORD = "correct-horse-battery-staple"
# Hashed once, with the fast hasher the tests configure (conftest.py): hashing per
# user with the production hasher would dominate tests that make hundreds.
_PASSWORD_HASH = MD5PasswordHasher().encode(PASSWORD, "factorysalt")


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose password is PASSWORD."""

    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = _PASSWORD_HASH


class RoomFactory(factory.django.DjangoModelFactory):
    """A room with its owner as first member, written directly (no events): use rooms.services to test them."""

    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"room {n}")
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(room, create, extracted, **kwargs):
        if create:
            Membership.objects.create(room=room, user=room.owner, role=Membership.Role.OWNER)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A plain member of a room."""

    class Meta:
        model = Membership

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class MessageFactory(factory.django.DjangoModelFactory):
    """
    A stored message (no push, no mentions), numbered in its room's change log
    and in the search index as a send would leave it: the author should be a
    member of the room.
    """

    class Meta:
        model = Message
        skip_postgeneration_save = True

    room = factory.SubFactory(RoomFactory)
    author = factory.SelfAttribute("room.owner")
    body = factory.Sequence(lambda n: f"message {n}")
    html = factory.LazyAttribute(lambda message: render(message.body, {}).html)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        room = kwargs["room"]
        Room.objects.filter(pk=room.pk).update(seq=F("seq") + 1)
        kwargs["seq"] = room.seq = Room.objects.values_list("seq", flat=True).get(pk=room.pk)
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def search_index(message, create, extracted, **kwargs):
        if create:
            search_index_update(messages=[message], created=message.deleted_at is None)
