"""
Messages of protocol version 2 in the pages: edits, replies, reactions, mentions, the server's
html; a tab that missed changes catches up through the room's change log; the message list
from the keyboard alone.
"""

import re

from playwright.sync_api import expect

from browser_tests.steps import (
    SocketTap,
    create_room,
    invite_code,
    join_room,
    message,
    messages,
    send,
    send_many,
    sign_up,
    unique_name,
    wait_online,
)
from browser_tests.test_reading import FAKE_TAB_AND_NOTIFICATIONS


def actions_of(page, text: str):
    """Hover a message, so that its actions show, and return it."""
    entry = message(page, text)
    entry.hover()
    return entry


def test_two_people_edit_reply_react_and_mention(open_page):
    alice, bob = open_page(), open_page()
    bob.add_init_script(FAKE_TAB_AND_NOTIFICATIONS)
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up(alice, alice_name)
    sign_up(bob, bob_name)
    room_id = create_room(alice, "Plans")
    join_room(bob, invite_code(alice), "Plans")

    # The server's html is the only markup: Markdown shows, typed HTML stays text.
    send(alice, "**Lunch** at `noon`? <img src=x onerror=alert(1)>")
    shown = bob.locator("#message-list .msg-body", has_text="Lunch")
    expect(shown.locator("strong")).to_have_text("Lunch")
    expect(shown.locator("code")).to_have_text("noon")
    expect(shown).to_contain_text("<img src=x onerror=alert(1)>")
    expect(bob.locator("#message-list img:not(.avatar)")).to_have_count(0)
    send(alice, "```\nfor day in week:\n    lunch(day)\n```")
    code_block = bob.locator("#message-list .msg-body pre code")
    expect(code_block).to_have_text("for day in week:\n    lunch(day)\n")
    assert code_block.evaluate("el => getComputedStyle(el).fontFamily").lower().find("mono") >= 0
    assert code_block.evaluate("el => getComputedStyle(el.parentElement).overflowX") == "auto"

    send(alice, "Where shall we go for lunch?")
    question = "Where shall we go for lunch?"

    # Bob reacts through the picker: a search, then Enter picks the first match.
    actions_of(bob, question).get_by_role("button", name=f"React to {alice_name}'s message: {question}").click()
    picker = bob.get_by_role("dialog", name="Choose a reaction")
    expect(picker).to_be_visible()
    bob.get_by_label("Search emoji").fill("thumbs up")
    bob.get_by_label("Search emoji").press("Enter")
    expect(picker).to_be_hidden()
    bob_chip = message(bob, question).locator(".reaction", has_text="👍")
    expect(bob_chip).to_have_attribute("aria-pressed", "true")
    alice_chip = message(alice, question).locator(".reaction", has_text="👍")
    expect(alice_chip).to_contain_text("1")
    expect(alice_chip).to_have_attribute("aria-pressed", "false")
    expect(alice_chip).to_have_attribute("aria-label", f"👍 1 reaction: {bob_name}")  # named from the members list
    alice_chip.click()  # Alice adds hers with a click on the chip
    expect(alice_chip).to_have_attribute("aria-pressed", "true")
    expect(bob_chip).to_contain_text("2")
    expect(bob_chip).to_have_attribute("title", f"You and {alice_name} reacted with 👍")
    bob_chip.click()  # and Bob takes his back
    expect(alice_chip).to_contain_text("1")
    expect(alice_chip).to_have_attribute("aria-label", "👍 1 reaction: you")

    # Bob replies: the composer says to whom; the reply quotes the original.
    actions_of(bob, question).get_by_role("button", name=f"Reply to {alice_name}: {question}").click()
    expect(bob.locator("#composer-context")).to_contain_text(f"Replying to {alice_name}")
    send(bob, "The noodle place?")
    expect(bob.locator("#composer-context")).to_be_hidden()
    reply = message(alice, "The noodle place?")
    quote = reply.get_by_role("button", name=re.compile(f"^Reply to {alice_name}: Where shall we go"))
    expect(quote).to_be_visible()

    # Alice edits her question; Bob sees it "(edited)", with the time in the tooltip, and his reply's quote follows.
    actions_of(alice, question).get_by_role("button", name=f"Edit your message: {question}").click()
    composer = alice.get_by_label("Message", exact=True)
    expect(alice.locator("#composer-context")).to_contain_text("Editing your message")
    expect(composer).to_have_value(question)
    composer.fill("Where shall we go for dinner?")
    composer.press("Enter")
    expect(alice.locator("#composer-context")).to_be_hidden()
    expect(composer).to_have_value("")
    edited = message(bob, "Where shall we go for dinner?")
    expect(edited.locator(".msg-edited")).to_have_text("(edited)")
    expect(edited.locator(".msg-edited")).to_have_attribute("title", re.compile(r"^Edited "))
    expect(message(bob, "The noodle place?").locator(".msg-quote")).to_contain_text("Where shall we go for dinner?")
    # ↑ in the empty composer edits one's last message; Escape gives up.
    send(alice, "typo here")
    expect(message(alice, "typo here")).to_be_visible()
    composer.press("ArrowUp")
    expect(composer).to_have_value("typo here")
    composer.press("Escape")
    expect(composer).to_have_value("")
    expect(alice.locator("#composer-context")).to_be_hidden()

    # Clicking the quote goes to the original.
    quote.click()
    expect(message(alice, "Where shall we go for dinner?")).to_be_focused()

    # Alice mentions Bob, who is looking at the room list in a background tab.
    bob.get_by_role("link", name="Chatroom").click()
    wait_online(bob)
    bob.get_by_role("button", name="Desktop notifications").click()
    bob.evaluate("setTabHidden(true)")
    composer.press_sequentially(f"Ask @{bob_name[:3]}")
    people = alice.get_by_role("listbox", name="People in this room")
    expect(people.get_by_role("option")).to_have_count(1)  # not Alice herself
    option = people.get_by_role("option", name=bob_name, exact=True)
    expect(option).to_have_attribute("aria-selected", "true")
    expect(composer).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    composer.press("Enter")  # picks, does not send
    expect(composer).to_have_value(f"Ask @{bob_name} ")
    composer.press_sequentially("about it")
    composer.press("Enter")
    room_item = bob.locator(f'#room-list [data-room-id="{room_id}"]')
    expect(room_item.locator(".badge-mention")).to_have_text("@")
    expect(room_item.locator(".badge-count")).to_have_text("1")  # the unread count, apart
    shown = bob.evaluate("shownNotifications.map((n) => n.title)")
    assert shown == [f"{alice_name} mentioned you in Plans"], shown
    expect(message(alice, f"Ask @{bob_name} about it").locator(".mention")).to_have_text(f"@{bob_name}")
    bob.evaluate("setTabHidden(false)")
    room_item.locator("a").click()
    expect(message(bob, f"Ask @{bob_name} about it").locator(".mention--me")).to_have_text(f"@{bob_name}")
    expect(room_item.locator(".badge-mention")).to_have_count(0)  # read

    # Alice, the owner, deletes Bob's reply after confirming; it goes for both, and so does its quote's source.
    delete = f"Delete {bob_name}'s message: The noodle place?"
    actions_of(alice, "The noodle place?").get_by_role("button", name=delete).click()
    alice.get_by_role("dialog", name="Delete message?").get_by_role("button", name="Delete").click()
    expect(message(bob, "The noodle place?")).to_have_count(0)
    expect(message(alice, "The noodle place?")).to_have_count(0)


