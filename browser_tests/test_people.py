"""People, version 2, in the browser: an invite link copied by one person and opened by someone signed out."""

import re

from playwright.sync_api import expect

from browser_tests.steps import (
    PASSWORD,
    copy_invite_link,
    create_room,
    message,
    send,
    sign_up,
    unique_name,
    wait_online,
)


def test_invite_link_takes_a_signed_out_visitor_through_sign_up_into_the_room(open_page):
    alice = open_page(permissions=["clipboard-read", "clipboard-write"])
    bob = open_page()
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up(alice, alice_name)
    room_id = create_room(alice, "Book club")
    link = copy_invite_link(alice)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/join/[\w-]{20,}/", link), link

    # Bob, signed out, opens the link: the page names the room and offers sign-in or sign-up.
    bob.goto(link)
    expect(bob.get_by_role("heading", name="You are invited")).to_be_visible()
    expect(bob.get_by_text("Book club")).to_be_visible()
    bob.get_by_role("link", name="Create an account and join").click()
    expect(bob).to_have_url(re.compile(r"/register/\?next="))
    bob.get_by_label("Username").fill(bob_name)
    bob.get_by_label("Password", exact=True).fill(PASSWORD)
    bob.get_by_label("Password confirmation").fill(PASSWORD)
    bob.get_by_role("button", name="Create account").click()

    # ...and lands in the room, a member, where Alice sees him arrive.
    expect(bob).to_have_url(re.compile(rf"/rooms/{room_id}/$"))
    wait_online(bob)
    expect(bob.locator("#room-name")).to_have_text("Book club")
    expect(alice.locator(".notice", has_text=f"{bob_name} joined")).to_be_visible()

    # Bob names himself; Alice's page shows the new name without a reload.
    send(bob, "Hello, book people")
    expect(message(alice, "Hello, book people").locator(".msg-author")).to_have_text(bob_name)
    bob.get_by_role("button", name=re.compile("Your account")).click()
    dialog = bob.get_by_role("dialog", name="Your account")
    dialog.get_by_label("Display name").fill("Robert the Reader")
    dialog.get_by_role("button", name="Save profile").click()
    expect(dialog).to_be_hidden()
    expect(message(alice, "Hello, book people").locator(".msg-author")).to_have_text("Robert the Reader")
    expect(alice.locator("#member-list .member", has_text="Robert the Reader")).to_be_visible()


def test_an_owner_hands_the_room_over_then_deletes_their_account(open_page):
    alice = open_page(permissions=["clipboard-read", "clipboard-write"])
    bob = open_page()
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up(alice, alice_name)
    sign_up(bob, bob_name)
    room_id = create_room(alice, "Attic")
    link = copy_invite_link(alice)
    bob.goto(link)
    expect(bob).to_have_url(re.compile(rf"/rooms/{room_id}/$"))
    wait_online(bob)
    send(alice, "my last words")
    expect(message(bob, "my last words")).to_be_visible()

    alice.get_by_role("button", name=re.compile("Your account")).click()
    dialog = alice.get_by_role("dialog", name="Your account")
    # An owner is refused, and told which rooms to hand over first.
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete my account…").click()
    confirm = alice.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Your messages stay in their rooms")
    confirm.get_by_role("button", name="Delete my account").click()
    expect(dialog.locator("#delete-account-form [data-error-for='__all__']")).to_contain_text("Attic")

    # Hand the room to Bob: he becomes its owner, she an admin.
    expect(dialog.get_by_label("Room", exact=True)).to_have_value(str(room_id))
    dialog.get_by_label("New owner").select_option(label=f"{bob_name} (@{bob_name})")
    dialog.get_by_role("button", name="Hand over…").click()
    expect(confirm).to_contain_text("You stay in the room as an admin")
    confirm.get_by_role("button", name="Hand over").click()
    expect(alice.locator("#toast")).to_contain_text(f"{bob_name} now owns Attic")
    expect(bob.locator("#toggle-settings")).to_be_visible()  # the owner's settings, live

    # Now she may go, her messages with her.
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_label("Also delete every message I wrote").check()
    dialog.get_by_role("button", name="Delete my account…").click()
    expect(confirm).to_contain_text("Your messages are deleted for everyone")
    confirm.get_by_role("button", name="Delete my account").click()
    expect(alice).to_have_url(re.compile(r"/login/"))
    expect(message(bob, "my last words")).to_have_count(0)
    expect(bob.locator(".notice", has_text="Deleted user left")).to_be_visible()
