# ruff: noqa: RUF001  (Chinese text has its own full-width punctuation)
"""
English and Simplified Chinese (README, "Languages"): the language follows the browser
(Accept-Language), the switcher and its cookie, and a signed-in user's saved choice; pages,
the API's `detail` texts, WebSocket error frames and the page's JavaScript catalog speak it.
"""

import json
import re

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import translation

from accounts.models import User
from accounts.tickets import ticket_issue
from chatroom.i18n import catalog_version, language_from_scope
from chatroom.testing.factories import PASSWORD
from chatroom.testing.i18n import compile_catalogues
from conftest import HOST, ORIGIN

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.8"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
COOKIE = settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def _catalogues():
    compile_catalogues()
    yield
    translation.activate(settings.LANGUAGE_CODE)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)">', response.content.decode())[1]


# --- Pages --------------------------------------------------------------------------


def test_pages_follow_accept_language(client, db):
    zh = client.get("/login/", **ZH)
    assert html_lang(zh) == "zh-hans"
    assert zh["Content-Language"] == "zh-hans"
    page = zh.content.decode()
    assert "<title>登录 · 聊天室</title>" in page
    assert "还没有账号？" in page
    assert "Sign in" not in page

    en = client.get("/login/", **EN)
    assert html_lang(en) == "en"
    assert "<title>Sign in · Chatroom</title>" in en.content.decode()


def test_an_unsupported_language_gets_english(client, db):
    assert html_lang(client.get("/register/", HTTP_ACCEPT_LANGUAGE="fr-FR,de;q=0.8")) == "en"


def test_every_page_has_the_switcher_and_the_catalog(client, make_user):
    alice = make_user("alice")
    signed_out = client.get("/register/", **ZH).content.decode()
    client.force_login(alice)
    chat = client.get("/rooms/", **ZH).content.decode()
    for page in (signed_out, chat):
        form = re.search(r'<form class="language-switch".*?</form>', page, re.S)[0]
        assert 'action="/i18n/setlang/"' in form
        assert 'name="csrfmiddlewaretoken"' in form
        # The other language, named in itself.
        assert '<button type="submit" name="language" value="en" lang="en"' in form
        assert ">English</button>" in form
        assert f'<script src="/jsi18n/zh-hans/?v={catalog_version()}"></script>' in page
    assert "你好，alice" in chat


def test_the_switcher_sets_the_cookie_and_goes_back(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/register/"}, **EN)
    assert response.status_code == 302
    assert response["Location"] == "/register/"
    assert response.cookies[COOKIE].value == "zh-hans"
    assert response.cookies[COOKIE]["samesite"] == "Lax"
    # The cookie now wins over the browser's English.
    assert html_lang(client.get("/register/", **EN)) == "zh-hans"


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client, db):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "https://evil.example/"}, **EN)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert COOKIE not in response.cookies
    assert client.get("/i18n/setlang/").status_code == 405


# --- A signed-in user's language ----------------------------------------------------


def test_switching_while_signed_in_saves_it_on_the_user(client, make_user):
    alice = make_user("alice")
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/rooms/"})
    alice.refresh_from_db()
    assert alice.language == "zh-hans"


def test_signing_in_applies_the_users_language(client, make_user):
    make_user("alice", language="zh-hans")
    client.cookies[COOKIE] = "en"  # this browser was English
    response = client.post("/login/", {"username": "alice", "password": PASSWORD}, **EN)
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "zh-hans"
    assert html_lang(client.get("/rooms/", **EN)) == "zh-hans"


def test_the_users_language_wins_on_any_browser_once_signed_in(client, make_user):
    client.force_login(make_user("alice", language="zh-hans"))
    response = client.get("/rooms/", **EN)
    assert html_lang(response) == "zh-hans"
    assert response.cookies[COOKIE].value == "zh-hans"


def test_a_choice_made_before_signing_in_is_kept_on_the_account(client, make_user):
    make_user("alice")
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"}, **EN)
    client.post("/login/", {"username": "alice", "password": PASSWORD}, **EN)
    assert User.objects.get(username="alice").language == "zh-hans"


def test_a_user_who_never_chose_follows_the_browser(client, make_user):
    client.force_login(make_user("alice"))
    assert html_lang(client.get("/rooms/", **ZH)) == "zh-hans"
    assert html_lang(client.get("/rooms/", **EN)) == "en"


