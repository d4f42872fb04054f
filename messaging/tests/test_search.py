"""
GET search/ and the full-text index behind it (messaging/search.py), on
whichever database the suite runs: FTS5 on SQLite, Mroonga on MariaDB.
"""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chatroom.testing.factories import MembershipFactory, MessageFactory, RoomFactory
from messaging.models import Message
from messaging.search import MYSQL_TABLE, SQLITE_TABLE, search_index_update, search_sql
from messaging.services import message_delete, message_send
from rooms.services import room_delete

pytestmark = pytest.mark.django_db

SEARCH = "/api/search/"
OPERATORS = ["+", "-", "*", '"', "%", "_", "@", "~", "<", ">", "(", ")", "\\", "'", ";", ":", "^", "|", "&", "{", "}"]


def edit(message: Message, body: str) -> None:
    """
    Stands in for the version 2 edit service (messaging.services.message_edit,
    on another branch): save the new body, then sync the index, as every
    change to a body must (search_index_update is the one place edits call).
    """
    with transaction.atomic():
        message.body = body
        message.save(update_fields=["body"])
        search_index_update(messages=[message])


def search(client, q, **params) -> dict:
    response = client.get(SEARCH, {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def found(client, q, **params) -> list[str]:
    return [m["body"] for m in search(client, q, **params)["results"]]


@pytest.fixture
def owner_client(api, room):
    return api.as_user(room.owner)


@pytest.fixture
def say(room, django_capture_on_commit_callbacks):
    """Send messages to `room` as its owner, through message_send; on commit callbacks run."""

    def send(*bodies: str, room=room) -> list[Message]:
        with django_capture_on_commit_callbacks(execute=True):
            return [message_send(author=room.owner, room_id=room.id, body=body).message for body in bodies]

    return send


def test_finds_only_the_callers_rooms(api, room, say, make_user):
    say("the launch is on Friday")
    stranger_room = RoomFactory(name="elsewhere")
    MessageFactory(room=stranger_room, body="secret launch codes")
    MembershipFactory(room=stranger_room, user=make_user("visitor"))
    assert found(api.as_user(room.owner), "launch") == ["the launch is on Friday"]
    assert found(api.as_user(stranger_room.owner), "launch") == ["secret launch codes"]


def test_every_word_case_insensitively_newest_first(owner_client, say):
    say("Lunch at NOON", "lunch later", "noon meeting", "MEETING at noon, lunch after")
    assert found(owner_client, "noon LUNCH") == ["MEETING at noon, lunch after", "Lunch at NOON"]
    assert found(owner_client, "meet") == ["MEETING at noon, lunch after", "noon meeting"]  # a substring
    assert found(owner_client, "lunch dinner") == []
    # Repeated words and surrounding whitespace change nothing.
    assert found(owner_client, "  noon\tnoon  lunch\n") == ["MEETING at noon, lunch after", "Lunch at NOON"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("开会", ["我们明天下午开会讨论项目"]),  # two characters, inside a sentence without spaces
        ("讨论项目", ["我们明天下午开会讨论项目"]),
        ("开会 项目", ["我们明天下午开会讨论项目"]),
        ("会", ["会后见", "我们明天下午开会讨论项目"]),  # one character, also at the start
        ("见", ["会后见"]),  # one character at the end
        ("开会 午饭", []),
        ("会议", []),
        ("ok 好", ["好的 OK"]),
    ],
)
def test_chinese_words(owner_client, say, q, expected):
    say("我们明天下午开会讨论项目", "会后见", "好的 OK", "午饭吃什么")
    assert sorted(found(owner_client, q)) == sorted(expected)


def test_deleted_messages_are_not_found(owner_client, room, say, django_capture_on_commit_callbacks):
    kept, gone = say("budget draft one", "budget draft two")
    with django_capture_on_commit_callbacks(execute=True):
        message_delete(actor=room.owner, room_id=room.id, message_id=gone.id)
    assert found(owner_client, "budget") == ["budget draft one"]
    assert indexed([kept.id, gone.id]) == 1  # the deleted message's text leaves the index too


def test_edits_are_found_by_their_new_words_only(owner_client, say, django_capture_on_commit_callbacks):
    (message,) = say("see you at the café")
    with django_capture_on_commit_callbacks(execute=True):
        edit(message, "see you at the library")
    assert found(owner_client, "library") == ["see you at the library"]
    assert found(owner_client, "café") == []


def test_an_edit_before_its_commit_callbacks_is_already_right(owner_client, say):
    """Mroonga: between the edit and its after-commit rewrite, the joined body still decides."""
    (message,) = say("old words here")
    edit(message, "new words here")  # pytest-django's transaction: on-commit callbacks do not run
    assert found(owner_client, "new") == ["new words here"]
    assert found(owner_client, "old") == []


def test_a_rolled_back_send_or_edit_leaves_search_as_it_was(owner_client, room, say):
    (message,) = say("original text")
    with pytest.raises(RuntimeError), transaction.atomic():
        message_send(author=room.owner, room_id=room.id, body="phantom text")
        edit(message, "rewritten")
        raise RuntimeError("roll back")
    message.refresh_from_db()
    assert message.body == "original text"
    assert found(owner_client, "phantom") == []
    assert found(owner_client, "rewritten") == []
    assert found(owner_client, "original") == ["original text"]


def indexed(ids: list[int]) -> int:
    """How many of these messages have a row in the index table."""
    table, column = (SQLITE_TABLE, "rowid") if connection.vendor == "sqlite" else (MYSQL_TABLE, "message_id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(ids))})", ids)
        return cursor.fetchone()[0]


def test_a_deleted_room_leaves_nothing_behind(room, say, django_capture_on_commit_callbacks):
    ids = [m.id for m in say("room to forget", "another line")]
    assert indexed(ids) == 2
    with django_capture_on_commit_callbacks(execute=True):
        room_delete(actor=room.owner, room_id=room.id)
    assert indexed(ids) == 0


def test_room_before_limit_and_has_more(api, room, member, say, make_user):
    other = RoomFactory(owner=room.owner, name="other")
    sent = say(*[f"report {i}" for i in range(5)])
    (elsewhere,) = say("report elsewhere", room=other)
    client = api.as_user(room.owner)
    page = search(client, "report", limit=2)
    assert [m["id"] for m in page["results"]] == [elsewhere.id, sent[4].id] and page["has_more"]
    page = search(client, "report", limit=2, before=sent[4].id)
    assert [m["id"] for m in page["results"]] == [sent[3].id, sent[2].id] and page["has_more"]
    page = search(client, "report", limit=2, before=sent[2].id)
    assert [m["id"] for m in page["results"]] == [sent[1].id, sent[0].id] and not page["has_more"]
    page = search(client, "report", room=room.id)
    assert [m["id"] for m in page["results"]] == [m.id for m in reversed(sent)] and not page["has_more"]
    assert search(client, "report", room=other.id)["results"][0]["id"] == elsewhere.id
    # A room the caller is not in answers as a room that does not exist.
    outsider = api.as_user(member)
    assert outsider.get(SEARCH, {"q": "report", "room": other.id}).status_code == 404
    assert outsider.get(SEARCH, {"q": "report", "room": 10**17}).status_code == 404
    assert len(search(outsider, "report")["results"]) == 5


def test_results_are_messages_as_history_shows_them(owner_client, room, say):
    say("alpha bravo")
    history = owner_client.get(f"/api/rooms/{room.id}/messages/").json()["results"]
    assert search(owner_client, "bravo") == {"results": history, "has_more": False}


def test_limit_is_capped_at_100(owner_client, room):
    MessageFactory.create_batch(105, room=room, body="bulk note")
    page = search(owner_client, "note", limit=1000)
    assert len(page["results"]) == 100 and page["has_more"]


def test_query_count_does_not_grow_with_results(owner_client, room, make_user, django_assert_max_num_queries):
    authors = [make_user() for _ in range(10)]
    for author in authors:
        MembershipFactory(room=room, user=author)
        MessageFactory(room=room, author=author, body="standup notes")
    # The user, their rooms, the search (MySQL family: the newest id, the recent window, a session
    # setting and the index), the messages with their authors, their attachments: never one query per result.
    with django_assert_max_num_queries(8):
        assert len(search(owner_client, "standup")["results"]) == 10


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 201},
        {"q": "nul\x00byte"},
        {"q": "ok", "room": "general"},
        {"q": "ok", "room": "1.5"},
        {"q": "ok", "room": 0},
        {"q": "ok", "room": 2**63},
        {"q": "ok", "before": "latest"},
        {"q": "ok", "limit": "many"},
        {"q": "ok", "limit": 0},
        {"q": "ok", "limit": -5},
    ],
)
def test_bad_queries_are_400(owner_client, params):
    response = owner_client.get(SEARCH, params)
    assert response.status_code == 400, response.content


