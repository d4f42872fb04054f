"""
Full-text search of message bodies: one index per database, one meaning everywhere.

A message matches a query when its body contains every word of the query (the
query split on whitespace) as a substring, case-insensitively: `开会` finds
我们明天下午开会讨论项目, `meet` finds "Meeting". Query text is only ever
searched as text: quotes, `+ - * ( ) ~ < > @ % _` are escaped for the index's
query language and for LIKE, never read as operators.

The database's own full-text index finds the candidates (docs/deployment.md):

- SQLite, the embedded default: the FTS5 table `messaging_message_fts` (rowid =
  message id) with the trigram tokenizer. Trigrams find substrings of three
  characters or more in `body`. Shorter words (most Chinese words have two
  characters) are looked up in a second column, `spaced`: the body with U+001F
  between every two characters, where a word of n characters is a substring of
  2n-1 (开会 is 开␟会) and one character is ␟c␟, three characters either way.
  FTS5 is transactional: the table always agrees with what is committed.
- MariaDB: the Mroonga table `messaging_message_search` (message id, room id,
  body), its FULLTEXT index cut into overlapping pairs of characters
  (TokenBigramSplitSymbolAlphaDigit), so that a phrase query is a substring
  query in any script. Mroonga is not transactional: see MysqlFamilyIndex.
- MySQL 8, production: the same table in InnoDB, FULLTEXT WITH PARSER ngram
  (ngram_token_size = 2), which is transactional.

Both MySQL-family engines list every message containing a word before the
newest can be picked: there a search first reads the newest RECENT_WINDOW ids
(MysqlFamilyIndex.find). SQLite's FTS5 hands matches over newest first itself.

The SQL here is built from constant table names and placeholders only (every
value is a parameter), hence the `nosec B608` marks bandit needs.

Writers keep the index in step through two functions, and only these:
`search_index_update(messages=...)` after saving new, edited or deleted
messages (inside their transaction), and `search_index_drop_room(room_id=...)`
before deleting a room. `search_index_rebuild()` (manage.py search_reindex)
builds the index afresh from the messages table.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from messaging.models import Message

MESSAGES = Message._meta.db_table
SQLITE_TABLE = "messaging_message_fts"
MYSQL_TABLE = "messaging_message_search"
# Between every two characters of SQLite's `spaced` column; no keyboard types it.
SEPARATOR = "\x1f"
# Rows read, written or deleted per statement when (re)building the index.
REBUILD_BATCH = 2000
# MySQL family: how many of the newest message ids (all rooms) a search reads before its index.
RECENT_WINDOW = 20_000


def query_words(q: str) -> list[str]:
    """The words of a query: split on whitespace, each searched as a substring; duplicates once."""
    return list(dict.fromkeys(q.split()))


@dataclass(frozen=True)
class Match:
    """How one backend finds the messages containing some words, as SQL pieces of one query."""

    join: str  # FROM messaging_message m <join>
    where: str
    params: list
    order: str  # the id column to sort on, so that the index can hand rows over newest first
    room: str  # the room id column to filter on


class SearchIndex:
    """The interface of a backend: DDL for the migration, writes for the services, and the query."""

    def create(self, cursor) -> None:
        raise NotImplementedError

    def drop(self, cursor) -> None:
        raise NotImplementedError

    def update(self, cursor, messages: Sequence[Message], *, created: bool) -> None:
        raise NotImplementedError

    def drop_room(self, cursor, room_id: int) -> None:
        raise NotImplementedError

    def rebuild(self, cursor) -> int:
        raise NotImplementedError

    def match(self, words: list[str]) -> Match:
        raise NotImplementedError

    def prepare(self, cursor) -> None:
        """Set up the session for a query, where the engine needs it."""

    def find(self, cursor, *, words: list[str], room_ids: list[int], before: int | None, limit: int) -> list[int]:
        """The ids of a search, newest first: by default, the one query of search_sql."""
        self.prepare(cursor)
        cursor.execute(*search_sql(words=words, room_ids=room_ids, before=before, limit=limit))
        return [row[0] for row in cursor.fetchall()]


def _like(word: str) -> str:
    """A LIKE pattern for a substring, escaped with backslashes: % _ and \\ are text."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _batches(cursor, sql: str) -> Iterable[list[tuple]]:
    """The rows of a query REBUILD_BATCH at a time, keyed on id: no long result set held in memory."""
    last = 0
    while True:
        cursor.execute(f"{sql} AND id > %s ORDER BY id LIMIT {REBUILD_BATCH}", [last])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


