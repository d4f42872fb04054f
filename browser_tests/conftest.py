"""
Fixtures for the browser tests: a live server (the production server,
chatroom.server, as `make run` and scripts/start-web.sh start it, on a spare
port with a throwaway SQLite database) and Debian's Chromium driven by Playwright.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from testbed.processes import BROWSER_PORTS, HOST, Server, spare_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every wait in these tests is on a condition; this only bounds how long a broken one takes to fail.
TIMEOUT_MS = 10_000


class LiveServer:
    """One server process serving the project; stop() and start() again keep the port and the data."""

    def __init__(self, workdir: Path):
        self.port = spare_port(BROWSER_PORTS)
        self.url = f"http://{HOST}:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_ATTACHMENT_ROOT": str(workdir / "attachments"),  # private uploads, outside MEDIA_ROOT
            "REDIS_URL": "",
            # The tests sign up several people and send bursts from one address within a
            # minute; the limits themselves are covered by the unit tests.
            "AUTH_THROTTLE_RATE": "1000/min",
            "CHAT_SEND_RATE": "1000",
            "CHAT_SEND_BURST": "1000",
        }
        self.server = Server(
            [sys.executable, "-m", "chatroom.server", "-b", HOST, "-p", str(self.port), "chatroom.asgi:application"],
            port=self.port,
            log=workdir / "server.log",
            env=self.env,
            cwd=ROOT,
            ready_url=f"{self.url}/login/",  # serving pages, not only listening
            timeout=30,
        )

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True
        )

    def start(self) -> None:
        self.server.start()

    def stop(self, *, abruptly: bool = False) -> None:
        """Stop the server; `abruptly` kills it, so that sockets drop without a closing handshake."""
        self.server.stop(signal.SIGKILL if abruptly else signal.SIGTERM)


@pytest.fixture(scope="session")
def live_server():
    workdir = Path(tempfile.mkdtemp(prefix="chat-browser-"))
    server = LiveServer(workdir)
    server.migrate()
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make test-browser does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in a page that no assertion looked at: uncaught errors and CSP refusals."""

    def __init__(self):
        self.errors: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text} ({message.location['url']})")


@pytest.fixture
def open_page(browser: Browser, live_server: LiveServer):
    """`open_page(**context_options)`: a page in a fresh browser context (its own cookies: its own person)."""
    contexts = []
    problems = PageProblems()

    def open_page(**options) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems.errors, problems.errors