def test_query_length_counts_code_points(owner_client, say):
    say("😀" * 3)
    assert owner_client.get(SEARCH, {"q": "😀" * 200}).status_code == 200
    assert owner_client.get(SEARCH, {"q": "😀" * 201}).status_code == 400


def test_anonymous_is_401(client):
    assert client.get(SEARCH, {"q": "x"}).status_code in (401, 403)


@pytest.mark.parametrize("operator", OPERATORS)
def test_operators_and_wildcards_are_text(owner_client, say, operator):
    say(f"price {operator}5 today", "price 5 today", f"x{operator}", "plain words")
    assert found(owner_client, f"{operator}5") == [f"price {operator}5 today"]
    assert found(owner_client, operator) == [f"x{operator}", f"price {operator}5 today"]
    assert found(owner_client, f"{operator}{operator}{operator}") == []
    assert found(owner_client, f'price {operator}"') == []


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "a OR b", "NOT x", "x AND", "NEAR(a b)", "*", "-", "+", "col:umn", "body : x", "* D+", '*D- "x"'],
)
def test_query_syntax_of_the_engines_is_text(owner_client, say, q):
    say("a OR b", "NOT x", "NEAR(a b)", "body : x")
    bodies = found(owner_client, q)
    words = q.split()
    assert all(all(word.lower() in body.lower() for word in words) for body in bodies)


