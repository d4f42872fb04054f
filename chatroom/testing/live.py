"""Drive the admin over HTTP as a moderator would, and watch what connected sockets receive."""

import asyncio

from channels.testing import WebsocketCommunicator
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import AsyncClient

from chatroom.realtime.presence import get_presence

# Generous: a slow machine must not fail a test; a passing test never waits this long.
TIMEOUT = 5


async def receive_until(ws: WebsocketCommunicator, frame_type: str) -> dict:
    """The next frame of `frame_type`, skipping the others (hello, presence, ...)."""
    while True:
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == frame_type:
            return frame


async def receive_close(ws: WebsocketCommunicator) -> int:
    """Wait for the server to close the socket; return the close code."""
    while True:
        output = await ws.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output["code"]


async def run_action(client: AsyncClient, changelist_url: str, action: str, ids, **fields) -> None:
    """
    Pick `action` for the objects `ids` on a changelist, as the admin's action
    bar posts it; then fill in the intermediate page with `fields` and submit.
    """
    chosen = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in ids]}
    page = await client.post(changelist_url, {**chosen, "index": "0"})
    assert page.status_code == 200, page.status_code
    assert b'name="apply"' in page.content
    done = await client.post(changelist_url, {**chosen, **fields, "apply": "1"})
    assert done.status_code == 302, done.content[:2000]
    assert done["Location"] == changelist_url


async def presence_settled(seconds: float) -> None:
    """Let `seconds` pass, then have every offline due by then announced and delivered."""
    await asyncio.sleep(seconds)
    presence = get_presence()
    presence.request_sweep()
    await presence.flush()
    await asyncio.sleep(0.1)  # through the channel layer and the hub to the socket
