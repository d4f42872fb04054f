"""
Attachments behind nginx: a worker checks who may see a file and answers X-Accel-Redirect;
nginx sends the bytes from its internal location, with the worker's headers intact.
"""

import io
import uuid

from chat_client import arequest, register, request, room_with
from PIL import Image


def multipart(name: str, content: bytes, content_type: str) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), {
        "Content-Type": f"multipart/form-data; boundary={boundary}"
    }


async def upload(base_url: str, user, room: dict, name: str, content: bytes, content_type: str):
    body, headers = multipart(name, content, content_type)
    return await arequest(
        base_url, "POST", f"/api/rooms/{room['id']}/attachments/", body=body, token=user.access, headers=headers
    )


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), (20, 120, 220)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_attachments_are_sent_by_nginx_after_the_workers_check(stack):
    alice, bob, carol = [await register(stack.base_url, name) for name in ("alice", "bob", "carol")]
    room = await room_with(stack.base_url, alice, bob)
    image = await upload(stack.base_url, alice, room, "sky.png", png_bytes(), "image/png")
    assert image.status == 201, image.body
    image = image.json()
    page = b"<html><script>alert(1)</script></html>"
    file = (await upload(stack.base_url, alice, room, "cute.png", page, "image/png")).json()
    assert file["kind"] == "file"

    # Before sending: the uploader only.
    assert request(stack.base_url, "GET", image["url"], token=alice.access).status == 200
    assert request(stack.base_url, "GET", image["url"], token=bob.access).status == 404
    sent = await arequest(
        stack.base_url,
        "POST",
        f"/api/rooms/{room['id']}/messages/",
        json_body={"body": "", "attachments": [image["id"], file["id"]]},
        token=alice.access,
    )
    assert sent.status == 201, sent.body

    # A worker asked directly answers with the redirect and no bytes.
    direct = request(stack.worker_url(0), "GET", image["url"], token=bob.access)
    assert direct.status == 200 and direct.headers["x-accel-redirect"].startswith("/_attachments/files/")
    assert direct.body == b""

    served = request(stack.base_url, "GET", image["url"], token=bob.access)
    assert served.status == 200 and "x-accel-redirect" not in served.headers
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["content-disposition"] == 'inline; filename="sky.png"'
    assert served.headers["cache-control"] == "private, max-age=3600"
    assert Image.open(io.BytesIO(served.body)).size == (600, 300)
    thumbnail = request(stack.base_url, "GET", image["thumbnail_url"], token=bob.access)
    assert thumbnail.status == 200 and Image.open(io.BytesIO(thumbnail.body)).size == (480, 240)

    download = request(stack.base_url, "GET", file["url"], token=bob.access)
    assert download.status == 200 and download.body == page
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == 'attachment; filename="cute.png"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]

    # Nobody else; the internal location is not reachable from outside.
    assert request(stack.base_url, "GET", image["url"], token=carol.access).status == 404
    assert request(stack.base_url, "GET", image["url"]).status == 401
    stored = direct.headers["x-accel-redirect"]
    assert request(stack.base_url, "GET", stored).status == 404


async def test_an_upload_over_the_limit_is_refused(stack):
    dave = await register(stack.base_url, "dave")
    room = await room_with(stack.base_url, dave)
    answer = await upload(stack.base_url, dave, room, "big.bin", b"\0" * (10 * 1024 * 1024 + 1), "application/zip")
    assert answer.status == 413, answer.body[:200]