# --- The API ------------------------------------------------------------------------


def test_api_detail_follows_accept_language_and_codes_do_not(api, make_user):
    client = api.as_user(make_user("alice"))
    zh = client.post("/api/rooms/join/", {"invite_code": "nope"}, format="json", **ZH)
    assert zh.status_code == 404
    assert zh.json() == {"detail": "邀请码无效或已失效。"}
    en = client.post("/api/rooms/join/", {"invite_code": "nope"}, format="json", **EN)
    assert en.json() == {"detail": "Unknown or revoked invite code."}


def test_api_field_errors_keep_their_field_names(api, db):
    response = api.post("/api/auth/register/", {"username": "x" * 200, "password": "p"}, format="json", **ZH)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"username"}
    # DRF's own message, in Django's and DRF's Chinese.
    assert re.search(r"[\u4e00-\u9fff]", body["username"][0]), body


def test_api_detail_follows_the_language_cookie(api, make_user):
    client = api.as_user(make_user("alice"))
    client.cookies[COOKIE] = "zh-hans"
    response = client.post("/api/rooms/join/", {"invite_code": "nope"}, format="json", **EN)
    assert response.json() == {"detail": "邀请码无效或已失效。"}


# --- The JavaScript catalog ---------------------------------------------------------


def test_the_catalog_is_per_language_and_cached_for_a_year(client, db):
    url = f"/jsi18n/zh-hans/?v={catalog_version()}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S)[1])
    assert catalog["Sending\u2026"] == "发送中…"
    assert catalog["%(count)s new message"] == ["%(count)s 条新消息"]
    assert "Django site admin" not in catalog  # only the project's strings
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    # The language is in the URL, never the request's: the English catalog stays English.
    english = client.get(f"/jsi18n/en/?v={catalog_version()}", **ZH).content.decode()
    assert "发送中" not in english and "\\u53d1\\u9001" not in english
    assert response["ETag"] != client.get(f"/jsi18n/en/?v={catalog_version()}")["ETag"]


def test_an_old_catalog_version_is_not_kept_long_and_an_unknown_language_is_404(client, db):
    assert "max-age=300" in client.get("/jsi18n/zh-hans/?v=old")["Cache-Control"]
    assert client.get("/jsi18n/fr/").status_code == 404


# --- WebSocket error frames ---------------------------------------------------------


def test_language_from_scope():
    def scope(*headers):
        return {"headers": [(name.encode(), value.encode()) for name, value in headers]}

    assert language_from_scope(scope()) == "en"
    assert language_from_scope(scope(("accept-language", "zh-CN,zh;q=0.9"))) == "zh-hans"
    assert language_from_scope(scope(("accept-language", "fr, zh-TW;q=0.5"))) == "zh-hans"
    cookie = f"sessionid=x; {COOKIE}=en"
    assert language_from_scope(scope(("cookie", cookie), ("accept-language", "zh-CN"))) == "en"
    assert language_from_scope(scope(("cookie", f"{COOKIE}=xx"), ("accept-language", "zh"))) == "zh-hans"
    assert language_from_scope(scope(("cookie", '"broken'), ("accept-language", "de"))) == "en"


@pytest.mark.django_db(transaction=True)
async def test_error_frames_speak_the_sockets_language(make_user):
    from channels.db import database_sync_to_async

    from chatroom.asgi import application

    alice = await database_sync_to_async(make_user)("alice")
    ticket = await database_sync_to_async(ticket_issue)(user=alice)
    headers = [HOST, ORIGIN, (b"accept-language", b"zh-CN,zh;q=0.9")]
    ws = WebsocketCommunicator(application, f"/ws/chat/?ticket={ticket}", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    await ws.send_to(text_data="not json")
    frame = await ws.receive_json_from(timeout=2)
    assert frame == {"type": "error", "code": "bad_json", "detail": "帧不是有效的 JSON。", "client_id": None}
    await ws.send_json_to({"type": "message.send", "room": 999999, "body": "hi", "client_id": "c1"})
    frame = await ws.receive_json_from(timeout=2)
    assert frame["code"] == "not_member"
    assert frame["detail"] == "未找到。"
    await ws.disconnect()