def test_a_tab_that_missed_changes_gets_them_from_the_change_log(open_page):
    alice, bob = open_page(), open_page()
    tap = SocketTap(bob)
    catch_ups = []  # what Bob's page asks the API to catch up with
    bob.on("request", lambda r: catch_ups.append(r.url) if re.search(r"/(changes|messages)/\?", r.url) else None)
    sign_up(alice, unique_name("alice"))
    sign_up(bob, unique_name("bob"))
    room_id = create_room(alice, "Sleepy")
    join_room(bob, invite_code(alice), "Sleepy")
    for text in ["to be edited", "to be deleted", "to be reacted to"]:
        send(alice, text)
        expect(message(bob, text)).to_be_visible()

    # A lost push shows when the next one skips its number: the change log fills the gap.
    tap.drop = True
    actions_of(alice, "to be edited").get_by_role("button", name=re.compile("^Edit your message")).click()
    alice.get_by_label("Message", exact=True).fill("edited, push lost")
    alice.get_by_label("Message", exact=True).press("Enter")
    expect(message(alice, "edited, push lost")).to_be_visible()
    tap.drop = False
    send(alice, "the next push")
    expect(message(bob, "the next push")).to_be_visible()
    expect(message(bob, "edited, push lost")).to_be_visible()
    expect(message(bob, "edited, push lost").locator(".msg-edited")).to_have_text("(edited)")

    # Bob's tab goes offline; meanwhile Alice edits, deletes and reacts.
    catch_ups.clear()
    tap.refuse = True
    tap.cut()
    expect(bob.locator("#connection-banner")).to_be_visible()
    actions_of(alice, "the next push").get_by_role("button", name=re.compile("^Edit your message")).click()
    alice.get_by_label("Message", exact=True).fill("edited while Bob was away")
    alice.get_by_label("Message", exact=True).press("Enter")
    expect(message(alice, "edited while Bob was away")).to_be_visible()
    actions_of(alice, "to be deleted").get_by_role("button", name=re.compile("^Delete your message")).click()
    alice.get_by_role("dialog", name="Delete message?").get_by_role("button", name="Delete").click()
    expect(message(alice, "to be deleted")).to_have_count(0)
    actions_of(alice, "to be reacted to").get_by_role("button", name=re.compile("^React to")).click()
    alice.get_by_label("Search emoji").fill("party")
    alice.get_by_label("Search emoji").press("Enter")
    expect(message(alice, "to be reacted to").locator(".reaction")).to_contain_text("1")

    # Back online: hello's seqs say the room moved on; the change log brings every change.
    tap.refuse = False
    bob.evaluate("window.dispatchEvent(new Event('online'))")
    wait_online(bob)
    expect(message(bob, "edited while Bob was away")).to_be_visible()
    expect(message(bob, "to be deleted")).to_have_count(0)
    expect(message(bob, "to be reacted to").locator(".reaction")).to_have_attribute("aria-pressed", "false")
    expect(message(bob, "to be reacted to").locator(".reaction")).to_contain_text("1")
    assert any(f"/api/rooms/{room_id}/changes/?since=" in url for url in catch_ups), catch_ups
    assert not any("after=" in url for url in catch_ups), catch_ups  # no catch-up by id any more


