"""
The server's half of the WebSocket protocol (docs/PROTOCOL.md): one builder
per server frame, each typed to match the contract, and the close codes.

Every frame a socket receives is built here and nowhere else, so the contract
has one home: a new frame is one TypedDict, one builder, one line in
FRAME_TYPES, one event test (chatroom/tests/test_events.py) and one doc line.
The objects inside frames (User, Room, Message) arrive already serialized by
the apps' serializers; this module imports no app.
"""

from typing import Literal, NotRequired, TypedDict

# --- Close codes -------------------------------------------------------------

# The handshake was not authenticated (no session, an unknown or spent ticket).
CLOSE_UNAUTHENTICATED = 4401
# The user was deactivated by a moderator, or deleted their account: do not reconnect.
CLOSE_DEACTIVATED = 4403
# The server may have lost pushes (its channel layer was unreachable): reconnect and catch up.
CLOSE_RESYNC = 4012
# The user has settings.CHAT_MAX_SOCKETS_PER_USER sockets open already: close one, or back off.
CLOSE_TOO_MANY_SOCKETS = 4429

# --- Objects inside frames, as the apps' serializers render them --------------


class UserData(TypedDict):
    id: int
    username: str
    display_name: str  # never blank: the username when none was chosen
    avatar: str | None
    date_joined: str


class ReplyData(TypedDict):
    """The message a reply answers, as it is now."""

    id: int
    author: UserData
    excerpt: str  # the first 200 characters of its body


class DeletedReplyData(TypedDict):
    """The message a reply answers, since deleted."""

    id: int
    deleted: Literal[True]


class ReactionData(TypedDict):
    emoji: str
    count: int
    user_ids: list[int]  # in the order they reacted


class AttachmentData(TypedDict):
    id: int
    kind: Literal["image", "file"]
    name: str
    size: int
    content_type: str
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None


class MessageData(TypedDict):
    id: int
    room: int
    author: UserData
    body: str  # the plain text as sent
    html: str  # the body rendered and sanitised by the server: the only markup to show
    created_at: str
    client_id: str | None
    seq: int  # the number of the message's latest change in its room
    edited_at: str | None
    reply_to: ReplyData | DeletedReplyData | None
    mentions: list[int]
    reactions: list[ReactionData]  # in the order each emoji was first used
    attachments: list[AttachmentData]


class TombstoneData(TypedDict):
    """A deleted message: nothing of it but where it was and the number of its deletion."""

    id: int
    room: int
    seq: int
    deleted: Literal[True]


class RoomData(TypedDict):
    id: int
    name: str
    description: str
    avatar: str | None
    owner: UserData
    invite_code: str | None  # None for a direct room
    role: str
    member_count: int
    unread_count: int
    last_message: MessageData | None
    created_at: str
    seq: int  # the room's latest change number
    mention_count: int  # messages after the member's read pointer that mention them
    # the invite link, /join/<invite_code>/, absolute (relative in frames without CHAT_SITE_URL); None if direct
    invite_url: str | None
    kind: Literal["group", "direct"]
    peer: UserData | None  # the other person of a direct room, as this member sees it


# --- Server frames ---------------------------------------------------------------

RemovalReason = Literal["left", "kicked", "banned"]


class HelloFrame(TypedDict):
    type: Literal["hello"]
    user: UserData
    rooms: list[int]
    seqs: dict[str, int]  # room id (a JSON object key, so a string) -> the room's latest change number


class AckFrame(TypedDict):
    type: Literal["ack"]
    client_id: str | None
    message: MessageData | TombstoneData  # a tombstone answers message.delete


class MessageNewFrame(TypedDict):
    type: Literal["message.new"]
    seq: int
    message: MessageData


class MessageUpdatedFrame(TypedDict):
    """A message was edited or its reactions changed: replace it by id."""

    type: Literal["message.updated"]
    seq: int
    message: MessageData


class MessageDeletedFrame(TypedDict):
    type: Literal["message.deleted"]
    room: int
    message_id: int
    seq: int


class MemberJoinedFrame(TypedDict):
    type: Literal["member.joined"]
    room: int
    user: UserData


class MemberLeftFrame(TypedDict):
    type: Literal["member.left"]
    room: int
    user: UserData
    reason: RemovalReason


class RoomAddedFrame(TypedDict):
    type: Literal["room.added"]
    room: RoomData


class RoomUpdatedFrame(TypedDict):
    type: Literal["room.updated"]
    room: RoomData


