"""Direct messages from a person's card, and search that lands on the message (protocol version 2)."""

import re

import pytest
from playwright.sync_api import expect

from browser_tests.steps import (
    create_room,
    invite_code,
    join_room,
    message,
    send,
    send_many,
    sign_up,
    unique_name,
    wait_online,
)
from browser_tests.test_accessibility import MODES, Audit


def test_alice_messages_bob_from_his_card_and_bob_sees_it_arrive(open_page):
    alice, bob = open_page(), open_page()
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up(alice, alice_name)
    sign_up(bob, bob_name)
    create_room(alice, "Crew")
    join_room(bob, invite_code(alice), "Crew")

    # Alice opens Bob's card from the member list (shown beside the room on a wide screen).
    members = alice.get_by_role("complementary", name="Members")
    members.get_by_role("button", name=bob_name, exact=True).click()
    card = alice.get_by_role("dialog", name=bob_name)
    expect(card).to_be_visible()
    expect(card).to_contain_text(f"@{bob_name}")
    expect(card).to_contain_text("Online")
    message_button = card.get_by_role("button", name=f"Message {bob_name}")
    expect(message_button).to_be_focused()
    message_button.click()

    expect(card).to_be_hidden()
    expect(alice.locator("#room-name")).to_have_text(bob_name)
    expect(alice).to_have_url(re.compile(r"/rooms/\d+/$"))
    dm_id = int(re.search(r"/rooms/(\d+)/$", alice.url).group(1))
    expect(alice.locator(f'#direct-list [data-room-id="{dm_id}"]')).to_contain_text(bob_name)
    expect(alice.locator(f'#room-list [data-room-id="{dm_id}"]')).to_have_count(0)  # not among the group rooms
    expect(alice.get_by_role("button", name="Leave")).to_be_hidden()
    expect(alice.get_by_role("button", name="Copy invite code")).to_be_hidden()
    # Bob's presence shows by his name in Alice's list.
    expect(alice.locator(f'#direct-list [data-room-id="{dm_id}"] .presence')).to_have_class(re.compile("is-online"))

    # Opened, not yet written in: Bob does not see it.
    expect(bob.locator("#direct-section")).to_be_hidden()

    send(alice, "hi bob, lunch on friday?")
    bob_item = bob.locator(f'#direct-list [data-room-id="{dm_id}"]')
    expect(bob.locator("#direct-section")).to_be_visible()
    expect(bob_item).to_contain_text(alice_name)
    expect(bob_item.locator(".room-item-preview")).to_have_text(f"{alice_name}: hi bob, lunch on friday?")
    expect(bob_item.locator(".badge-count")).to_have_text("1")

    bob_item.locator("a").click()
    expect(bob.locator("#room-name")).to_have_text(alice_name)
    expect(message(bob, "hi bob, lunch on friday?")).to_be_visible()
    send(bob, "sure!")
    expect(message(alice, "sure!")).to_be_visible()


def test_search_finds_a_word_and_lands_on_the_message(open_page):
    page = open_page()
    sign_up(page, unique_name("searcher"))
    room_id = create_room(page, "Archive")
    bodies = [f"entry {n:03}" for n in range(1, 121)]
    bodies[4] = "The quarterly kumquat report is due"
    send_many(page, room_id, bodies)
    other_id = create_room(page, "Elsewhere")
    send(page, "no fruit here")

    # "/" focuses the box from anywhere but a text field; Ctrl+K from anywhere.
    page.locator("#room-name").click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Search messages")
    expect(box).to_be_focused()
    box.fill("KUMQUAT report")
    status = page.locator("#search-status")
    expect(status).to_have_text("1 message found")
    results = page.get_by_role("region", name="Search results")
    expect(results.get_by_role("heading", name="Archive")).to_be_visible()
    result = results.get_by_role("link")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text(["kumquat", "report"])
    expect(result).to_have_attribute("href", f"/rooms/{room_id}/")

    page.keyboard.press("ArrowDown")
    expect(result).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#room-name")).to_have_text("Archive")
    target = message(page, "The quarterly kumquat report is due")
    expect(target).to_be_visible()
    expect(target).to_be_focused()
    expect(target).to_have_class(re.compile("is-flashing"))
    expect(page.locator("#search-panel")).to_be_hidden()

    # The same box switches rooms: a room whose name matches comes first.
    page.keyboard.press("Control+k")
    box.fill("elsewh")
    room_link = results.get_by_role("link", name=re.compile("^Elsewhere"))
    expect(results.get_by_role("heading", name="Rooms")).to_be_visible()
    expect(room_link).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(room_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#room-name")).to_have_text("Elsewhere")
    expect(page).to_have_url(re.compile(f"/rooms/{other_id}/$"))

    # Nothing found says so; Ctrl+K comes back to the box with the words selected.
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    box.fill("zebra")
    expect(status).to_have_text("No messages match “zebra”.")
    page.keyboard.press("Escape")
    expect(page.locator("#search-panel")).to_be_hidden()


@pytest.fixture(scope="module")
def conversation(browser, live_server):
    """Alice and Bob share "Crew" and a direct conversation with a message in it; Alice's signed-in state."""
    names = {"alice": unique_name("alice"), "bob": unique_name("bob")}
    contexts = [browser.new_context(base_url=live_server.url) for _ in names]
    alice, bob = (context.new_page() for context in contexts)
    sign_up(alice, names["alice"])
    sign_up(bob, names["bob"])
    create_room(alice, "Crew")
    join_room(bob, invite_code(alice), "Crew")
    send(bob, "the plan for friday")
    room_id = alice.evaluate(
        """async (userId) => {
          const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const response = await fetch('/api/dms/', {method: 'POST', headers: {'Content-Type': 'application/json',
            'X-CSRFToken': csrf}, body: JSON.stringify({user_id: userId})});
          return (await response.json()).id;
        }""",
        bob.evaluate("JSON.parse(document.getElementById('chat-config').textContent).user.id"),
    )
    alice.goto(f"/rooms/{room_id}/")
    send(alice, "about the plan: lunch?")
    state = contexts[0].storage_state()
    for context in contexts:
        context.close()
    return {"names": names, "room_id": room_id, "alice_state": state}


@pytest.mark.parametrize("mode", MODES)
def test_direct_messages_cards_and_search_pass_the_audit(browser, live_server, conversation, mode):
    audit = Audit(mode)
    phone = MODES[mode]["viewport"]["width"] < 720
    context = browser.new_context(base_url=live_server.url, storage_state=conversation["alice_state"], **MODES[mode])
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/rooms/")
        wait_online(page)
        expect(page.locator("#direct-list .room-item")).to_have_count(1)
        audit(page, "the room list with direct messages")

        page.goto(f"/rooms/{conversation['room_id']}/")
        wait_online(page)
        expect(page.locator("#room-name")).to_have_text(conversation["names"]["bob"])
        audit(page, "a direct conversation")

        bob = conversation["names"]["bob"]
        if phone:
            page.get_by_role("button", name=re.compile("^Members")).click()
        page.get_by_role("complementary", name="Members").get_by_role("button", name=bob, exact=True).click()
        card = page.get_by_role("dialog", name=bob)
        expect(card).to_be_visible()
        audit(page, "a person's card")
        page.keyboard.press("Escape")
        expect(card).to_be_hidden()

        page.keyboard.press("Control+k")
        page.get_by_role("searchbox", name="Search messages").fill("plan")
        expect(page.locator("#search-status")).to_have_text("2 messages found")
        audit(page, "search results")
        audit.check()
    finally:
        context.close()
