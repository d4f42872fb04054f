"""Publishing on commit, collected for the caller to send from its event loop (the send batcher)."""

import pytest
from django.db import transaction

from chatroom.realtime import protocol
from chatroom.realtime.events import publish_on_commit, publishes_collected, to_room

pytestmark = pytest.mark.django_db(transaction=True)


def test_what_commits_within_the_block_is_collected_not_sent(published):
    event = to_room(7, protocol.pong())
    with publishes_collected() as collected:
        with transaction.atomic():
            publish_on_commit([event])
            assert collected == []  # not before the commit
        assert collected == [event]
    assert published == []
    with transaction.atomic():
        publish_on_commit([event])
    assert published.frames("room.7") == [{"type": "pong"}]  # outside the block: sent on commit


def test_a_transaction_that_commits_after_the_block_publishes_as_usual(published):
    event = to_room(7, protocol.pong())
    with transaction.atomic():
        with publishes_collected() as collected:
            publish_on_commit([event])
        assert collected == []
    assert collected == [] and published.frames("room.7") == [{"type": "pong"}]
