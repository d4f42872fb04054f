# ruff: noqa: RUF001  (Chinese text has its own full-width punctuation)
"""
English and Simplified Chinese in the browser (README, "Languages"): a zh-CN browser gets the
Chinese pages end to end, an English one the English pages, and the switcher changes the
language and keeps it (the cookie, and the account once signed in).
"""

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from browser_tests.steps import PASSWORD, send, unique_name, wait_online

# The README's second picture, the Chinese page: refreshed when UPDATE_SCREENSHOT=1 (as docs/screenshot.png).
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot-zh.png"

# Latin words the Chinese pages may show: keys, the switcher's "English" (each language is named in itself).
LATIN_ALLOWED = {"Enter", "Shift", "Esc", "End", "English"}

_VISIBLE_WORDS = """() => {
  const texts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt]')) {
    if (el.closest('[hidden]')) continue;
    texts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '',
      el.getAttribute('placeholder') || '', el.getAttribute('alt') || '');
  }
  return texts.join('\\n');
}"""


def english_words(page: Page, *names: str) -> set[str]:
    """Latin words in what the page shows or names for a screen reader, but for names and keys."""
    text = page.evaluate(_VISIBLE_WORDS)
    for name in names:
        text = text.replace(name, "")
    return set(re.findall(r"[A-Za-z]{3,}", text)) - LATIN_ALLOWED


def sign_up_zh(page: Page, username: str) -> None:
    page.goto("/register/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_title("注册账号 · 聊天室")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("密码确认").fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page).to_have_url(re.compile(r"/rooms/$"))
    wait_online(page)


def sign_in(page: Page, username: str, button: str) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=button, exact=True).click()
    expect(page).to_have_url(re.compile(r"/rooms/$"))
    wait_online(page)


def send_zh(page: Page, text: str) -> None:
    composer = page.get_by_role("textbox", name="消息", exact=True)
    composer.fill(text)
    composer.press("Enter")
    expect(composer).to_have_value("")


def test_a_chinese_browser_gets_chinese_pages_end_to_end(open_page):
    clipboard = ["clipboard-read", "clipboard-write"]
    alice, bob = open_page(locale="zh-CN", permissions=clipboard), open_page(locale="zh-CN")
    alice_name, bob_name = unique_name("alice"), unique_name("bob")
    sign_up_zh(alice, alice_name)
    expect(alice.get_by_role("heading", name=f"你好，{alice_name}")).to_be_visible()
    expect(alice.get_by_role("button", name="退出登录")).to_be_visible()

    alice.get_by_role("button", name="创建房间").first.click()
    dialog = alice.get_by_role("dialog", name="创建房间")
    dialog.get_by_label("名称").fill("读书会")
    dialog.get_by_label("简介").fill("每周一本书")
    dialog.get_by_role("button", name="创建", exact=True).click()
    expect(alice.locator("#room-name")).to_have_text("读书会")
    expect(alice.locator("#history-status")).to_have_text("“读书会”的聊天从这里开始。")
    expect(alice.get_by_role("textbox", name="消息", exact=True)).to_have_attribute("placeholder", "输入消息…")
    expect(alice.locator("#toggle-members")).to_have_attribute("aria-label", "成员（1）")
    expect(alice).to_have_title(re.compile(r"读书会 · 聊天室$"))

    alice.get_by_role("button", name="复制邀请码").click()
    expect(alice.locator("#toast")).to_have_text("邀请码已复制。任何拿到它的人都能加入此房间。")
    code = alice.evaluate("navigator.clipboard.readText()")

    sign_up_zh(bob, bob_name)
    bob.get_by_role("button", name="用邀请码加入房间").click()
    join = bob.get_by_role("dialog", name="加入房间")
    join.get_by_label("邀请码").fill(code)
    join.get_by_role("button", name="加入", exact=True).click()
    expect(bob.locator("#toast")).to_have_text("你已加入“读书会”。")

    send_zh(bob, "大家好！")
    send_zh(alice, "欢迎！")
    for page in (alice, bob):
        expect(page.locator("#message-list .msg-body", has_text="欢迎！")).to_be_visible()
        expect(page.locator("#message-list .msg-body", has_text="大家好！")).to_be_visible()
        expect(page.get_by_role("separator", name="今天")).to_be_visible()
        # Times in Chinese (the tooltip's full date: 2026年12月3日星期四 …).
        expect(page.locator("#message-list time").first).to_have_attribute("title", re.compile(r"\d+年\d+月\d+日"))
    expect(alice.locator("#member-list")).to_contain_text("房主")
    expect(alice.locator("#member-list")).to_contain_text("在线")
    # A message's actions say, in Chinese, which message they act on.
    expect(alice.get_by_role("button", name=f"回复 {bob_name}：大家好！")).to_have_count(1)

    # Nothing of the page is left in English (but names and keys).
    assert english_words(alice, alice_name, bob_name) == set()
    assert english_words(bob, alice_name, bob_name) == set()

    alice.locator("#composer-input").fill("周六下午三点，老地方见？")
    expect(alice.locator("#toast")).to_be_empty()
    shot = alice.screenshot(path=str(SCREENSHOT) if os.environ.get("UPDATE_SCREENSHOT") == "1" else None)
    assert shot.startswith(b"\x89PNG")

    # On a phone the top bar still holds the switcher, and nothing overflows sideways.
    bob.set_viewport_size({"width": 390, "height": 844})
    expect(bob.locator(".topbar").get_by_role("button", name="English")).to_be_visible()
    assert bob.evaluate("document.scrollingElement.scrollWidth") <= 390


def test_an_english_browser_gets_english_pages(open_page):
    page = open_page(locale="en-US")
    page.goto("/register/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Create an account · Chatroom")
    name = unique_name("erin")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    wait_online(page)
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()
    page.get_by_role("button", name="Create a room").first.click()
    dialog = page.get_by_role("dialog", name="Create a room")
    dialog.get_by_label("Name").fill("Book club")
    dialog.get_by_role("button", name="Create room").click()
    send(page, "Hello there")
    expect(page.get_by_role("separator", name="Today")).to_be_visible()
    expect(page.locator("#history-status")).to_have_text("This is the beginning of Book club.")
    # The switcher offers the other language, named in itself.
    expect(page.get_by_role("button", name="简体中文")).to_have_attribute("lang", "zh-hans")


def test_the_switcher_changes_the_language_and_it_is_remembered(open_page):
    page = open_page(locale="en-US")
    name = unique_name("sam")
    page.goto("/register/")
    page.get_by_role("button", name="简体中文").click()  # signed out: the cookie keeps it
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/register/$"))
    page.reload()
    expect(page).to_have_title("注册账号 · 聊天室")

    page.get_by_role("button", name="English").click()
    expect(page).to_have_title("Create an account · Chatroom")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    wait_online(page)

    # Signed in, from the chat's top bar: the page comes back in Chinese, and stays so.
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    wait_online(page)
    expect(page.get_by_role("heading", name=f"你好，{name}")).to_be_visible()
    page.reload()
    wait_online(page)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()

    # Signing out and in again keeps it; so does another browser (English), from the account.
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_title("登录 · 聊天室")
    sign_in(page, name, "登录")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    elsewhere = open_page(locale="en-US")
    elsewhere.goto("/login/")
    expect(elsewhere).to_have_title("Sign in · Chatroom")
    sign_in(elsewhere, name, "Sign in")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(elsewhere.get_by_role("heading", name=f"你好，{name}")).to_be_visible()

    # And back to English, from the Chinese page.
    elsewhere.get_by_role("button", name="English").click()
    wait_online(elsewhere)
    expect(elsewhere.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()