def test_sql_wildcards_match_only_themselves(owner_client, say):
    say("100% sure", "1000 sure", "snake_case", "snakeXcase")
    for limit in (1, 20):  # a page that the recent window fills (MySQL family) and one that it does not
        assert found(owner_client, "100%", limit=limit) == ["100% sure"]
        assert found(owner_client, "e_c", limit=limit) == ["snake_case"]


# A small corpus over a small alphabet, so that random queries often match.
CORPUS = [
    "Hello World",
    "hello, world!",
    "开会讨论项目",
    "明天开会",
    'say "hi" (now)',
    "50% off_sale",
    "a+b=c -d *e*",
    "x y z",
    "AbC abc ABC",
    "@mention ~tilde <tag>",
    "back\\slash",
    "it's",
]
ALPHABET = "".join(sorted(set("".join(CORPUS)) - {" "})) + "zq开"


@pytest.fixture
def corpus(room):
    return [MessageFactory(room=room, body=body) for body in CORPUS]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=6), min_size=1, max_size=3).map(" ".join))
@example(q='"')
@example(q="%")
@example(q="_")
@example(q="\\")
@example(q="开会 项目")
def test_search_agrees_with_substring_matching(owner_client, corpus, q):
    expected = [m.body for m in reversed(corpus) if all(w.lower() in m.body.lower() for w in q.split())]
    assert found(owner_client, q, limit=100) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=200))
def test_any_query_is_answered_never_a_500(owner_client, corpus, q):
    response = owner_client.get(SEARCH, {"q": q})
    if q.strip() and "\x00" not in q:
        assert response.status_code == 200, (q, response.content)
    else:
        assert response.status_code == 400


def _search_statement(queries) -> str:
    (statement,) = [q["sql"] for q in queries if "messaging_message_fts" in q["sql"] or "AGAINST" in q["sql"]]
    return statement


def test_the_query_uses_the_full_text_index(owner_client, room, say):
    say("find me by index", "not this one")
    with CaptureQueriesContext(connection) as queries:
        assert found(owner_client, "index") == ["find me by index"]
    assert "messaging_message_fts" in _search_statement(queries.captured_queries) or connection.vendor != "sqlite"
    sql, params = search_sql(words=["index", "开会"], room_ids=[room.id], before=None, limit=21)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " / ".join(row[-1] for row in cursor.fetchall())
            # The FTS5 index answers the MATCH and drives the join, handing rows over newest
            # first: "SCAN s VIRTUAL TABLE INDEX ...:M... / SEARCH m USING INTEGER PRIMARY KEY", no sort.
            assert plan.startswith("SCAN s VIRTUAL TABLE INDEX") and "SEARCH m USING INTEGER PRIMARY KEY" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            cursor.execute(f"EXPLAIN {sql}", params)
            columns = [c[0] for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            search_rows = [r for r in rows if r["table"] == "s"]
            assert search_rows and search_rows[0]["type"] == "fulltext", rows
            assert search_rows[0]["key"] == "messaging_message_search_body", rows


def test_reindex_builds_the_index_for_messages_stored_without_it(owner_client, room, capsys):
    Message.objects.bulk_create(
        [Message(room=room, author=room.owner, body=f"imported line {i}", seq=100 + i) for i in range(3)]
    )
    assert found(owner_client, "imported") == []
    call_command("search_reindex")
    assert "Indexed 3 messages" in capsys.readouterr().out
    assert found(owner_client, "imported") == ["imported line 2", "imported line 1", "imported line 0"]


@pytest.mark.parametrize("window", [0, 3, 20_000])
def test_pages_are_the_same_whether_the_recent_window_or_the_index_finds_them(owner_client, room, monkeypatch, window):
    """MySQL and MariaDB read the newest ids before the index (MysqlFamilyIndex.find): either way, the same pages."""
    monkeypatch.setattr("messaging.search.RECENT_WINDOW", window)
    messages = [MessageFactory(room=room, body=f"{'match' if i % 3 else 'other'} {i}") for i in range(30)]
    expected = [m.id for m in reversed(messages) if m.body.startswith("match")]
    seen, before = [], None
    while True:
        page = search(owner_client, "match", limit=4, **({"before": before} if before else {}))
        seen += [m["id"] for m in page["results"]]
        if not page["has_more"]:
            break
        before = seen[-1]
    assert seen == expected