class SqliteFts5Index(SearchIndex):
    def create(self, cursor) -> None:
        cursor.execute(
            f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(body, spaced, tokenize = 'trigram case_sensitive 0')"
        )

    def drop(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")

    @staticmethod
    def spaced(text: str) -> str:
        return SEPARATOR + SEPARATOR.join(text) + SEPARATOR

    def _insert(self, cursor, rows: Iterable[tuple[int, str]]) -> None:
        cursor.executemany(
            f"INSERT INTO {SQLITE_TABLE} (rowid, body, spaced) VALUES (%s, %s, %s)",  # nosec B608
            [(message_id, body, self.spaced(body)) for message_id, body in rows],
        )

    def update(self, cursor, messages: Sequence[Message], *, created: bool) -> None:
        if not created:
            placeholders = ", ".join(["%s"] * len(messages))
            cursor.execute(f"DELETE FROM {SQLITE_TABLE} WHERE rowid IN ({placeholders})", [m.id for m in messages])  # nosec B608
        self._insert(cursor, [(m.id, m.body) for m in messages if m.deleted_at is None])

    def drop_room(self, cursor, room_id: int) -> None:
        cursor.execute(
            f"DELETE FROM {SQLITE_TABLE} WHERE rowid IN (SELECT id FROM {MESSAGES} WHERE room_id = %s)",  # nosec B608
            [room_id],
        )

    def rebuild(self, cursor) -> int:
        cursor.execute(f"DELETE FROM {SQLITE_TABLE}")  # nosec B608
        count = 0
        for rows in _batches(cursor, f"SELECT id, body FROM {MESSAGES} WHERE deleted_at IS NULL"):  # nosec B608
            self._insert(cursor, rows)
            count += len(rows)
        cursor.execute(f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('optimize')")  # nosec B608
        return count

    def match(self, words: list[str]) -> Match:
        phrases = []
        for word in words:
            if len(word) >= 3:
                column, text = "body", word
            else:  # 开会 is 开␟会, 会 is ␟会␟: three characters, one trigram
                column, text = "spaced", SEPARATOR.join(word) if len(word) == 2 else SEPARATOR + word + SEPARATOR
            # An FTS5 string: everything between the quotes is text; a quote inside is doubled.
            phrases.append(f'{column} : "{text.replace(chr(34), chr(34) * 2)}"')
        return Match(
            join=f"JOIN {SQLITE_TABLE} s ON s.rowid = m.id",
            where=f"s.{SQLITE_TABLE} MATCH %s",
            params=[" AND ".join(phrases)],
            order="s.rowid",
            room="m.room_id",
        )


class MysqlFamilyIndex(SearchIndex):
    """
    A side table (message id, room id, body) with a FULLTEXT index, in the
    MySQL family; the subclasses differ in their engine and query syntax.

    Mroonga writes are not transactional: they stay when the transaction that
    made them rolls back. So the table is kept a superset of the truth and the
    truth decides: every search joins messaging_message (InnoDB) for
    `deleted_at IS NULL` and checks each word with LIKE on its body. Inside the
    writer's transaction a new message's row is inserted; an edited message's
    row gets the new body appended to the old, so that it is found by either
    while the edit may still roll back; deletions write nothing. After commit
    the rows of those messages are rewritten from the table (or removed). A
    rollback, or a crash before that, leaves only rows that the join and LIKE
    set aside; `manage.py search_reindex` trims them. InnoDB would not need
    this, but keeping one code path means the MySQL path is the tested one.
    """

    engine = ""
    index_options = ""

    def create(self, cursor) -> None:
        cursor.execute(
            f"CREATE TABLE {MYSQL_TABLE} ("
            "message_id BIGINT NOT NULL PRIMARY KEY, room_id BIGINT NOT NULL, body LONGTEXT NOT NULL, "
            f"KEY {MYSQL_TABLE}_room (room_id, message_id), "
            f"FULLTEXT INDEX {MYSQL_TABLE}_body (body) {self.index_options}) ENGINE={self.engine}"
        )

    def drop(self, cursor) -> None:
        cursor.execute(f"DROP TABLE IF EXISTS {MYSQL_TABLE}")

    def update(self, cursor, messages: Sequence[Message], *, created: bool) -> None:
        live = [(m.id, m.room_id, m.body) for m in messages if m.deleted_at is None]
        if created:
            cursor.executemany(f"REPLACE INTO {MYSQL_TABLE} (message_id, room_id, body) VALUES (%s, %s, %s)", live)
            return
        if live:
            cursor.executemany(
                f"INSERT INTO {MYSQL_TABLE} (message_id, room_id, body) VALUES (%s, %s, %s) "  # nosec B608
                "ON DUPLICATE KEY UPDATE body = CONCAT(body, '\\n', VALUES(body))",
                live,
            )
        ids = [m.id for m in messages]
        alias = cursor.db.alias
        transaction.on_commit(lambda: self._refresh(ids, alias), using=alias)

    def _refresh(self, ids: list[int], alias: str) -> None:
        """Rewrite these messages' rows from what is committed; drop those deleted or gone."""
        placeholders = ", ".join(["%s"] * len(ids))
        with connections[alias].cursor() as cursor:
            cursor.execute(
                f"REPLACE INTO {MYSQL_TABLE} (message_id, room_id, body) SELECT id, room_id, body FROM {MESSAGES} "  # nosec B608
                f"WHERE id IN ({placeholders}) AND deleted_at IS NULL",
                ids,
            )
            cursor.execute(
                f"DELETE FROM {MYSQL_TABLE} WHERE message_id IN ({placeholders}) AND message_id NOT IN "  # nosec B608
                f"(SELECT id FROM {MESSAGES} WHERE id IN ({placeholders}) AND deleted_at IS NULL)",
                [*ids, *ids],
            )

    def drop_room(self, cursor, room_id: int) -> None:
        alias = cursor.db.alias

        def drop() -> None:
            with connections[alias].cursor() as after:
                after.execute(f"DELETE FROM {MYSQL_TABLE} WHERE room_id = %s", [room_id])  # nosec B608

        transaction.on_commit(drop, using=alias)

    def rebuild(self, cursor) -> int:
        """Rewrite every live message's row, then drop the rest: search keeps working meanwhile."""
        count = 0
        for rows in _batches(cursor, f"SELECT id, room_id, body FROM {MESSAGES} WHERE deleted_at IS NULL"):  # nosec B608
            cursor.executemany(f"REPLACE INTO {MYSQL_TABLE} (message_id, room_id, body) VALUES (%s, %s, %s)", rows)
            count += len(rows)
        cursor.execute(
            f"DELETE s FROM {MYSQL_TABLE} s LEFT JOIN {MESSAGES} m ON m.id = s.message_id AND m.deleted_at IS NULL "
            "WHERE m.id IS NULL"
        )
        return count

    def terms(self, words: list[str]) -> list[str]:
        """The words as required terms of the engine's boolean-mode query language."""
        raise NotImplementedError

    def find(self, cursor, *, words: list[str], room_ids: list[int], before: int | None, limit: int) -> list[int]:
        """
        Read the newest RECENT_WINDOW message ids first, newest first, and stop
        at `limit` matches; only when that window holds fewer, ask the index.
        Both engines answer a word found in a large share of all messages
        ("the", 我们) only after listing every message containing it (a third
        of them, hundreds of milliseconds), while the newest messages hold a
        page of it within a few thousand rows. A page found in the window is
        the right one: every message outside it is older. The window costs at
        most RECENT_WINDOW primary-key rows (docs/benchmarks.md, "Search").
        """
        if before is None:
            cursor.execute(f"SELECT MAX(id) FROM {MESSAGES}")  # nosec B608
            newest = (cursor.fetchone()[0] or 0) + 1
        else:
            newest = before
        rooms = ", ".join(["%s"] * len(room_ids))
        likes = " AND ".join(["m.body LIKE %s"] * len(words))
        cursor.execute(
            f"SELECT m.id FROM {MESSAGES} m WHERE m.id < %s AND m.id >= %s AND m.room_id IN ({rooms}) "  # nosec B608
            f"AND m.deleted_at IS NULL AND {likes} ORDER BY m.id DESC LIMIT %s",
            [newest, newest - RECENT_WINDOW, *room_ids, *map(_like, words), limit],
        )
        recent = [row[0] for row in cursor.fetchall()]
        if len(recent) == limit:
            return recent
        return super().find(cursor, words=words, room_ids=room_ids, before=before, limit=limit)

    def match(self, words: list[str]) -> Match:
        where = ["m.body LIKE %s" for _ in words]  # backslash is MySQL's default LIKE escape
        params: list = [_like(word) for word in words]
        # A one-character word is in most messages, and costly to list: LIKE alone checks it
        # when a longer word can narrow the search.
        terms = self.terms([word for word in words if len(word) > 1] or words)
        if terms:
            where.insert(0, "MATCH (s.body) AGAINST (%s IN BOOLEAN MODE)")
            params.insert(0, " ".join(terms))
        return Match(
            join=f"JOIN {MYSQL_TABLE} s ON s.message_id = m.id",
            where=" AND ".join(where),
            params=params,
            order="s.message_id",
            room="s.room_id",
        )


class MroongaIndex(MysqlFamilyIndex):
    engine = "Mroonga"
    # The normalizer follows the column's collation, as LIKE does (NormalizerMySQLUnicodeCI for utf8mb4_unicode_ci).
    index_options = "COMMENT 'tokenizer \"TokenBigramSplitSymbolAlphaDigit\"'"

    def create(self, cursor) -> None:
        cursor.execute("SELECT SUPPORT FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga'")
        row = cursor.fetchone()
        if row is None or row[0] not in ("YES", "DEFAULT"):
            raise ImproperlyConfigured(
                "Search on MariaDB needs the Mroonga storage engine: install Debian's mariadb-plugin-mroonga "
                "and run INSTALL SONAME 'ha_mroonga' (docs/deployment.md)."
            )
        super().create(cursor)

    def prepare(self, cursor) -> None:
        # Groonga would otherwise retry a query without hits as a looser one (match escalation).
        cursor.execute("SET SESSION mroonga_match_escalation_threshold = -1")

    def terms(self, words: list[str]) -> list[str]:
        # Groonga's query syntax: inside a phrase only " and \ are special, escaped with \.
        return ['+"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"' for word in words]


class MysqlNgramIndex(MysqlFamilyIndex):
    engine = "InnoDB"
    index_options = "WITH PARSER ngram"

    def create(self, cursor) -> None:
        cursor.execute("SELECT @@ngram_token_size")
        (size,) = cursor.fetchone()
        if int(size) != 2:
            raise ImproperlyConfigured(f"Search needs ngram_token_size=2 (the server has {size}): docs/deployment.md.")
        # The default stopword list would drop every bigram containing one ("a", "i"); this index keeps them all.
        cursor.execute("SET SESSION innodb_ft_enable_stopword = OFF")
        super().create(cursor)

    def terms(self, words: list[str]) -> list[str]:
        """
        InnoDB's boolean mode cannot escape a quote inside a phrase: a word is
        cut at its quotes into phrases (LIKE checks the whole word). A single
        letter or digit, shorter than a bigram, is a prefix term; other single
        characters are left to LIKE alone.
        """
        terms = []
        for word in words:
            for part in word.split('"'):
                if len(part) >= 2:
                    terms.append(f'+"{part}"')
                elif part.isalnum():
                    terms.append(f"+{part}*")
        return terms


def search_index(alias: str = DEFAULT_DB_ALIAS) -> SearchIndex:
    """The search backend of a database connection."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return SqliteFts5Index()
    if connection.vendor == "mysql":
        return MroongaIndex() if connection.mysql_is_mariadb else MysqlNgramIndex()
    raise ImproperlyConfigured(f"Message search has no backend for {connection.vendor}.")


def search_index_update(*, messages: Sequence[Message], created: bool = False) -> None:
    """
    Bring the index in line with these messages as just saved: new (`created`),
    edited, or deleted. Call it inside the transaction that saved them: every
    change to a message's body or deletion must come through here.
    """
    if not messages:
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        search_index().update(cursor, messages, created=created)


def search_index_drop_room(*, room_id: int) -> None:
    """Forget a room's messages; call it in the transaction that deletes the room, before the delete."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        search_index().drop_room(cursor, room_id)


def search_index_rebuild() -> int:
    """Build the index afresh from the messages table; return how many messages it holds."""
    with transaction.atomic(), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        return search_index().rebuild(cursor)


def search_sql(*, words: list[str], room_ids: Sequence[int], before: int | None, limit: int) -> tuple[str, list]:
    """The query that asks the full-text index, as SQL and parameters: the same shape on every database."""
    match = search_index().match(words)
    rooms = ", ".join(["%s"] * len(room_ids))
    older = f"AND {match.order} < %s " if before is not None else ""
    sql = (
        f"SELECT m.id FROM {MESSAGES} m {match.join} WHERE {match.where} AND {match.room} IN ({rooms}) "  # nosec B608
        f"AND m.deleted_at IS NULL {older}ORDER BY {match.order} DESC LIMIT %s"
    )
    return sql, [*match.params, *room_ids, *([before] if before is not None else []), limit]


def search_message_ids(*, words: list[str], room_ids: Iterable[int], before: int | None, limit: int) -> list[int]:
    """
    The ids of the undeleted messages of these rooms containing every word,
    newest first, at most `limit`, older than `before` when given.
    """
    room_ids = sorted(room_ids)
    if not room_ids or not words:
        return []
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        return search_index().find(cursor, words=words, room_ids=room_ids, before=before, limit=limit)