_REPLY_OVER_A_SOCKET = """async ({room, body, replyTo}) => {
  const ws = new WebSocket(`ws://${location.host}/ws/chat/`);
  const frames = [];
  const until = (test) => new Promise((resolve) => {
    ws.addEventListener('message', (event) => { frames.push(JSON.parse(event.data)); if (test()) resolve(); });
  });
  await until(() => frames.some((f) => f.type === 'hello'));
  ws.send(JSON.stringify({type: 'message.send', room, body, reply_to: replyTo, client_id: `reply-${Math.random()}`}));
  await until(() => frames.some((f) => f.type === 'ack'));
  ws.close();
}"""


def test_a_reply_to_a_message_not_loaded_opens_the_history_around_it(open_page):
    page = open_page()
    sign_up(page, unique_name("ann"))
    room_id = create_room(page, "Long")
    send_many(page, room_id, [f"old {n:03}" for n in range(1, 61)])
    first_id = page.request.get(f"/api/rooms/{room_id}/messages/?limit=1&around=1").json()["results"][0]["id"]
    page.evaluate(_REPLY_OVER_A_SOCKET, {"room": room_id, "body": "about the first one", "replyTo": first_id})
    page.reload()
    wait_online(page)
    expect(message(page, "old 001")).to_have_count(0)  # far above the first page
    message(page, "about the first one").get_by_role("button", name=re.compile("^Reply to .*: old 001")).click()
    expect(message(page, "old 001")).to_be_focused()
    expect(message(page, "old 001")).to_be_in_viewport()
    # The messages after it come back as the reader goes down, up to the latest.
    page.get_by_role("button", name="Jump to latest messages").click()
    expect(message(page, "about the first one")).to_be_in_viewport()
    expect(messages(page)).to_have_count(50)


def test_the_message_list_from_the_keyboard_alone(open_page):
    page = open_page()
    sign_up(page, unique_name("kay"))
    create_room(page, "Keys")
    for text in ["first", "second", "third"]:
        send(page, text)
    expect(message(page, "third")).to_be_visible()

    # One Tab from the room's header reaches the list, on its newest message; one more leaves it.
    page.get_by_role("button", name="Settings").focus()
    page.keyboard.press("Tab")
    expect(message(page, "third")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(message(page, "third")).to_be_focused()

    # Arrows move between messages; Enter opens the message's actions.
    page.keyboard.press("ArrowUp")
    expect(message(page, "second")).to_be_focused()
    page.keyboard.press("Enter")
    react = page.get_by_role("button", name="React to your message: second")
    expect(react).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("party")
    page.keyboard.press("Enter")
    chip = message(page, "second").get_by_role("button", name=re.compile("^🎉 1 reaction"))
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(react).to_be_focused()  # back where the picker was opened from

    # The chip is one more control along: Enter takes the reaction back.
    page.keyboard.press("ArrowLeft")
    expect(chip).to_be_focused()
    page.keyboard.press("Enter")
    expect(chip).to_have_count(0)

    # Reply: the action, the composer, Enter.
    page.keyboard.press("Escape")
    expect(message(page, "second")).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("button", name="Reply to yourself: first")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()
    expect(page.locator("#composer-context")).to_contain_text("Replying to")
    page.keyboard.type("an answer to the first")
    page.keyboard.press("Enter")
    expect(message(page, "an answer to the first").locator(".msg-quote")).to_contain_text("first")
