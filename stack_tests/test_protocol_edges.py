"""
Frames that the WebSocket layer itself refuses, on the real daphne (directly and
through nginx): never a silent drop. A text frame that is not UTF-8 closes with
1007, one over daphne's 1 MiB limit with 1009 (chatroom/server.py); one over
the protocol's 64 KiB gets a `too_large` error frame and the socket stays open.
"""

import asyncio
import contextlib
import json

import pytest
import websockets
from chat_client import ChatSocket, register

TIMEOUT = 15


@pytest.fixture(params=["worker", "nginx"])
def url(request, stack):
    return stack.worker_url(0) if request.param == "worker" else stack.base_url


async def open_socket(url: str) -> ChatSocket:
    return await ChatSocket.open(url, await register(url, "edge"))


async def close_code(socket: ChatSocket) -> int | None:
    await asyncio.wait_for(socket.closed.wait(), TIMEOUT)
    return socket.connection.close_code


async def still_answers(socket: ChatSocket) -> bool:
    await socket.send({"type": "ping"})
    await socket.wait_for(lambda frame: frame["type"] == "pong")
    return not socket.closed.is_set()


async def test_invalid_utf8_in_a_text_frame_closes_with_1007(url):
    socket = await open_socket(url)
    await socket.connection.send(b'{"type": "ping", "x": "\xff\xfe"}', text=True)
    assert await close_code(socket) == 1007


async def test_a_frame_over_one_mebibyte_closes_with_1009(url):
    socket = await open_socket(url)
    with contextlib.suppress(websockets.ConnectionClosed):  # the server may close before the frame is out
        await socket.connection.send(json.dumps({"type": "ping", "pad": "x" * (1536 * 1024)}))
    assert await close_code(socket) == 1009


async def test_a_frame_over_64_kib_gets_too_large_and_the_socket_stays_open(url):
    socket = await open_socket(url)
    frame = {"type": "message.send", "room": 1, "body": "x" * (100 * 1024), "client_id": "big"}
    await socket.send(frame)
    error = await socket.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "too_large"
    assert await still_answers(socket)
    await socket.close()


async def test_a_binary_frame_gets_bad_json_and_the_socket_stays_open(url):
    socket = await open_socket(url)
    await socket.connection.send(b'{"type": "ping"}')
    error = await socket.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "bad_json"
    assert await still_answers(socket)
    await socket.close()
