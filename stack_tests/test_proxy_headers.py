"""
Behind nginx (and a TLS balancer in front of it): the scheme the client used and the
client's address reach the workers, their CSRF checks, their throttles and their logs.
"""

import asyncio
import json
import re
import time
import uuid

import websockets
from chat_client import PASSWORD, register, request
from websockets.asyncio.client import connect

CLIENT = "127.0.0.5"  # the address the test's requests come from, as nginx sees it


def csrf_form(stack, **headers: str) -> tuple[str, str]:
    """The login page through nginx: its csrftoken cookie and the form's token."""
    page = request(stack.base_url, "GET", "/login/", headers=headers)
    assert page.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", page.headers["set-cookie"]).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    return cookie, token


def sign_in(stack, username: str, *, forwarded_proto: str | None):
    https_origin = f"https://127.0.0.1:{stack.nginx_port}"
    tls = {"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {}
    cookie, token = csrf_form(stack, **tls)
    body = f"csrfmiddlewaretoken={token}&username={username}&password={PASSWORD}"
    return request(
        stack.base_url,
        "POST",
        "/login/",
        body=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Origin": https_origin,
            "Referer": f"{https_origin}/login/",
            **tls,
        },
    )


async def test_a_form_posted_over_https_at_a_balancer_passes_csrf(stack):
    """
    TLS ends at a balancer that tells nginx X-Forwarded-Proto: https; nginx passes it on
    (DJANGO_SECURE_PROXY_SSL=true), so the https Origin of the page matches and the form works.
    """
    user = await register(stack.base_url, "tls")
    response = sign_in(stack, user.username, forwarded_proto="https")
    assert response.status == 302, response.body[:500]
    assert response.headers["location"] == "/"
    assert "Secure" in response.headers["set-cookie"]  # the cookies of an https site
    # Without the balancer's word the request is plain http, and an https Origin is foreign.
    assert sign_in(stack, user.username, forwarded_proto=None).status == 403


def worker_log_lines(stack, needle: str, timeout: float = 10.0) -> list[str]:
    """Lines of both workers' logs that contain `needle`, waiting for them to be written."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [
            line
            for index in range(len(stack.worker_ports))
            for line in stack.log(f"web{index + 1}").read_text(errors="replace").splitlines()
            if needle in line
        ]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_logs_name_the_client_not_nginx_nor_a_forged_header(stack):
    username = f"ghost-{uuid.uuid4().hex[:8]}"
    request_id = uuid.uuid4().hex
    refused = request(
        stack.base_url,
        "POST",
        "/api/auth/token/",
        json_body={"username": username, "password": "wrong"},
        headers={"X-Forwarded-For": "6.6.6.6", "X-Request-ID": request_id},
        source_address=CLIENT,
    )
    assert refused.status == 401
    assert refused.headers["x-request-id"] == request_id  # echoed through nginx
    # Every line of the request, the access log's included, is JSON with its id and the client.
    events = [json.loads(line) for line in worker_log_lines(stack, request_id)]
    by_event = {event.get("event"): event for event in events}
    assert by_event["auth.login_failed"]["client"] == CLIENT, events
    access = by_event["http.request"]
    assert (access["client"], access["status"], access["path"]) == (CLIENT, 401, "/api/auth/token/")
    assert all(event["request_id"] == request_id for event in events)
    # What was typed as the username is not logged (it is often a password).
    assert not worker_log_lines(stack, username, timeout=0)


async def test_websocket_access_log_names_the_client(stack):
    request_id = uuid.uuid4().hex
    async with connect(
        f"ws://127.0.0.1:{stack.nginx_port}/ws/chat/",
        origin=f"http://127.0.0.1:{stack.nginx_port}",
        proxy=None,
        local_addr=(CLIENT, 0),
        additional_headers={"X-Forwarded-For": "6.6.6.6", "X-Request-ID": request_id},
    ) as socket:
        try:
            await asyncio.wait_for(socket.recv(), 10)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd.code == 4401  # no ticket: unauthenticated
    lines = {json.loads(line).get("event"): json.loads(line) for line in worker_log_lines(stack, request_id)}
    # Daphne's steps of the handshake, and the consumer's own line for that socket, share its id.
    deadline = time.monotonic() + 10
    while not {"ws.connecting", "ws.unauthenticated", "ws.disconnected"} <= lines.keys():
        assert time.monotonic() < deadline, lines
        time.sleep(0.1)
        lines = {json.loads(line).get("event"): json.loads(line) for line in worker_log_lines(stack, request_id)}
    assert lines["ws.connecting"]["client"] == CLIENT
    assert lines["ws.unauthenticated"]["client"] == [CLIENT, 0] or lines["ws.unauthenticated"]["client"] == CLIENT
