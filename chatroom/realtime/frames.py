"""
Outgoing frames, encoded once per event and shared by every recipient.

An unmasked server frame is the same bytes for every socket, so a server that
lets the application write bytes to the connection (chatroom.server, the ASGI
extension WIRE_EXTENSION) gets one UTF-8 encoding and one frame header per
event, not per recipient, as python-socketio and `websockets.broadcast` do.
Other servers (and the test client) get the text through ASGI as usual.
"""

import json
import struct
from typing import Any

# The ASGI extension, in WebSocket scopes, through which chatroom.server offers
# `write(bytes) -> bool`: put a prebuilt frame straight on the connection.
WIRE_EXTENSION = "chatroom.wire"


def encode_frame(frame: Any) -> str:
    """Encode a frame for the wire: compact JSON, non-ASCII kept as is."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


class OutgoingFrame:
    """A text frame: its JSON text, and its RFC 6455 bytes built on first use."""

    __slots__ = ("_wire", "text")

    def __init__(self, text: str):
        self.text = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            payload = self.text.encode("utf-8")
            length = len(payload)
            if length < 126:
                header = struct.pack("!BB", 0x81, length)  # FIN + text opcode; servers never mask
            elif length < 1 << 16:
                header = struct.pack("!BBH", 0x81, 126, length)
            else:
                header = struct.pack("!BBQ", 0x81, 127, length)
            self._wire = header + payload
        return self._wire
