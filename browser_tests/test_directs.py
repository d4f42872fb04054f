"""Direct messages from a person's card, and search that lands on the message (protocol version 2)."""

import re

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
)


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
    assert other_id != room_id

    # Nothing found says so; Ctrl+K comes back to the box with the words selected.
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    box.fill("zebra")
    expect(status).to_have_text("No messages match “zebra”.")
    page.keyboard.press("Escape")
    expect(page.locator("#search-panel")).to_be_hidden()
