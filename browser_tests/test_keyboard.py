"""
The chat from the keyboard alone: sign in, open a room, move between rooms, send, reply, react,
open and close every panel and dialog (the focus goes back to what opened it), the shortcuts, the
theme switch. The page counts pointer events: the test must not have used a mouse.
"""

import re

from playwright.sync_api import Page, expect

from browser_tests.steps import PASSWORD, create_room, message, send, sign_up, unique_name, wait_online

COUNT_POINTERS = "window.__pointers = 0; addEventListener('pointerdown', () => { window.__pointers += 1; }, true);"


def tab_to(page: Page, target, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    expect(target).to_be_focused()


def open_and_close(page: Page, opener, dialog_name, key: str = "Enter") -> None:
    """Open a dialog from `opener` with `key`, close it with Escape: the focus is back on the opener."""
    tab_to(page, opener)
    page.keyboard.press(key)
    dialog = page.get_by_role("dialog", name=dialog_name)
    expect(dialog).to_be_visible()
    assert dialog.evaluate("el => el.contains(document.activeElement)"), "the focus is in the dialog"
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_the_chat_with_the_keyboard_alone(open_page):
    # Set up with the mouse, in a page of its own: a person with two rooms.
    name = unique_name("kim")
    setup = open_page()
    sign_up(setup, name)
    create_room(setup, "Alpha")
    send(setup, "hello from alpha")
    create_room(setup, "Beta")
    send(setup, "hello from beta")
    setup.context.clear_cookies()

    # A tablet-sized window: the side panels open over the room, on demand.
    page = open_page(viewport={"width": 1024, "height": 768})
    page.add_init_script(COUNT_POINTERS)
    page.goto("/login/")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/rooms/$"))
    wait_online(page)

    # Open a room from the list; Alt+Down and Alt+Up move along the list.
    tab_to(page, page.get_by_role("link", name=re.compile("^Beta")))
    page.keyboard.press("Enter")
    expect(page.locator("#room-name")).to_have_text("Beta")
    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#room-name")).to_have_text("Alpha")
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#room-name")).to_have_text("Beta")

    # Send.
    composer = page.get_by_label("Message", exact=True)
    tab_to(page, composer)
    page.keyboard.type("first from the keyboard")
    page.keyboard.press("Enter")
    expect(message(page, "first from the keyboard")).to_be_visible()

    # Reply: back into the list (one Tab stop, on the newest), the message's actions, Reply.
    page.keyboard.press("Shift+Tab")
    expect(message(page, "first from the keyboard")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("button", name="Reply to yourself: first from the keyboard")).to_be_focused()
    page.keyboard.press("Enter")
    expect(composer).to_be_focused()
    page.keyboard.type("a reply")
    page.keyboard.press("Enter")
    expect(message(page, "a reply").locator(".msg-quote")).to_contain_text("first from the keyboard")

    # React, through the picker: its search, Enter picks the first match; the focus comes back.
    page.keyboard.press("Shift+Tab")  # the list's Tab stop stayed on the message last visited
    page.keyboard.press("End")
    expect(message(page, "a reply")).to_be_focused()
    page.keyboard.press("Enter")
    react = page.get_by_role("button", name="React to your message: a reply")
    expect(react).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Choose a reaction")).to_be_visible()
    page.keyboard.type("thumbs up")
    page.keyboard.press("Enter")
    expect(message(page, "a reply").get_by_role("button", name=re.compile("1 reaction"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(react).to_be_focused()
    # The picker again, closed with Escape this time.
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Choose a reaction")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Choose a reaction")).to_be_hidden()
    expect(react).to_be_focused()
    page.keyboard.press("Escape")
    expect(message(page, "a reply")).to_be_focused()

    # "?" opens the shortcuts (out of a text field); Escape closes them, the focus is back.
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Alt")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()
    expect(message(page, "a reply")).to_be_focused()
    # In the composer "?" is a character like any other.
    tab_to(page, composer)
    page.keyboard.type("?")
    expect(composer).to_have_value("?")
    expect(shortcuts).to_be_hidden()
    page.keyboard.press("Backspace")

    # Every dialog the top bar and the side bar open.
    open_and_close(page, page.get_by_role("button", name="Keyboard shortcuts"), "Keyboard shortcuts")
    open_and_close(page, page.get_by_role("button", name=re.compile("^Your account:")), "Your account")
    open_and_close(page, page.get_by_role("button", name="Create a room"), "Create a room")
    open_and_close(page, page.get_by_role("button", name="Join a room with an invite code"), "Join a room")

    # The members panel: the toggle puts the focus in it, Escape closes it and gives it back.
    members_toggle = page.get_by_role("button", name=re.compile("^Members"))
    tab_to(page, members_toggle)
    page.keyboard.press("Enter")
    members = page.get_by_role("complementary", name="Members")
    expect(members).to_be_visible()
    expect(members).to_be_focused()
    expect(members_toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(members).to_be_hidden()
    expect(members_toggle).to_be_focused()
    expect(members_toggle).to_have_attribute("aria-expanded", "false")

    # The settings panel, its confirmation dialog, and its close button.
    settings_toggle = page.get_by_role("button", name="Settings")
    tab_to(page, settings_toggle)
    page.keyboard.press("Enter")
    settings = page.get_by_role("complementary", name="Room settings")
    expect(settings).to_be_focused()
    open_and_close(page, settings.get_by_role("button", name="Delete this room"), "Delete Beta?")
    open_and_close(page, settings.get_by_role("button", name="Rotate invite code"), "Rotate the invite code?")
    page.keyboard.press("Escape")
    expect(settings).to_be_hidden()
    expect(settings_toggle).to_be_focused()
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Close settings"), backwards=True)
    page.keyboard.press("Enter")
    expect(settings).to_be_hidden()
    expect(settings_toggle).to_be_focused()

    # The theme: dark chosen here stays after a reload, set before the page paints.
    theme = page.get_by_label("Theme")
    tab_to(page, theme)
    expect(theme).to_have_value("system")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(theme).to_have_value("dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 19, 27)", background  # the dark --bg, though the system is light
    expect(page.get_by_label("Theme")).to_have_value("dark")

    assert page.evaluate("window.__pointers") == 0, "the test used the mouse"
