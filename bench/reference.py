"""
The reference: a minimal raw `websockets` broadcast server, the practical
Python limit the chat server is compared with.

It speaks just enough of docs/PROTOCOL.md for the benchmark: `hello` on
connect, `message.send` answered by `ack` and a `message.new` encoded once and
broadcast to the room, `ping`. Nothing is stored or checked; the socket's user
and rooms come from the query string (`?user=7&rooms=1,2`) instead of a ticket.

    python -m bench.reference --port 29001
"""

import argparse
import asyncio
import itertools
import json
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

rooms: dict[int, set[ServerConnection]] = defaultdict(set)
message_ids = itertools.count(1)


def encode(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


async def handler(ws: ServerConnection) -> None:
    query = parse_qs(urlsplit(ws.request.path).query)
    user_id = int(query["user"][0])
    room_ids = [int(r) for r in query.get("rooms", [""])[0].split(",") if r]
    user = {
        "id": user_id,
        "username": f"user{user_id}",
        "display_name": f"user{user_id}",
        "avatar": None,
        "date_joined": "2026-01-01T00:00:00.000Z",
    }
    for room_id in room_ids:
        rooms[room_id].add(ws)
    try:
        await ws.send(encode({"type": "hello", "user": user, "rooms": room_ids}))
        async for text in ws:
            frame = json.loads(text)
            if frame.get("type") == "ping":
                await ws.send('{"type":"pong"}')
            elif frame.get("type") == "message.send" and frame.get("room") in room_ids:
                now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                message = {
                    "id": next(message_ids),
                    "room": frame["room"],
                    "author": user,
                    "body": frame["body"].strip(),
                    "created_at": now,
                    "client_id": frame.get("client_id"),
                }
                await ws.send(encode({"type": "ack", "client_id": frame.get("client_id"), "message": message}))
                broadcast(rooms[frame["room"]], encode({"type": "message.new", "message": message}))
    except ConnectionClosed:
        pass
    finally:
        for room_id in room_ids:
            rooms[room_id].discard(ws)


async def main(host: str, port: int) -> None:
    async with serve(handler, host, port, compression=None, max_size=64 * 1024, ping_interval=None) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
