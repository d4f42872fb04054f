"""What a person does in the chat pages, as Playwright steps shared by the tests."""

import itertools
import json
import re
import struct
import zlib

from playwright.sync_api import Page, expect

PASSWORD = "a-long-enough-passphrase-42"
_people = itertools.count(1)


def unique_name(base: str) -> str:
    return f"{base}{next(_people)}"


def sign_up(page: Page, username: str) -> None:
    page.goto("/register/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/rooms/$"))
    wait_online(page)


def wait_online(page: Page) -> None:
    """Wait for the room list and the socket's hello (the page marks the shell online)."""
    expect(page.locator("#shell")).to_have_attribute("data-socket", "online")


Colour = tuple[int, int, int]


def png(size: int = 64, start: Colour = (255, 138, 101), end: Colour = (91, 79, 240)) -> bytes:
    """A small diagonal-gradient PNG, built by hand so that the tests need no image library."""

    def pixel(x: int, y: int) -> bytes:
        t = (x + y) / (2 * size - 2)
        return bytes(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))

    raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def create_room(page: Page, name: str, description: str = "", avatar: bytes | None = None) -> int:
    """Create a room through the dialog; return its id once the page shows it."""
    page.get_by_role("button", name="Create a room").first.click()
    dialog = page.get_by_role("dialog", name="Create a room")
    dialog.get_by_label("Name").fill(name)
    if description:
        dialog.get_by_label("Description").fill(description)
    if avatar is not None:
        dialog.get_by_label("Picture").set_input_files({"name": "room.png", "mimeType": "image/png", "buffer": avatar})
        expect(dialog.get_by_role("img", name="Preview of the room picture")).to_be_visible()
    dialog.get_by_role("button", name="Create room").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#room-name")).to_have_text(name)
    return int(re.search(r"/rooms/(\d+)/$", page.url).group(1))


def copy_invite_link(page: Page) -> str:
    """Copy the open room's invite link (/join/<code>/) with the room's button; return it from the clipboard."""
    button = page.locator("#copy-invite")
    button.click()
    expect(page.locator("#toast")).to_contain_text("Invite link copied")
    expect(button).to_have_text("Copied")
    return page.evaluate("navigator.clipboard.readText()")


def join_room(page: Page, code: str, name: str) -> int:
    page.get_by_role("button", name="Join a room with an invite code").click()
    dialog = page.get_by_role("dialog", name="Join a room")
    dialog.get_by_label("Invite code").fill(code)
    dialog.get_by_role("button", name="Join room").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#room-name")).to_have_text(name)
    return int(re.search(r"/rooms/(\d+)/$", page.url).group(1))


def send(page: Page, text: str) -> None:
    """Type a message and press Enter."""
    composer = page.get_by_label("Message", exact=True)
    composer.fill(text)
    composer.press("Enter")
    expect(composer).to_have_value("")


_SEND_OVER_A_SECOND_SOCKET = """async ({room, bodies}) => {
  const ws = new WebSocket(`ws://${location.host}/ws/chat/`);
  const frames = [];
  let wake = () => {};
  ws.addEventListener('message', (event) => { frames.push(JSON.parse(event.data)); wake(); });
  const until = (test) => new Promise((resolve) => {
    wake = () => { if (test()) resolve(); };
    wake();
  });
  await until(() => frames.some((f) => f.type === 'hello'));
  const batch = Math.random().toString(36).slice(2); // client_ids are once per author, ever
  bodies.forEach((body, n) => {
    ws.send(JSON.stringify({type: 'message.send', room, body, client_id: `seed-${batch}-${n}`}));
  });
  await until(() => frames.filter((f) => f.type === 'ack').length === bodies.length);
  ws.close();
}"""


def send_many(page: Page, room_id: int, bodies: list[str]) -> None:
    """Send many messages quickly as the page's person, over a socket of its own; wait for every ack."""
    page.evaluate(_SEND_OVER_A_SECOND_SOCKET, {"room": room_id, "bodies": bodies})


def messages(page: Page):
    """Delivered messages (not pending, not failed) in the open room."""
    return page.locator("#message-list .msg[data-id]")


def message(page: Page, text: str):
    return messages(page).filter(has=page.locator(".msg-body", has_text=re.compile(f"^{re.escape(text)}$")))


def badge(page: Page, room_id: int):
    return page.locator(f'#room-list [data-room-id="{room_id}"] .badge-count')


def invite_code(page: Page) -> str:
    """The open room's invite code, as the settings panel holds it."""
    return page.locator("#settings-invite").input_value()


class SocketTap:
    """
    Sits between a page and the server on the page's chat WebSocket (Playwright's
    WebSocket routing): it can hold or drop what the server sends, answer sends
    with an error, drop the connection, and refuse new ones.
    """

    def __init__(self, page: Page):
        self.hold = False  # keep frames from the server until release()
        self.drop = False  # lose frames from the server, as a lost push would be
        self.refuse = False  # close new connections at once
        self.fail_sends = None  # answer message.send with an error frame carrying this detail
        self.held: list[str] = []
        self.page_side = None
        self.server_side = None
        page.route_web_socket(re.compile(r"/ws/chat/$"), self._connect)

    def _connect(self, ws) -> None:
        if self.refuse:
            ws.close(code=1011, reason="refused by the test")
            return
        server = ws.connect_to_server()
        self.page_side, self.server_side = ws, server
        ws.on_message(lambda text: self._from_page(ws, server, text))
        server.on_message(lambda text: self._from_server(ws, text))

    def _from_page(self, ws, server, text: str) -> None:
        frame = json.loads(text)
        if self.fail_sends and frame.get("type") == "message.send":
            error = {"type": "error", "code": "unavailable", "detail": self.fail_sends, "client_id": frame["client_id"]}
            ws.send(json.dumps(error))
            return
        server.send(text)

    def _from_server(self, ws, text: str) -> None:
        if self.drop:
            return
        if self.hold:
            self.held.append(text)
            return
        ws.send(text)

    def release(self) -> None:
        self.hold = False
        for text in self.held:
            self.page_side.send(text)
        self.held.clear()

    def cut(self) -> None:
        """Drop the connection on both sides, as a network failure would."""
        self.server_side.close()
        self.page_side.close(code=1011, reason="cut by the test")
