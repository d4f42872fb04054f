"""
The WebSocket endpoint `/ws/chat/`: one socket per browser tab, carrying every
room of its user (docs/PROTOCOL.md). Frames in are validated and handed to
services; events out arrive through the process hub (chatroom.realtime.hub).
"""

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.serializers import user_frame_data
from chatroom import metrics
from chatroom.db import database_sync_to_async
from chatroom.exceptions import ChatError, Unavailable
from chatroom.frame_validation import validate_frame
from chatroom.i18n import language_from_scope
from chatroom.realtime import protocol
from chatroom.realtime.events import session_id
from chatroom.realtime.frames import WIRE_EXTENSION, OutgoingFrame, encode_frame
from chatroom.realtime.hub import get_hub
from chatroom.realtime.presence import presence_connect, presence_disconnect
from messaging.batching import get_batcher
from messaging.serializers import (
    MessageEditFrameSerializer,
    MessageFrameSerializer,
    MessageSendFrameSerializer,
    ReactionFrameSerializer,
    ReadFrameSerializer,
    RoomFrameSerializer,
)
from messaging.services import (
    ChangeResult,
    SendRequest,
    message_delete,
    message_edit,
    message_mark_read,
    reaction_add,
    reaction_remove,
    typing_notify,
)
from rooms.selectors import room_seqs_for_user

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("chatroom.security")


class FrameError(ChatError):
    """A frame refused before it reached a service: bad JSON, unknown type, too large."""

    def __init__(self, code: str, detail: str):
        self.code = code
        super().__init__(detail)


Handler = Callable[["ChatConsumer", dict], Awaitable[None]]


@dataclass(frozen=True)
class ClientFrame:
    """A frame type the client may send: the serializer that validates it, and the handler of its data."""

    serializer: type[serializers.Serializer] | None
    handler: Handler


# Frame type -> how to take it. A new client frame is one serializer and one
# handler method decorated with @client_frame; docs/PROTOCOL.md lists them.
CLIENT_FRAMES: dict[str, ClientFrame] = {}


def client_frame(frame_type: str, serializer: type[serializers.Serializer] | None = None):
    """Register the decorated consumer method as the handler of `frame_type`, called with the validated data."""

    def register(handler: Handler) -> Handler:
        CLIENT_FRAMES[frame_type] = ClientFrame(serializer, handler)
        return handler

    return register


