"""
The axe-core audit (axe-playwright-python, which bundles axe-core: no network): every page and
every panel and dialog of the chat page, in light and dark, on a desktop and on a 390x844 phone,
has no critical and no serious violation. Moderate and minor ones are printed, as information.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from browser_tests.steps import PASSWORD, create_room, invite_code, join_room, send, sign_up, unique_name, wait_online

BLOCKING = {"critical", "serious"}
# Every rule axe runs by default (WCAG 2.0-2.2 A and AA, best practices), and label-in-name,
# which axe still marks experimental: a button's visible words must be part of its name.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"label-content-name-mismatch": {"enabled": True}}}
MODES = {
    "light-desktop": {"color_scheme": "light", "viewport": {"width": 1280, "height": 800}},
    "dark-desktop": {"color_scheme": "dark", "viewport": {"width": 1280, "height": 800}},
    "light-phone": {
        "color_scheme": "light",
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
    "dark-phone": {
        "color_scheme": "dark",
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
    },
}


class Audit:
    """Runs axe on each state of a page; collects what blocks, prints the rest."""

    def __init__(self, mode: str):
        self.mode = mode
        self.axe = Axe()
        self.blocking: list[str] = []

    def __call__(self, page: Page, state: str) -> None:
        page.wait_for_timeout(250)  # let transitions (the message actions fading in) end
        results = self.axe.run(page, options=AXE_OPTIONS).response
        for violation in results["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:4])
            count = len(violation["nodes"])
            line = f"[{self.mode}] {state}: {violation['id']} ({violation['impact']}) x{count}: {violation['help']}"
            line += f" — {targets}"
            if violation["impact"] in BLOCKING:
                details = [node["failureSummary"] for node in violation["nodes"][:2]]
                self.blocking.append(f"{line}\n    " + "\n    ".join(details))
            else:
                print(line)

    def check(self) -> None:
        assert not self.blocking, "\n".join(self.blocking)


@pytest.fixture(scope="module")
def people(browser, live_server):
    """Alice (who owns a room with messages from Bob and herself: a reply, a reaction, a mention) and Bob."""
    names = {"alice": unique_name("alice"), "bob": unique_name("bob")}
    contexts = [browser.new_context(base_url=live_server.url) for _ in names]
    alice, bob = (context.new_page() for context in contexts)
    sign_up(alice, names["alice"])
    sign_up(bob, names["bob"])
    room_id = create_room(alice, "Audit", "Where the audit happens")
    join_room(bob, invite_code(alice), "Audit")
    send(alice, "Good morning! Here is **the plan**: `make test`, then https://example.com/notes")
    send(bob, f"@{names['alice']} sounds good — مرحبا بالعالم")
    send(bob, "> quoted line\n\n- one\n- two")
    alice.locator("#message-list .msg[data-id]").last.hover()
    alice.locator("#message-list .msg[data-id]").last.get_by_role("button", name=re.compile("^Reply to")).click()
    send(alice, "Agreed")
    states = [context.storage_state() for context in contexts]
    for context in contexts:
        context.close()
    return {"names": names, "room_id": room_id, "alice_state": states[0]}


def open_dialog_and_audit(page: Page, audit: Audit, opener, dialog_name: str) -> None:
    opener.click()
    dialog = page.get_by_role("dialog", name=dialog_name)
    expect(dialog).to_be_visible()
    audit(page, f"dialog {dialog_name!r}")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("mode", MODES)
def test_the_signed_out_pages(open_page, mode):
    audit = Audit(mode)
    page = open_page(**MODES[mode])
    page.goto("/login/")
    audit(page, "sign in")
    page.get_by_role("button", name="Sign in").click()  # nothing filled in: the errors show
    expect(page.locator(".field-errors").first).to_be_visible()
    audit(page, "sign in, with errors")
    page.goto("/register/")
    audit(page, "register")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    audit(page, "register, with errors")

    # A username locked out after too many failed sign-ins (django-axes): the sign-in-paused page.
    locked = unique_name("locked")
    for _ in range(12):
        page.goto("/login/")
        page.get_by_label("Username").fill(locked)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Sign-in paused").count():
            break
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    audit(page, "sign-in paused")

    page.goto("/admin/login/")
    audit(page, "admin sign in")
    audit.check()


@pytest.mark.parametrize("mode", MODES)
def test_the_chat_page(browser, live_server, people, mode):
    audit = Audit(mode)
    phone = MODES[mode]["viewport"]["width"] < 720
    context = browser.new_context(base_url=live_server.url, storage_state=people["alice_state"], **MODES[mode])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/rooms/")
        wait_online(page)
        expect(page.locator("#room-list .room-item")).to_have_count(1)
        audit(page, "the room list")

        page.goto(f"/rooms/{people['room_id']}/")
        wait_online(page)
        expect(page.locator("#message-list .msg[data-id]")).to_have_count(4)
        audit(page, "a room" + ("" if phone else " with the members panel"))

        # A message's actions (shown on focus), then the reaction picker.
        page.locator("#message-list .msg[data-id]").last.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#message-list .msg[data-id]").last.get_by_role("toolbar")).to_be_visible()
        audit(page, "a message's actions")
        page.keyboard.press("Enter")  # the first action: React
        expect(page.get_by_role("dialog", name="Choose a reaction")).to_be_visible()
        audit(page, "the reaction picker")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog", name="Choose a reaction")).to_be_hidden()

        if phone:  # on a desktop, the members panel is open beside the room (audited above)
            page.get_by_role("button", name=re.compile("^Members")).click()
            expect(page.get_by_role("complementary", name="Members")).to_be_visible()
            audit(page, "the members panel")
            page.keyboard.press("Escape")
        page.get_by_role("button", name="Settings").click()
        settings = page.get_by_role("complementary", name="Room settings")
        expect(settings).to_be_visible()
        audit(page, "the settings panel")
        open_dialog_and_audit(page, audit, settings.get_by_role("button", name="Delete this room"), "Delete Audit?")
        page.keyboard.press("Escape")
        expect(settings).to_be_hidden()

        open_dialog_and_audit(page, audit, page.locator(".profile-button"), "Your picture")
        open_dialog_and_audit(page, audit, page.get_by_role("button", name="Keyboard shortcuts"), "Keyboard shortcuts")
        if phone:
            page.get_by_role("button", name="Back to rooms").click()
        open_dialog_and_audit(page, audit, page.get_by_role("button", name="Create a room").first, "Create a room")
        open_dialog_and_audit(
            page, audit, page.get_by_role("button", name="Join a room with an invite code"), "Join a room"
        )
        audit.check()
    finally:
        context.close()
