"""
events.publish_batch: a batch of pushes in one pipelined round trip on Redis
pub/sub, received through the channel layer exactly as group_send's, in order.
"""

import os

import pytest
from channels.layers import get_channel_layer

from chatroom.realtime import events, protocol
from chatroom.realtime.events import publish_batch, to_room

REDIS_URL = os.environ.get("REDIS_URL", "")


async def test_on_redis_a_batch_arrives_through_the_layer_in_order(settings):
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (make test-mariadb runs this on a real Redis)")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"test-batch-{os.getpid()}"},
        }
    }
    layer = get_channel_layer()
    assert events._pipelines(layer)
    channel = await layer.new_channel()
    await layer.group_add("room.7", channel)
    await layer.group_add("room.8", channel)
    try:
        batch = [to_room(7, protocol.pong()), to_room(8, protocol.pong()), to_room(7, protocol.pong())]
        await publish_batch(batch)
        received = [await layer.receive(channel) for _ in batch]
        assert [envelope["room"] for envelope in received] == [7, 8, 7]
        assert received == [envelope for _, envelope in batch]
    finally:
        await layer.flush()


async def test_other_layers_publish_each_event_through_group_send(monkeypatch, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    sent = []

    async def group_send(group, envelope):
        sent.append(group)

    layer = get_channel_layer()
    monkeypatch.setattr(layer, "group_send", group_send)
    assert not events._pipelines(layer)
    await publish_batch([to_room(7, protocol.pong()), to_room(8, protocol.pong())])
    assert sent == ["room.7", "room.8"]
