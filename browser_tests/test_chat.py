"""Two people chat in Chromium: sign up, create and join a room, talk, read, reload."""

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from browser_tests.steps import (
    badge,
    copy_invite_link,
    create_room,
    invite_code,
    join_room,
    message,
    messages,
    png,
    send,
    sign_up,
    unique_name,
    wait_online,
)

# The README's picture: refreshed when UPDATE_SCREENSHOT=1, else only taken (in memory) so
# that a test run leaves the checkout as it found it.
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"


def test_two_people_chat(open_page):
    clipboard = ["clipboard-read", "clipboard-write"]
    alice, bob = open_page(permissions=clipboard), open_page()
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up(alice, alice_name)
    sign_up(bob, bob_name)

    room_id = create_room(alice, "Lounge", "Coffee, code and chat", avatar=png())
    expect(alice.locator(f'#room-list [data-room-id="{room_id}"] img.avatar')).to_be_visible()
    code = copy_invite_link(alice)  # the join dialog takes a link as well as a code
    assert len(code) >= 22
    assert join_room(bob, code, "Lounge") == room_id

    # Alice sees Bob arrive, online, in the member list.
    expect(alice.locator(".notice", has_text=f"{bob_name} joined")).to_be_visible()
    bob_row = alice.locator("#member-list .member", has_text=bob_name)
    expect(bob_row.locator(".presence.is-online")).to_be_visible()

    # Both ways; each side sees its own messages on the right and the other's on the left.
    send(bob, "Hi Alice, ça va? Grüße from Zoë")
    expect(message(alice, "Hi Alice, ça va? Grüße from Zoë")).not_to_have_class(re.compile("msg--own"))
    expect(message(bob, "Hi Alice, ça va? Grüße from Zoë")).to_have_class(re.compile("msg--own"))
    composer = alice.get_by_label("Message", exact=True)
    composer.fill("Hello Bob!")
    composer.press("Shift+Enter")  # a new line, not a send
    composer.press_sequentially("Second line.")
    expect(composer).to_have_value("Hello Bob!\nSecond line.")
    composer.press("Enter")
    expect(message(bob, "Hello Bob!\nSecond line.")).to_be_visible()
    expect(bob.locator("#message-list .msg--pending")).to_have_count(0)

    # Bob looks at the room list; Alice's messages count up on the badge, then clear when he opens it.
    bob.get_by_role("link", name="Chatroom").click()
    wait_online(bob)
    expect(badge(bob, room_id)).to_have_count(0)
    send(alice, "Are you there?")
    expect(badge(bob, room_id)).to_have_text("1")
    send(alice, "Coffee at 3?")
    expect(badge(bob, room_id)).to_have_text("2")
    expect(bob.locator(f'#room-list [data-room-id="{room_id}"] .room-item-preview')).to_have_text(
        f"{alice_name}: Coffee at 3?"
    )
    bob.locator(f'#room-list [data-room-id="{room_id}"] a').click()
    expect(message(bob, "Coffee at 3?")).to_be_visible()
    expect(badge(bob, room_id)).to_have_count(0)

    # A reload shows the whole history, in order, and the read pointer kept on the server.
    bob.reload()
    wait_online(bob)
    expect(messages(bob).locator(".msg-body")).to_have_text(
        ["Hi Alice, ça va? Grüße from Zoë", "Hello Bob!\nSecond line.", "Are you there?", "Coffee at 3?"]
    )
    expect(badge(bob, room_id)).to_have_count(0)

    # Typing shows on the other side. Typing frames are limited to one a second per user
    # and room (server and client alike), and Alice's last one may be less than a second
    # old: type at a person's pace, so that a frame goes out once the second has passed.
    alice.get_by_label("Message", exact=True).press_sequentially("Sure", delay=400)
    expect(bob.locator("#typing")).to_have_text(f"{alice_name} is typing…")
    alice.get_by_label("Message", exact=True).press("Enter")
    expect(message(bob, "Sure")).to_be_visible()
    expect(bob.locator("#typing")).to_have_text("")

    # The README's picture: Alice's view of the conversation, a reply on its way.
    alice.locator("#composer-input").fill("See you at the usual place")
    expect(alice.locator("#toast")).to_be_empty()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shot = alice.screenshot(path=str(SCREENSHOT) if os.environ.get("UPDATE_SCREENSHOT") == "1" else None)
    assert shot.startswith(b"\x89PNG")
    alice.locator("#composer-input").fill("")

    # Bodies are text: markup stays inert, only http(s) URLs become links.
    hostile = '<img src=x onerror="window.pwned=1"> see https://example.com/a?b=1. or javascript:alert(1)'
    send(bob, hostile)
    body = message(alice, hostile).locator(".msg-body")
    expect(body).to_have_text(hostile)
    expect(body.locator("img")).to_have_count(0)
    link = body.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/a?b=1")
    expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    assert alice.evaluate("window.pwned") is None


def test_second_tab_stays_in_sync(open_page):
    alice, bob = open_page(), open_page()
    alice_name = unique_name("alice")
    sign_up(alice, alice_name)
    sign_up(bob, unique_name("bob"))
    room_id = create_room(alice, "Two tabs")
    join_room(bob, invite_code(alice), "Two tabs")
    bob_tab2 = bob.context.new_page()
    bob_tab2.goto(f"/rooms/{room_id}/")
    wait_online(bob_tab2)

    send(alice, "to both tabs")
    expect(message(bob, "to both tabs")).to_have_count(1)
    expect(message(bob_tab2, "to both tabs")).to_have_count(1)

    send(bob_tab2, "from tab two")
    expect(message(bob, "from tab two")).to_have_class(re.compile("msg--own"))
    expect(message(alice, "from tab two")).to_be_visible()

    # A room created in one tab appears in the other.
    side_id = create_room(bob_tab2, "Side room")
    expect(bob.locator(f'#room-list [data-room-id="{side_id}"]')).to_contain_text("Side room")
