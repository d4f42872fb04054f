"""
The public edge: nginx with TLS (a self-signed certificate made here) serving
HTTP/2 and redirecting plain http, HSTS, /metrics refused to the public while
each worker serves its own to the scraper.
"""

import http.client
import re
import socket
import ssl
import subprocess

import pytest
from chat_client import ChatSocket, register, request, ticket
from stack import HOST
from websockets.asyncio.client import connect

from testbed.processes import STACK_PORTS, spare_port

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture(scope="module")
def tls(stack):
    """A second nginx over the same workers, rendered with certificate paths: (http port, https port, context)."""
    certificate, key = stack.workdir / "tls-cert.pem", stack.workdir / "tls-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(certificate), "-days", "1", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
        ],
        capture_output=True,
        check=True,
    )
    http_port = spare_port(STACK_PORTS, exclude={stack.nginx_port, *stack.worker_ports})
    https_port = spare_port(STACK_PORTS, exclude={stack.nginx_port, http_port, *stack.worker_ports})
    server = stack.start_nginx(
        "nginx-tls",
        port=https_port,
        CHAT_LISTEN=f"{HOST}:{http_port}",
        CHAT_TLS_LISTEN=f"{HOST}:{https_port}",
        CHAT_TLS_CERTIFICATE=str(certificate),
        CHAT_TLS_CERTIFICATE_KEY=str(key),
    )
    yield http_port, https_port, ssl.create_default_context(cafile=str(certificate))
    server.stop()


def https_get(port: int, context: ssl.SSLContext, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPSConnection(HOST, port, context=context, timeout=15)
    connection.request("GET", path)
    return connection.getresponse()


def test_https_offers_http2_and_modern_tls_only(tls):
    _, https_port, http11 = tls
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=http11.get_ca_certs(binary_form=True)[0])
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection((HOST, https_port)) as raw, context.wrap_socket(raw, server_hostname=HOST) as conn:
        assert conn.selected_alpn_protocol() == "h2"
        assert conn.version() in ("TLSv1.3", "TLSv1.2")
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection((HOST, https_port)) as raw, pytest.raises(ssl.SSLError):
        old.wrap_socket(raw, server_hostname=HOST)


def test_pages_come_over_https_with_hsts_and_plain_http_is_redirected(tls):
    http_port, https_port, context = tls
    page = https_get(https_port, context, "/login/")
    assert page.status == 200 and b"csrfmiddlewaretoken" in page.read()
    assert page.getheader("Strict-Transport-Security") == HSTS  # once: nginx's, Django's hidden
    assert len(page.headers.get_all("Strict-Transport-Security")) == 1
    static = https_get(https_port, context, "/static/admin/css/base.css")
    assert static.getheader("Strict-Transport-Security") == HSTS
    plain = request(f"http://{HOST}:{http_port}", "GET", "/api/rooms/?after=5")
    assert plain.status == 301
    assert plain.headers["location"] == f"https://{HOST}:{https_port}/api/rooms/?after=5"
    assert "strict-transport-security" not in plain.headers  # never over plain http


async def test_chat_over_wss(tls, stack):
    _, https_port, context = tls
    user = await register(stack.base_url, "tls")
    issued = await ticket(stack.base_url, user)
    async with connect(
        f"wss://{HOST}:{https_port}/ws/chat/?ticket={issued}", origin=f"https://{HOST}:{https_port}", ssl=context
    ) as ws:
        hello = ChatSocket(ws)
        frame = await hello.wait_for(lambda f: f["type"] == "hello")
        assert frame["user"]["username"] == user.username


def test_metrics_are_refused_to_the_public_and_served_by_each_worker(stack, tls):
    _, https_port, context = tls
    assert request(stack.base_url, "GET", "/metrics").status == 403
    assert https_get(https_port, context, "/metrics").status == 403
    assert request(stack.base_url, "GET", "//metrics").status == 403
    for index in range(len(stack.worker_ports)):
        # The scraper asks each worker by its own address, whatever ALLOWED_HOSTS lists.
        scraped = request(stack.worker_url(index), "GET", "/metrics", headers={"Host": f"web{index + 1}:8000"})
        assert scraped.status == 200
        text = scraped.body.decode()
        assert re.search(r"^chat_sockets_open \d", text, re.MULTILINE)
        assert "django_http_responses_total_by_status_total" in text
        assert "django_db_execute_total" in text
        assert "chat_messages_stored_total" in text and "chat_send_seconds_bucket" in text
