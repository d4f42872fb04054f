"""nginx in front, with the repo's configuration: WebSockets, load balancing, files, client addresses."""

import asyncio
import io
import re
import uuid

from chat_client import ChatSocket, arequest, register, request, room_with, ticket
from PIL import Image
from stack import established_connections


async def test_chat_through_nginx(stack):
    alice, bob = await register(stack.base_url, "alice"), await register(stack.base_url, "bob")
    room = await room_with(stack.base_url, alice, bob)
    a = await ChatSocket.open(stack.base_url, alice)
    b = await ChatSocket.open(stack.base_url, bob)

    await a.send({"type": "message.send", "room": room["id"], "body": "through nginx", "client_id": "n1"})
    heard = await b.wait_for(lambda f: f["type"] == "message.new")
    assert heard["message"]["body"] == "through nginx"
    await b.send({"type": "ping"})
    await b.wait_for(lambda f: f["type"] == "pong")
    await a.close()
    await b.close()


async def test_nginx_spreads_sockets_over_both_workers(stack):
    dave = await register(stack.base_url, "dave")
    # Tickets first: no HTTP request may open or close worker connections during the count.
    tickets = [await ticket(stack.base_url, dave) for _ in range(4)]
    before = [established_connections(port) for port in stack.worker_ports]
    sockets = [await ChatSocket.open_with_ticket(stack.base_url, issued) for issued in tickets]
    for socket in sockets:
        await socket.wait_for(lambda f: f["type"] == "hello")
    after = [established_connections(port) for port in stack.worker_ports]
    added = [a - b for a, b in zip(after, before, strict=True)]
    assert all(n >= 1 for n in added), f"new connections per worker: {added}"
    await asyncio.gather(*(socket.close() for socket in sockets))


def test_websocket_with_a_foreign_origin_is_refused(stack):
    import websockets
    from websockets.sync.client import connect

    # A foreign site, and pages on other ports or schemes of the same host (they get our cookie too).
    for origin in ["http://evil.example", "http://127.0.0.1", f"https://127.0.0.1:{stack.nginx_port}"]:
        try:
            with connect(f"ws://127.0.0.1:{stack.nginx_port}/ws/chat/", origin=origin, proxy=None):
                raise AssertionError(f"the Origin {origin} was accepted")
        except websockets.InvalidStatus as refused:
            assert refused.response.status_code == 403


def test_nginx_serves_static_files_itself_hashed_names_for_a_year(stack):
    """collectstatic (scripts/release.sh) wrote hashed names; pages link to them; nginx lets browsers keep them."""
    page = request(stack.base_url, "GET", "/login/")
    hashed = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.body)
    assert hashed, page.body[:800]
    answer = request(stack.base_url, "GET", hashed.group(1).decode())
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    # A name without a hash may change under it: an hour.
    plain = request(stack.base_url, "GET", "/static/admin/css/base.css")
    assert plain.status == 200 and plain.headers["cache-control"] == "public, max-age=3600"
    # With DEBUG off the workers do not serve static files: nginx did.
    assert request(stack.worker_url(0), "GET", "/static/admin/css/base.css").status == 404


def test_the_chat_page_modules_import_each_other_by_hashed_name(stack):
    chat_js = re.search(
        r"chat\.[0-9a-f]{12}\.js", request(stack.base_url, "GET", "/static/staticfiles.json").body.decode()
    )
    body = request(stack.base_url, "GET", f"/static/js/{chat_js.group(0)}").body.decode()
    imports = re.findall(r'from "(\./[^"]+)"', body)
    assert imports and all(re.search(r"\.[0-9a-f]{12}\.js$", path) for path in imports), imports


def test_pages_and_admin_are_proxied(stack):
    admin = request(stack.base_url, "GET", "/admin/login/")
    assert admin.status == 200 and b"csrfmiddlewaretoken" in admin.body
    schema = request(stack.base_url, "GET", "/api/me/")
    assert schema.status == 401


async def test_uploaded_avatar_is_served_from_media(stack):
    erin = await register(stack.base_url, "erin")
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture, "PNG")
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="me.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + picture.getvalue()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    updated = await arequest(
        stack.base_url,
        "PATCH",
        "/api/me/",
        body=body,
        token=erin.access,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert updated.status == 200, updated.body
    avatar = updated.json()["avatar"]
    path = avatar[avatar.index("/media/") :]
    served = request(stack.base_url, "GET", path)
    assert served.status == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert Image.open(io.BytesIO(served.body)).size == (8, 8)


def test_throttle_counts_the_client_address_not_a_forged_header(stack):
    """nginx appends the real address; DJANGO_NUM_PROXIES=1 makes Django read that one, on every worker."""
    limit = 50  # AUTH_THROTTLE_RATE in stack.WORKER_SETTINGS
    statuses = [
        request(
            stack.base_url,
            "POST",
            "/api/auth/register/",
            json_body={},
            headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"},
            source_address="127.0.0.2",
        ).status
        for n in range(limit)
    ]
    assert statuses == [400] * limit
    refused = request(stack.base_url, "POST", "/api/auth/register/", json_body={}, source_address="127.0.0.2")
    assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
    # Another client address has its own bucket.
    other = request(stack.base_url, "POST", "/api/auth/register/", json_body={}, source_address="127.0.0.3")
    assert other.status == 400