class ChatConsumer(AsyncWebsocketConsumer):
    # Events reach sockets through the process hub, not through a channel per socket.
    channel_layer_alias = None

    user_id: int
    room_ids: set[int]
    session_id: str | None = None  # set when the browser session authenticated the socket: it ends with it
    hub = None
    held: list[OutgoingFrame] | None = None  # frames pushed before hello, written right after it
    write_wire = None  # the server's prebuilt-frame writer (chatroom.realtime.frames), when it offers one
    presence_id: str | None = None  # this socket in the presence tracker

    async def dispatch(self, message):
        """
        Dispatch without Channels' aclose_old_connections() thread hop on every
        frame: this consumer reaches the ORM only through database_sync_to_async,
        which closes stale connections itself.
        """
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Lifecycle -----------------------------------------------------------

    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            security_logger.info(
                "websocket unauthenticated", extra={"event": "ws.unauthenticated", "client": self.scope.get("client")}
            )
            await self.close(code=protocol.CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.user_id = user.id
        # The language of this socket's error frames: the user's own, else the page's (cookie, Accept-Language).
        self.language = language_from_scope(self.scope, preferred=user.language)
        # A plain dict: DRF's ReturnDict would keep its serializer (and its fields) alive with the socket, ~6 KiB.
        self.user_data = user_frame_data(user)
        self.room_ids = set()
        self.session_id = _session_id(self.scope)
        # Read before subscribing: a change committed in between is then either pushed
        # or after the seq that hello reports, so the client's catch-up finds it.
        # Off the one thread-sensitive database thread (a read in its own autocommit): a storm of
        # handshakes reads side by side instead of queueing behind each other and the send batches.
        seqs = await database_sync_to_async(room_seqs_for_user, thread_sensitive=False)(user=user)
        hub = await get_hub()
        # Counted and joined with no await between: concurrent handshakes cannot both slip under the cap.
        limit = settings.CHAT_MAX_SOCKETS_PER_USER
        if limit and len(hub.user_sockets.get(user.id, ())) >= limit:
            security_logger.warning(
                "websocket refused: too many sockets",
                extra={"event": "ws.too_many_sockets", "user_id": user.id, "limit": limit},
            )
            await self.close(code=protocol.CLOSE_TOO_MANY_SOCKETS)
            return
        self.hub = hub
        # Subscribe before hello so that nothing is missed, but hold what the hub pushes
        # meanwhile (another member's presence, a message) until hello is out: hello comes first.
        self.held = []
        await self.hub.attach(self, set(seqs))
        self.write_wire = self.scope.get("extensions", {}).get(WIRE_EXTENSION, {}).get("write")
        await self.write(OutgoingFrame(encode_frame(protocol.hello(user=self.user_data, seqs=seqs))))
        held, self.held = self.held, None
        for frame in held:
            await self.write(frame)
        metrics.sockets_open.inc()
        self.presence_id = presence_connect(user=self.user_data, room_ids=set(self.room_ids))

    async def disconnect(self, code):
        await self.release()

    async def __call__(self, scope, receive, send):
        """
        Run the consumer, and release the socket however it ends: a crash ends
        the application without `disconnect`, and a socket left in the hub and
        counted online would stay so for the life of the worker.
        """
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.release()

    async def release(self) -> None:
        """Leave the hub and count the socket closed for presence; once, whichever way the socket ended."""
        if self.hub is None:
            return
        metrics.sockets_open.dec()
        hub, self.hub = self.hub, None
        try:
            await hub.detach(self)
        finally:
            if self.presence_id is not None:
                presence_disconnect(socket_id=self.presence_id)

    # --- Frames from the client ---------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.hub is None:  # closed as unauthenticated; nothing to answer
            return
        translation.activate(self.language)  # this socket's task only: texts made while handling the frame
        client_id = None
        try:
            frame = self._parse(text_data)
            client_id = echoable(frame.get("client_id"))
            kind = CLIENT_FRAMES.get(frame["type"]) if isinstance(frame.get("type"), str) else None
            if kind is None:
                raise FrameError("unknown_type", _("Unknown or missing frame type."))
            await kind.handler(self, _validated(kind.serializer, frame))
        except ChatError as error:
            await self.send_error(error, client_id)
        except Exception:
            # A backing service failed (the database, or the cache during a Redis restart): answer
            # and keep the socket, which a crash would close with 1011 just when reconnecting fails.
            logger.exception("frame from user %s failed", self.user_id)
            await self.send_error(Unavailable(), client_id)

    def _parse(self, text_data: str | None) -> dict:
        if text_data is None:
            raise FrameError("bad_json", _("Frames must be JSON text, not binary."))
        limit = settings.CHAT_MAX_FRAME_BYTES
        if len(text_data) > limit // 4 and len(text_data.encode("utf-8", "surrogatepass")) > limit:
            raise FrameError("too_large", _("Frames are limited to %(kib)d KiB.") % {"kib": limit // 1024})
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nesting too deep for the parser
            raise FrameError("bad_json", _("The frame is not valid JSON.")) from None
        if not isinstance(frame, dict):
            raise FrameError("bad_json", _("The frame must be a JSON object."))
        return frame

    @client_frame("message.send", MessageSendFrameSerializer)
    async def on_message_send(self, data: dict) -> None:
        started = time.perf_counter()
        request = SendRequest(
            self.user, data["room"], data["body"], data["client_id"], data["reply_to"], tuple(data["attachments"])
        )
        result = await get_batcher().send(request)
        await self.send_frame(protocol.ack(client_id=data["client_id"], message=result.message_data()))
        metrics.send_seconds.observe(time.perf_counter() - started)

    @client_frame("message.edit", MessageEditFrameSerializer)
    async def on_message_edit(self, data: dict) -> None:
        result = await database_sync_to_async(message_edit)(
            author=self.user, room_id=data["room"], message_id=data["message_id"], body=data["body"]
        )
        await self.ack_change(data, result)

    @client_frame("message.delete", MessageFrameSerializer)
    async def on_message_delete(self, data: dict) -> None:
        result = await database_sync_to_async(message_delete)(
            actor=self.user, room_id=data["room"], message_id=data["message_id"]
        )
        await self.ack_change(data, result)

    @client_frame("reaction.add", ReactionFrameSerializer)
    async def on_reaction_add(self, data: dict) -> None:
        result = await database_sync_to_async(reaction_add)(
            user=self.user, room_id=data["room"], message_id=data["message_id"], emoji=data["emoji"]
        )
        await self.ack_change(data, result)

    @client_frame("reaction.remove", ReactionFrameSerializer)
    async def on_reaction_remove(self, data: dict) -> None:
        result = await database_sync_to_async(reaction_remove)(
            user=self.user, room_id=data["room"], message_id=data["message_id"], emoji=data["emoji"]
        )
        await self.ack_change(data, result)

    async def ack_change(self, data: dict, result: ChangeResult) -> None:
        """A frame that changes a message is acked only when it carried a client_id (PROTOCOL.md version 2)."""
        if data["client_id"] is not None:
            await self.send_frame(protocol.ack(client_id=data["client_id"], message=result.data))

    @client_frame("typing", RoomFrameSerializer)
    async def on_typing(self, data: dict) -> None:
        await typing_notify(user=self.user, room_id=data["room"])

    @client_frame("read", ReadFrameSerializer)
    async def on_read(self, data: dict) -> None:
        await database_sync_to_async(message_mark_read)(
            user=self.user, room_id=data["room"], message_id=data["message_id"]
        )

    @client_frame("ping")
    async def on_ping(self, data: dict) -> None:
        await self.send_frame(protocol.pong())

    # --- Frames to the client -----------------------------------------------

    async def push(self, frame: OutgoingFrame) -> None:
        """Write an encoded frame; the hub calls this for every event of the socket's rooms and user."""
        if self.held is not None:
            self.held.append(frame)
        else:
            await self.write(frame)

    async def write(self, frame: OutgoingFrame) -> None:
        # The fast path writes the frame's bytes, built once for the whole room;
        # it declines (False) once the connection is closing, and ASGI takes over.
        if self.write_wire is not None and self.write_wire(frame.wire):
            return
        await self.base_send({"type": "websocket.send", "text": frame.text})

    async def send_frame(self, frame: protocol.ServerFrame) -> None:
        await self.push(OutgoingFrame(encode_frame(frame)))

    async def send_error(self, error: ChatError, client_id: str | None) -> None:
        """Answer a refused frame; never raises, so that a socket that cannot be written to is not crashed by it."""
        metrics.frames_refused.labels(error.code).inc()
        security_logger.info(
            "frame refused",
            extra={"event": "ws.frame_refused", "code": error.code, "user_id": self.user_id, "client_id": client_id},
        )
        frame = protocol.error(
            code=error.code,
            detail=error.detail,
            client_id=client_id,
            retry_after_ms=getattr(error, "retry_after_ms", None),
        )
        try:
            await self.send_frame(frame)
        except Exception:
            logger.warning("error frame to user %s could not be written", self.user_id, exc_info=True)


def _session_id(scope: dict) -> str | None:
    """The hashed key of the browser session that authenticated the socket; None for a ticket."""
    session = scope.get("session")
    if scope.get("authenticated_by") == "ticket" or session is None or not session.session_key:
        return None
    return session_id(session.session_key)


def echoable(client_id) -> str | None:
    """
    The refused frame's client_id as the error frame may echo it: a string that
    UTF-8 can carry. JSON's \\ud800 escapes decode to lone surrogates, which no
    text frame can hold; such a client_id is answered with null.
    """
    if not isinstance(client_id, str):
        return None
    try:
        client_id.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return client_id


def _validated(serializer_class: type[serializers.Serializer] | None, frame: dict) -> dict:
    # By the serializer's rules, without a serializer per plainly valid frame (chatroom.frame_validation).
    return frame if serializer_class is None else validate_frame(serializer_class, frame)