class RoomRemovedFrame(TypedDict):
    type: Literal["room.removed"]
    room: int
    reason: Literal["left", "kicked", "banned", "deleted"]


class TypingFrame(TypedDict):
    type: Literal["typing"]
    room: int
    user: UserData


class PresenceFrame(TypedDict):
    type: Literal["presence"]
    room: int
    user: UserData
    online: bool


class ErrorFrame(TypedDict):
    type: Literal["error"]
    code: str
    detail: str
    client_id: str | None
    retry_after_ms: NotRequired[int]


class PongFrame(TypedDict):
    type: Literal["pong"]


class UserUpdatedFrame(TypedDict):
    """Someone who shares a room with the socket's user changed their display name or avatar."""

    type: Literal["user.updated"]
    user: UserData


ServerFrame = (
    HelloFrame
    | AckFrame
    | MessageNewFrame
    | MessageUpdatedFrame
    | MessageDeletedFrame
    | MemberJoinedFrame
    | MemberLeftFrame
    | RoomAddedFrame
    | RoomUpdatedFrame
    | RoomRemovedFrame
    | TypingFrame
    | PresenceFrame
    | ErrorFrame
    | PongFrame
    | UserUpdatedFrame
)

# Frame type -> its schema; the event tests check every published frame against it.
FRAME_TYPES: dict[str, type] = {
    "hello": HelloFrame,
    "ack": AckFrame,
    "message.new": MessageNewFrame,
    "message.updated": MessageUpdatedFrame,
    "message.deleted": MessageDeletedFrame,
    "member.joined": MemberJoinedFrame,
    "member.left": MemberLeftFrame,
    "room.added": RoomAddedFrame,
    "room.updated": RoomUpdatedFrame,
    "room.removed": RoomRemovedFrame,
    "typing": TypingFrame,
    "presence": PresenceFrame,
    "error": ErrorFrame,
    "pong": PongFrame,
    "user.updated": UserUpdatedFrame,
}


def hello(*, user: UserData, seqs: dict[int, int]) -> HelloFrame:
    """`hello` for a user in the rooms of `seqs` ({room id: latest change number})."""
    return {
        "type": "hello",
        "user": user,
        "rooms": sorted(seqs),
        "seqs": {str(room_id): seq for room_id, seq in sorted(seqs.items())},
    }


def ack(*, client_id: str | None, message: MessageData | TombstoneData) -> AckFrame:
    return {"type": "ack", "client_id": client_id, "message": message}


def message_new(*, seq: int, message: MessageData) -> MessageNewFrame:
    return {"type": "message.new", "seq": seq, "message": message}


def message_updated(*, seq: int, message: MessageData) -> MessageUpdatedFrame:
    return {"type": "message.updated", "seq": seq, "message": message}


def message_deleted(*, room: int, message_id: int, seq: int) -> MessageDeletedFrame:
    return {"type": "message.deleted", "room": room, "message_id": message_id, "seq": seq}


def member_joined(*, room: int, user: UserData) -> MemberJoinedFrame:
    return {"type": "member.joined", "room": room, "user": user}


def member_left(*, room: int, user: UserData, reason: RemovalReason) -> MemberLeftFrame:
    return {"type": "member.left", "room": room, "user": user, "reason": reason}


def room_added(*, room: RoomData) -> RoomAddedFrame:
    return {"type": "room.added", "room": room}


def room_updated(*, room: RoomData) -> RoomUpdatedFrame:
    return {"type": "room.updated", "room": room}


def room_removed(*, room: int, reason: Literal["left", "kicked", "banned", "deleted"]) -> RoomRemovedFrame:
    return {"type": "room.removed", "room": room, "reason": reason}


def typing(*, room: int, user: UserData) -> TypingFrame:
    return {"type": "typing", "room": room, "user": user}


def presence(*, room: int, user: UserData, online: bool) -> PresenceFrame:
    return {"type": "presence", "room": room, "user": user, "online": online}


def error(*, code: str, detail: str, client_id: str | None, retry_after_ms: int | None = None) -> ErrorFrame:
    """An `error` frame; `retry_after_ms` only on `rate_limited` (docs/PROTOCOL.md, Decisions)."""
    frame: ErrorFrame = {"type": "error", "code": code, "detail": str(detail), "client_id": client_id}
    if retry_after_ms is not None:
        frame["retry_after_ms"] = retry_after_ms
    return frame


def pong() -> PongFrame:
    return {"type": "pong"}


def user_updated(*, user: UserData) -> UserUpdatedFrame:
    return {"type": "user.updated", "user": user}
