"""
The python-socketio reference: a room served the way the system we replace
serves it (Flask-SocketIO's stack without Flask), so that "faster than what it
replaces" is measured in every run, with the same load shape.

- python-socketio on eventlet (monkey-patched: a greenlet per socket and per
  event, as `socketio.run(app)` with eventlet installed does), Engine.IO 4 over
  its WebSocket transport;
- every `message.send` event stored in MariaDB through PyMySQL (one INSERT and
  commit per message, connections from a small pool, as Flask-SQLAlchemy's
  default pool of 5 + 10 overflow would give), then one room emit of
  `message.new` (the sender included) and the stored message as the event's
  acknowledgement (Socket.IO's `43<id>[...]`);
- a `hello` event on connect, with the socket's user and rooms.

Like the raw `websockets` reference (bench/reference.py) it has no accounts:
the socket's user and rooms come from the query string
(`/socket.io/?EIO=4&transport=websocket&user=7&rooms=1,2`). A send to a room
the socket is not in is refused (`{"error": {"code": "not_member"}}` as the
ack), and so is a body that is not 1-4,000 characters of text (`invalid`).

    python -m bench.socketio_server --port 29001 --database mysql://user:pw@127.0.0.1:3306/db
"""

import eventlet

eventlet.monkey_patch()  # before anything opens a socket: PyMySQL's sockets must be green too

import argparse  # noqa: E402
import contextlib  # noqa: E402
import logging  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from urllib.parse import parse_qs, unquote, urlsplit  # noqa: E402

import eventlet.queue  # noqa: E402
import eventlet.wsgi  # noqa: E402
import pymysql  # noqa: E402
import socketio  # noqa: E402

BODY_MAX_LENGTH = 4000
POOL_SIZE = 15  # Flask-SQLAlchemy's default QueuePool: 5, plus 10 overflow

SCHEMA = """
CREATE TABLE IF NOT EXISTS bench_socketio_message (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    room_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    client_id VARCHAR(64) NULL,
    created_at DATETIME(6) NOT NULL,
    KEY bench_socketio_message_room (room_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
"""
INSERT = (
    "INSERT INTO bench_socketio_message (room_id, author_id, body, client_id, created_at) VALUES (%s, %s, %s, %s, %s)"
)


class Pool:
    """A fixed pool of PyMySQL connections shared by the greenlets; a sender waits for a free one."""

    def __init__(self, url: str, size: int):
        parts = urlsplit(url)
        self.options = {
            "host": parts.hostname,
            "port": parts.port or 3306,
            "user": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "database": parts.path.lstrip("/"),
            "charset": "utf8mb4",
            "autocommit": False,
        }
        self.free: eventlet.queue.LightQueue = eventlet.queue.LightQueue()
        for _ in range(size):
            self.free.put(pymysql.connect(**self.options))

    @contextlib.contextmanager
    def connection(self):
        connection = self.free.get()
        try:
            yield connection
        finally:
            self.free.put(connection)


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_app(database: str, ping_interval: float = 25) -> socketio.WSGIApp:
    pool = Pool(database, POOL_SIZE)
    with pool.connection() as connection, connection.cursor() as cursor:
        cursor.execute(SCHEMA)
        connection.commit()
    # Engine.IO's heartbeat (its defaults: a ping every 25 s, 20 s for the answer) stays on.
    sio = socketio.Server(
        async_mode="eventlet",
        transports=["websocket"],
        ping_interval=ping_interval,
        ping_timeout=min(20, ping_interval),
    )
    sockets: dict[str, tuple[dict, frozenset[int]]] = {}  # sid -> (user, rooms)

    @sio.event
    def connect(sid, environ, auth=None):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        user_id = int(query["user"][0])
        rooms = frozenset(int(r) for r in query.get("rooms", [""])[0].split(",") if r)
        user = {"id": user_id, "username": f"user{user_id}", "avatar": None, "date_joined": "2026-01-01T00:00:00.000Z"}
        sockets[sid] = (user, rooms)
        for room in rooms:
            sio.enter_room(sid, f"room.{room}")
        sio.emit("hello", {"user": user, "rooms": sorted(rooms)}, to=sid)

    @sio.event
    def disconnect(sid, reason=None):
        sockets.pop(sid, None)

    @sio.on("message.send")
    def message_send(sid, data):
        user, rooms = sockets[sid]
        data = data if isinstance(data, dict) else {}
        client_id, room, body = data.get("client_id"), data.get("room"), data.get("body")
        if room not in rooms:
            return {"client_id": client_id, "error": {"code": "not_member"}}
        body = body.strip() if isinstance(body, str) else ""
        if not body or len(body) > BODY_MAX_LENGTH:
            return {"client_id": client_id, "error": {"code": "invalid"}}
        now = datetime.now(UTC)
        with pool.connection() as connection, connection.cursor() as cursor:
            cursor.execute(INSERT, (room, user["id"], body, client_id, now.replace(tzinfo=None)))
            message_id = cursor.lastrowid
            connection.commit()
        message = {
            "id": message_id,
            "room": room,
            "author": user,
            "body": body,
            "created_at": timestamp(now),
            "client_id": client_id,
        }
        sio.emit("message.new", {"message": message}, to=f"room.{room}")
        return {"client_id": client_id, "message": message}

    @sio.on("ping")
    def ping(sid, data=None):
        sio.emit("pong", to=sid)

    return socketio.WSGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="mysql://user:password@host:port/name")
    parser.add_argument("--ping-interval", type=float, default=25, help="Engine.IO heartbeat, seconds")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app = make_app(args.database, args.ping_interval)
    # A backlog and a greenlet limit for a storm of 1,000 sockets (eventlet's defaults: 50 and 1,024).
    listener = eventlet.listen((args.host, args.port), backlog=2048)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=20_000)


if __name__ == "__main__":
    main()
