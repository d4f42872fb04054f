"""The version 2 migration on a database that already holds version 1 messages."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# Accounts stays at its latest: only the rooms and messages of version 1 are rebuilt.
ACCOUNTS = ("accounts", "0002_username_key_and_token_revocation")
BEFORE = [ACCOUNTS, ("rooms", "0001_initial"), ("messaging", "0001_initial")]
AFTER = [ACCOUNTS, ("rooms", "0002_room_seq"), ("messaging", "0002_version_2_messages")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_messages_are_numbered_and_rendered_per_room():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("accounts", "User")
        Room = apps.get_model("rooms", "Room")
        Membership = apps.get_model("rooms", "Membership")
        Message = apps.get_model("messaging", "Message")
        # Historical models skip User.save(), which keeps username_key: set it as that would.
        alice, bob = (
            User.objects.create(username=name, username_key=name.lower(), password="!") for name in ("alice", "Bob")
        )
        rooms = [Room.objects.create(name=name, owner=alice, invite_code=name) for name in ("a", "b")]
        for room in rooms:
            Membership.objects.create(room=room, user=alice, role="owner")
        Membership.objects.create(room=rooms[0], user=bob, role="member")
        bodies = ["*hi* @bob", "<b>plain</b>", "@bob is not in this room", "hello again"]
        ids = [
            Message.objects.create(room=room, author=alice, body=body).id
            for room, body in zip([rooms[0], rooms[0], rooms[1], rooms[0]], bodies, strict=True)
        ]
    finally:
        apps = migrate(AFTER)
    Room = apps.get_model("rooms", "Room")
    Message = apps.get_model("messaging", "Message")
    MessageMention = apps.get_model("messaging", "MessageMention")
    assert dict(Room.objects.values_list("name", "seq")) == {"a": 3, "b": 1}
    migrated = Message.objects.in_bulk(ids)
    assert [migrated[i].seq for i in ids] == [1, 2, 1, 3]
    bob_id = migrated[ids[0]].mentions[0]
    assert migrated[ids[0]].html == (f'<p><em>hi</em> <span class="mention" data-user-id="{bob_id}">@Bob</span></p>')
    assert migrated[ids[1]].html == "<p>&lt;b&gt;plain&lt;/b&gt;</p>"
    assert migrated[ids[2]].mentions == []  # Bob is not a member there
    assert list(MessageMention.objects.values_list("message_id", "user_id")) == [(ids[0], bob_id)]


@pytest.fixture(autouse=True)
def _schema_restored_after():
    """Leave the database at the latest migrations (the search index included) for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
