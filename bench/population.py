"""
The benchmark's users, rooms and socket addresses.

On the chat server everything goes through the public interface: users
register through the REST API, create and join rooms with invite codes, and
each socket opens with a one-time ticket from `auth/ws-ticket/`. The reference
servers have no accounts: a socket names its user and rooms in the query string.

Layout: `users` users, each in the fan-out room and in one of the small rooms
(`room_users` users per small room). A user may open several sockets, as a user
with several tabs does, so that 1,000 sockets need only 100 registrations
(each costs the server half a CPU-second of password hashing).
"""

import json
import secrets
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.servers import Target


class ApiError(RuntimeError):
    pass


def api(base_url: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback URL built here)
        f"{base_url}/api/{path}", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback URL built here)
            raw = response.read()
    except urllib.error.HTTPError as error:
        raise ApiError(f"{method} {path}: {error.code} {error.read()[:200]!r}") from None
    return json.loads(raw) if raw else {}


@dataclass
class Population:
    target: "Target"
    tokens: list[str]  # per user; empty on the reference
    user_ids: list[int]
    small_rooms: list[int]
    room_users: int
    run: str
    fanout_room: int | None = None  # only during the fan-out scenario

    def rooms_of(self, user: int) -> list[int]:
        small = self.small_rooms[user // self.room_users]
        return [small] if self.fanout_room is None else [self.fanout_room, small]

    def join_fanout(self) -> None:
        """
        Put every user in one more room, for the fan-out scenario only: in the
        other scenarios a room of every user would get each user's presence.
        """
        if self.target.kind != "chat":
            self.fanout_room = 0
            return
        base = self.target.base_url()
        room = api(base, "POST", "rooms/", {"name": f"fan-out {self.run}"}, self.tokens[0])
        writers = 2 if self.target.concurrent_writes else 1
        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(
                pool.map(
                    lambda token: api(base, "POST", "rooms/join/", {"invite_code": room["invite_code"]}, token),
                    self.tokens[1:],
                )
            )
        self.fanout_room = room["id"]

    def drop_fanout(self) -> None:
        """Delete the fan-out room, so that the population can serve another run on the same database."""
        if self.target.kind == "chat" and self.fanout_room is not None:
            api(self.target.base_url(), "DELETE", f"rooms/{self.fanout_room}/", token=self.tokens[0])
        self.fanout_room = None

    def socket_targets(self, users: list[int], first_sid: int) -> list[tuple[int, str, str]]:
        """(sid, url, origin) for one socket per entry of `users`, spread over the server's ports."""
        if self.target.kind == "chat":
            with ThreadPoolExecutor(max_workers=8) as pool:
                tickets = list(
                    pool.map(
                        lambda u: api(self.target.base_url(u), "POST", "auth/ws-ticket/", token=self.tokens[u])[
                            "ticket"
                        ],
                        users,
                    )
                )
        targets = []
        for index, user in enumerate(users):
            sid = first_sid + index
            base = self.target.base_url(sid)
            if self.target.kind == "chat":
                path = f"/ws/chat/?ticket={tickets[index]}"
            else:
                path = f"/ws/chat/?user={self.user_ids[user]}&rooms={','.join(map(str, self.rooms_of(user)))}"
                if self.target.kind == "socketio":  # Engine.IO 4 straight over its WebSocket transport
                    path = path.replace("/ws/chat/?", "/socket.io/?EIO=4&transport=websocket&", 1)
            targets.append((sid, f"{base.replace('http', 'ws', 1)}{path}", base))
        return targets


def populate(target: "Target", *, users: int, room_users: int) -> Population:
    """Register the users and put them in their small rooms (chat), or make up ids (the references)."""
    small_room_count = users // room_users
    run = secrets.token_hex(3)
    if target.kind != "chat":
        return Population(target, [], list(range(1, users + 1)), list(range(1, 1 + small_room_count)), room_users, run)
    password = f"Bench-{secrets.token_hex(8)}"

    def register(index: int) -> dict:
        return api(
            target.base_url(index), "POST", "auth/register/", {"username": f"b{run}_{index}", "password": password}
        )

    writers = 2 if target.concurrent_writes else 1
    with ThreadPoolExecutor(max_workers=writers) as pool:
        registered = list(pool.map(register, range(users)))
    tokens = [r["access"] for r in registered]
    base = target.base_url()
    small = [
        api(base, "POST", "rooms/", {"name": f"small {run} {i}"}, tokens[i * room_users])
        for i in range(small_room_count)
    ]

    def join(user: int) -> None:
        api(base, "POST", "rooms/join/", {"invite_code": small[user // room_users]["invite_code"]}, tokens[user])

    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(join, [user for user in range(users) if user % room_users]))
    return Population(target, tokens, [r["user"]["id"] for r in registered], [r["id"] for r in small], room_users, run)
