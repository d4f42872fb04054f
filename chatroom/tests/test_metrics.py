"""/metrics: django-prometheus's HTTP and database metrics and the chat's own, counted where they happen."""

import pytest
from channels.db import database_sync_to_async
from prometheus_client import REGISTRY

from chatroom.realtime import protocol
from chatroom.realtime.events import to_room
from chatroom.realtime.hub import HEARTBEAT_EVENT
from chatroom.testing.live import receive_until
from chatroom.tests.test_hub import FakeSocket, hub_with
from conftest import ws_connect
from messaging.services import message_send
from rooms import services as room_services


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_served_to_the_scraper_whatever_its_host_name(client, settings):
    settings.ALLOWED_HOSTS = ["chat.example.com"]
    client.get("/api/me/", HTTP_HOST="chat.example.com")  # one request for the HTTP metrics to count
    response = client.get("/metrics", HTTP_HOST="web1:8000")
    assert response.status_code == 200
    text = response.content.decode()
    for name in (
        "chat_sockets_open",
        "chat_messages_stored_total",
        "chat_push_deliveries_total",
        "chat_frames_refused_total",
        "chat_send_seconds_bucket",
        "chat_layer_events_lost_total",
        "django_http_requests_total_by_method_total",
        "django_db_execute_total",
    ):
        assert name in text, name


def test_metrics_through_a_proxy_are_refused(client):
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403
    assert b"chat_" not in response.content


def test_a_stored_message_is_counted_once_and_a_repeat_not_at_all(room, django_capture_on_commit_callbacks):
    before = sample("chat_messages_stored_total")
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=room.owner, room_id=room.id, body="hello", client_id="c1")
        message_send(author=room.owner, room_id=room.id, body="hello", client_id="c1")
    assert sample("chat_messages_stored_total") == before + 1


async def test_one_fan_out_counts_a_delivery_per_socket_with_one_increment():
    sockets = [FakeSocket(1), FakeSocket(2), FakeSocket(3)]
    hub = await hub_with(*sockets)
    before = sample("chat_push_deliveries_total")
    await hub.deliver(to_room(1, protocol.message_deleted(room=1, message_id=5, seq=9), exclude_user=3)[1])
    assert sample("chat_push_deliveries_total") == before + 2


async def test_a_resync_after_lost_events_is_counted():
    hub = await hub_with(FakeSocket(1))
    before = sample("chat_layer_events_lost_total")
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 1})
    await hub.deliver({"type": HEARTBEAT_EVENT, "seq": 3})
    assert sample("chat_layer_events_lost_total") == before + 1


@pytest.mark.django_db(transaction=True)
async def test_sockets_sends_and_refused_frames_are_counted(make_user):
    alice = await database_sync_to_async(make_user)("alice")
    room = await database_sync_to_async(room_services.room_create)(owner=alice, name="general")
    open_before, sends_before = sample("chat_sockets_open"), sample("chat_send_seconds_count")
    refused_before = sample("chat_frames_refused_total", code="bad_json")

    ws = await ws_connect(alice)
    await ws.receive_json_from()  # hello
    assert sample("chat_sockets_open") == open_before + 1
    await ws.send_json_to({"type": "message.send", "room": room.id, "body": "hi", "client_id": "m1"})
    assert (await receive_until(ws, "ack"))["client_id"] == "m1"
    assert sample("chat_send_seconds_count") == sends_before + 1
    await ws.send_to(text_data="{not json")
    assert (await receive_until(ws, "error"))["code"] == "bad_json"
    assert sample("chat_frames_refused_total", code="bad_json") == refused_before + 1
    await ws.disconnect()
    assert sample("chat_sockets_open") == open_before
