"""
Property-based fuzzing of WebSocket frames: whatever a client sends, the server
answers with protocol frames (or nothing), never closes the connection, and
keeps working: a `ping` after each frame still gets its `pong`.
"""

import json

import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ws_connect
from rooms.services import room_create

pytestmark = pytest.mark.django_db(transaction=True)

SERVER_FRAME_TYPES = {"hello", "ack", "message.new", "error", "pong", "room.added", "typing", "presence"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=15,
)
frame_types = st.sampled_from(["message.send", "typing", "read", "ping", "", "hello", "ack", "__init__"]) | st.text(
    max_size=12
)
frames = st.fixed_dictionaries(
    {"type": frame_types},
    optional={
        "room": json_values | st.integers(min_value=-(2**70), max_value=2**70),
        "body": json_values | st.text(max_size=4100),
        "client_id": json_values | st.text(max_size=70),
        "message_id": json_values | st.integers(),
    },
).map(json.dumps)
raw_frames = (
    frames
    | json_values.map(json.dumps)
    | st.text(max_size=300)
    | st.integers(min_value=900, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth)
    | st.integers(min_value=65_000, max_value=70_000).map(
        lambda n: '{"type": "message.send", "body": "' + "x" * n + '"}'
    )
    | st.binary(max_size=300)
).filter(len)  # the test client cannot send an empty frame


@pytest.fixture
async def socket(make_user):
    user = await database_sync_to_async(make_user)("fuzzer")
    room = await database_sync_to_async(room_create)(owner=user, name="fuzz")
    ws = await ws_connect(user)
    assert (await ws.receive_json_from())["type"] == "hello"
    yield ws, room
    await ws.disconnect()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=raw_frames, aim_at_room=st.booleans())
async def test_any_frame_gets_a_protocol_answer_and_the_connection_survives(socket, raw, aim_at_room):
    ws, room = socket
    if aim_at_room and isinstance(raw, str) and raw.startswith('{"type": "message.send"'):
        raw = raw.replace('"type": "message.send"', f'"type": "message.send", "room": {room.id}', 1)
    if isinstance(raw, bytes):
        await ws.send_to(bytes_data=raw)
    else:
        await ws.send_to(text_data=raw)
    await ws.send_json_to({"type": "ping"})
    for _ in range(10):
        output = await ws.receive_output(timeout=3)
        assert output["type"] == "websocket.send", output  # never a close
        frame = json.loads(output["text"])
        assert isinstance(frame, dict) and frame["type"] in SERVER_FRAME_TYPES, frame
        if frame["type"] == "error":
            assert frame["code"] in {"bad_json", "unknown_type", "invalid", "not_member", "rate_limited", "too_large"}
        if frame["type"] == "pong":
            break
    else:
        raise AssertionError("no pong")
