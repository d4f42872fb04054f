"""
Reading a busy room: new messages below while scrolled up, the way back down, the "New" line,
day dividers, desktop notifications while the tab is in the background.
"""

import re

from playwright.sync_api import expect

from browser_tests.steps import (
    badge,
    create_room,
    invite_code,
    join_room,
    message,
    messages,
    send_many,
    sign_up,
    unique_name,
    wait_online,
)

# Headless Chromium neither hides tabs nor shows notifications: the page is given a tab it can
# hide and a Notification that records what it is asked to show.
FAKE_TAB_AND_NOTIFICATIONS = """(() => {
  let hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => hidden });
  window.setTabHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  window.shownNotifications = [];
  window.permissionRequests = 0;
  window.Notification = class extends EventTarget {
    static permission = 'default';
    static async requestPermission() {
      window.permissionRequests += 1;
      window.Notification.permission = 'granted';
      return 'granted';
    }
    constructor(title, options) {
      super();
      Object.assign(this, { title, options, closed: false });
      window.shownNotifications.push(this);
    }
    close() { this.closed = true; }
  };
})()"""


def at_bottom(page) -> bool:
    return page.locator("#messages").evaluate("el => el.scrollHeight - el.scrollTop - el.clientHeight < 2")


def test_new_messages_below_the_way_down_and_the_new_line(open_page):
    alice, bob = open_page(), open_page()
    alice.add_init_script(FAKE_TAB_AND_NOTIFICATIONS)
    bob_name = unique_name("bob")
    alice_name = unique_name("alice")
    sign_up(alice, alice_name)
    sign_up(bob, bob_name)
    room_id = create_room(alice, "Busy")
    join_room(bob, invite_code(alice), "Busy")
    send_many(bob, room_id, [f"chatter {n:02}" for n in range(1, 41)])
    expect(message(alice, "chatter 40")).to_be_in_viewport()
    pill = alice.get_by_role("button", name="2 new messages")
    jump = alice.get_by_role("button", name="Jump to latest messages")
    expect(jump).to_be_hidden()  # at the latest already

    # Alice scrolls up to read; two messages arrive below. She stays where she was, and is told.
    alice.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    expect(jump).to_be_visible()
    expect(pill).to_be_hidden()
    send_many(bob, room_id, ["new one", "new two"])
    expect(message(alice, "new two")).to_have_count(1)
    expect(pill).to_be_visible()
    expect(message(alice, "chatter 01")).to_be_in_viewport()

    pill.click()
    expect(message(alice, "new two")).to_be_in_viewport()
    expect(pill).to_be_hidden()
    expect(jump).to_be_hidden()
    assert at_bottom(alice)

    # The button, and End from the keyboard, do the same.
    alice.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    jump.click()
    expect(jump).to_be_hidden()
    assert at_bottom(alice)
    alice.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    expect(jump).to_be_visible()
    alice.locator("#messages").focus()
    alice.keyboard.press("End")
    expect(jump).to_be_hidden()
    assert at_bottom(alice)
    expect(alice.get_by_role("separator", name="New messages start here")).to_have_count(0)

    # Alice leaves for the room list; 25 messages arrive, more than a screen.
    alice.get_by_role("link", name="Chatroom").click()
    wait_online(alice)
    send_many(bob, room_id, [f"unread {n:02}" for n in range(1, 26)])
    expect(badge(alice, room_id)).to_have_text("25")

    # Opening the room shows the "New" line just above the first unread message, scrolled into view;
    # the latest is below, a button away.
    alice.locator(f'#room-list [data-room-id="{room_id}"] a').click()
    line = alice.get_by_role("separator", name="New messages start here")
    expect(line).to_have_count(1)
    expect(line).to_have_text("New")
    assert (
        line.evaluate("el => el.parentElement.nextElementSibling.querySelector('.msg-body').textContent") == "unread 01"
    )
    assert (
        line.evaluate("el => el.parentElement.previousElementSibling.querySelector('.msg-body').textContent")
        == "new two"
    )
    expect(message(alice, "unread 01")).to_be_in_viewport()
    expect(jump).to_be_visible()
    expect(badge(alice, room_id)).to_have_count(0)  # opened is read
    # Every message is from today: one day divider, at the top.
    expect(alice.get_by_role("separator", name="Today")).to_have_count(1)
    assert alice.locator("#message-list > :first-child [role=separator]").get_attribute("aria-label") == "Today"

    # Read now: no line the next time.
    alice.reload()
    wait_online(alice)
    expect(messages(alice)).to_have_count(50)
    expect(message(alice, "unread 25")).to_be_in_viewport()
    expect(line).to_have_count(0)

    # Desktop notifications: the browser is asked only when the button is pressed, never on load.
    alice.get_by_role("link", name="Chatroom").click()
    wait_online(alice)
    toggle = alice.get_by_role("button", name="Desktop notifications")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert alice.evaluate("window.permissionRequests") == 0
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert alice.evaluate("window.permissionRequests") == 1
    # In the background, the title counts every message; a mention of Alice notifies, chatter does not.
    # The notification opens the room.
    alice.evaluate("setTabHidden(true)")
    send_many(bob, room_id, ["just chatter"])
    expect(alice).to_have_title(re.compile(r"^\(1\) "))
    send_many(bob, room_id, [f"@{alice_name} are you there?"])
    expect(alice).to_have_title(re.compile(r"^\(2\) "))  # shown in the same turn as the notification
    shown = alice.evaluate("shownNotifications.map((n) => [n.title, n.options.body])")
    assert shown == [[f"{bob_name} mentioned you in Busy", f"@{alice_name} are you there?"]]
    alice.evaluate("setTabHidden(false); shownNotifications[0].dispatchEvent(new Event('click'))")
    expect(alice.locator("#room-name")).to_have_text("Busy")
    expect(message(alice, f"@{alice_name} are you there?")).to_be_in_viewport()
    assert alice.evaluate("shownNotifications[0].closed")
