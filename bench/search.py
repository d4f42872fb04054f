"""
The search benchmark (`python -m bench --targets search`, `make bench-search`;
docs/benchmarks.md, "Search").

One million messages in 1,000 rooms, English and Chinese, with words drawn
from a Zipf distribution (a few words very common, a long tail of rare ones);
one user in 50 of the rooms runs 200 queries of one to three words through
`GET /api/search/` in process (Django's view, serializer and database; no
HTTP server or network in between) and the tool reports p50 and p99 latency.
Each database runs in its own child process with its own settings: SQLite in
a temporary file, MariaDB (Mroonga) under scripts/with-test-backends.sh.

The data goes in with executemany in batches of 10,000 rows, not the ORM one
by one; the index is then built by the code that `manage.py search_reindex`
runs, and both times are reported.
"""

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BACKENDS = ("sqlite", "mariadb")
BATCH = 10_000

# Common words, most frequent first; a generated tail of rare ones follows them.
ENGLISH = (  # noqa: SIM905 (a word list reads better as text)
    "the to and a of you i it is in that for we on this be have with do not are at can so just what "
    "will my me all but about get if up out know one was like time now there they how your meeting "
    "today tomorrow project team please thanks good new work call see back need think make going "
    "release review deploy build test bug fix issue update report plan design client server data "
    "lunch coffee office week friday monday deadline budget sprint feature branch merge ticket launch "
    "customer invoice question answer agenda notes draft schedule video travel hotel flight weekend "
    "holiday birthday party dinner music movie football weather rain sunny morning evening night"
).split()
CHINESE = (  # noqa: SIM905
    "我们 你们 他们 今天 明天 昨天 开会 讨论 项目 问题 时间 工作 客户 需要 可以 已经 现在 一下 "
    "下午 上午 晚上 周末 会议 报告 计划 设计 测试 发布 上线 修复 更新 数据 服务 系统 用户 功能 "
    "文档 安排 确认 同意 谢谢 辛苦 午饭 咖啡 出差 酒店 机票 预算 合同 发票 经理 老板 同事 团队 "
    "周一 周五 下周 月底 进度 版本 代码 部署 服务器 数据库 前端 后端 接口 需求 产品 市场 销售 "
    "天气 下雨 电影 音乐 生日 聚会 晚饭 足球 旅游 假期 早上 中午 回家 路上 马上 一起 注意 重要"
).split()
FULLWIDTH_COMMA = "\uff0c"
CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"
HANZI = (
    "的一是了人在有这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好"
    "都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进"
    "把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口"
)


@dataclass(frozen=True)
class Size:
    messages: int = 1_000_000
    rooms: int = 1_000
    member_rooms: int = 50
    users: int = 1_000
    queries: int = 200
    seed: int = 1


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} [search] {line}", flush=True)


class Words:
    """A vocabulary per language, drawn with Zipf's law (weight 1/rank): the common words first, then a rare tail."""

    def __init__(self, rng: random.Random, tail: int = 20_000):
        english = list(dict.fromkeys(ENGLISH + [self._english_word(rng) for _ in range(tail)]))
        chinese = list(dict.fromkeys(CHINESE + ["".join(rng.sample(HANZI, 2)) for _ in range(tail)]))
        self.vocabularies = {"en": english, "zh": chinese}
        self.weights = {
            lang: list(accumulate(1 / rank for rank in range(1, len(v) + 1))) for lang, v in self.vocabularies.items()
        }

    @staticmethod
    def _english_word(rng: random.Random) -> str:
        return "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 4)))

    def zipf(self, rng: random.Random, lang: str, k: int) -> list[str]:
        return rng.choices(self.vocabularies[lang], cum_weights=self.weights[lang], k=k)

    def body(self, rng: random.Random) -> str:
        if rng.random() < 0.6:
            words = self.zipf(rng, "en", rng.randint(3, 14))
            words[0] = words[0].capitalize()
            return " ".join(words)
        words = self.zipf(rng, "zh", rng.randint(3, 10))
        cut = rng.randint(1, len(words))
        return (
            "".join(words[:cut]) + ("\uff0c" if cut < len(words) else "") + "".join(words[cut:])
        )  # a full-width comma

    def query(self, rng: random.Random) -> tuple[str, str]:
        """1-3 words of one language, each a Zipf draw (mostly common words) or, half the time, any word (rare)."""
        lang = "en" if rng.random() < 0.6 else "zh"
        count = rng.choices((1, 2, 3), weights=(50, 35, 15))[0]
        vocabulary = self.vocabularies[lang]
        words = [self.zipf(rng, lang, 1)[0] if rng.random() < 0.5 else rng.choice(vocabulary) for _ in range(count)]
        return lang, " ".join(words)


def build(size: Size, rng: random.Random, words: Words) -> dict:
    """Users, rooms, the searcher's memberships and the messages, in bulk; then the index. Returns timings."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User, username_key
    from messaging.search import search_index_rebuild
    from rooms.models import Membership, Room

    started = time.monotonic()
    password = make_password(secrets.token_urlsafe(16))
    # bulk_create skips save(), which keeps username_key: set it here.
    users = User.objects.bulk_create(
        User(username=f"s{i}", username_key=username_key(f"s{i}"), password=password) for i in range(size.users)
    )
    rooms = Room.objects.bulk_create(Room(name=f"room {i}", owner=users[i % size.users]) for i in range(size.rooms))
    searcher = users[0]
    Membership.objects.bulk_create(
        Membership(room=room, user=searcher, role=Membership.Role.MEMBER)
        for room in rng.sample(rooms, size.member_rooms)
    )
    room_ids = [room.id for room in rooms]
    user_ids = [user.id for user in users]
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / size.messages
    insert = (
        "INSERT INTO messaging_message (room_id, author_id, body, html, mentions, reaction_summary, "
        "created_at, client_id, deleted_at, seq) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        # only placeholders: mysqlclient then sends one multi-row INSERT
    )
    # SQLite keeps a datetime as ISO text; mysqlclient takes the datetime (UTC, as Django stores it).
    stamp = (
        (lambda moment: moment.isoformat(sep=" ")[:26])
        if connection.vendor == "sqlite"
        else (lambda m: m.replace(tzinfo=None))
    )
    seqs = dict.fromkeys(room_ids, 0)  # each room's change log numbers its messages 1, 2, 3...
    for first in range(0, size.messages, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, size.messages)):
            moment = stamp(start + step * n)
            deleted = moment if rng.random() < 0.02 else None
            room_id = rng.choice(room_ids)
            seqs[room_id] += 1
            body = words.body(rng)
            html = f"<p>{escape(body)}</p>"
            rows.append((room_id, rng.choice(user_ids), body, html, "[]", "[]", moment, None, deleted, seqs[room_id]))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)
        if first and first % 200_000 == 0:
            say(f"{first:,} messages")
    for room_id, seq in seqs.items():
        Room.objects.filter(pk=room_id).update(seq=seq)
    loaded = time.monotonic()
    indexed = search_index_rebuild()
    done = time.monotonic()
    return {
        "searcher": searcher.id,
        "load_seconds": round(loaded - started, 1),
        "index_seconds": round(done - loaded, 1),
        "indexed_messages": indexed,
    }


def measure(size: Size, rng: random.Random, words: Words, searcher_id: int) -> dict:
    from rest_framework.test import APIClient

    from accounts.models import User

    client = APIClient()
    client.force_authenticate(User.objects.get(pk=searcher_id))
    queries = [words.query(rng) for _ in range(size.queries)]
    passes = []
    for _ in range(2):  # the first pass on a cold cache, the second warm
        timings = []
        for lang, q in queries:
            begun = time.perf_counter()
            response = client.get("/api/search/", {"q": q})
            elapsed = (time.perf_counter() - begun) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"search {q!r}: {response.status_code} {response.content[:200]!r}")
            page = response.json()
            timings.append(
                {
                    "q": q,
                    "lang": lang,
                    "words": len(q.split()),
                    "ms": elapsed,
                    "results": len(page["results"]),
                    "has_more": page["has_more"],
                }
            )
        passes.append(timings)
    return {"cold": summary(passes[0]), "warm": summary(passes[1]), "queries": passes[1]}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def summary(timings: list[dict]) -> dict:
    def stats(rows: list[dict]) -> dict:
        ms = [row["ms"] for row in rows]
        return (
            {
                "n": len(ms),
                "p50": round(percentile(ms, 0.5), 2),
                "p99": round(percentile(ms, 0.99), 2),
                "max": round(max(ms), 2),
            }
            if ms
            else {}
        )

    groups = {"all": timings}
    for lang in ("en", "zh"):
        groups[lang] = [t for t in timings if t["lang"] == lang]
    for count in (1, 2, 3):
        groups[f"{count} word{'s' if count > 1 else ''}"] = [t for t in timings if t["words"] == count]
    groups["no result"] = [t for t in timings if t["results"] == 0]
    groups["a full page"] = [t for t in timings if t["has_more"]]
    return {name: stats(rows) for name, rows in groups.items()}


def child(size: Size, partial: Path) -> None:
    """Run in a process of its own, with the database chosen by DATABASE_URL."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatroom.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    mariadb = connection.vendor == "mysql" and connection.mysql_is_mariadb
    say(f"{'MariaDB' if mariadb else connection.vendor}: migrating")
    call_command("migrate", verbosity=0)
    rng = random.Random(size.seed)
    words = Words(rng)
    say(f"building {size.messages:,} messages in {size.rooms:,} rooms")
    built = build(size, rng, words)
    say(f"loaded in {built['load_seconds']}s, indexed in {built['index_seconds']}s; measuring {size.queries} queries")
    measured = measure(size, random.Random(size.seed + 1), words, built["searcher"])
    partial.write_text(json.dumps({**built, **measured}))


def run_backend(backend: str, size: Size) -> dict:
    with tempfile.TemporaryDirectory(prefix="chat-bench-search-") as workdir:
        partial = Path(workdir) / "result.json"
        env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_LOG_LEVEL": "WARNING",
            "API_THROTTLE_RATE": "100000/min",
        }
        command = [sys.executable, "-m", "bench.search", "--child", str(partial), *size_arguments(size)]
        if backend == "sqlite":
            env |= {
                "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
                "REDIS_URL": "",
                "CHAT_REQUIRE_SHARED_BACKENDS": "false",
            }
        else:
            env |= {"TEST_PORT_MIN": "29000", "TEST_PORT_MAX": "29999"}
            env.pop("DATABASE_URL", None)
            command = ["bash", str(ROOT / "scripts" / "with-test-backends.sh"), *command]
        begun = time.monotonic()
        subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 (our own command line)
        result = json.loads(partial.read_text())
        result["total_seconds"] = round(time.monotonic() - begun, 1)
        if backend == "sqlite":
            result["database_bytes"] = sum(f.stat().st_size for f in Path(workdir).glob("db.sqlite3*"))
        return result


def size_arguments(size: Size) -> list[str]:
    return [f"--{name.replace('_', '-')}={value}" for name, value in asdict(size).items()]


def markdown(results: dict[str, dict]) -> str:
    lines = [
        "| database | load | index | pass | p50 ms | p99 ms | max ms | en p99 | zh p99 | 1 word p99 | 3 words p99 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, result in results.items():
        for name in ("cold", "warm"):
            s = result[name]
            lines.append(
                f"| {backend} | {result['load_seconds']} s | {result['index_seconds']} s | {name} | "
                f"{s['all']['p50']} | {s['all']['p99']} | {s['all']['max']} | {s['en']['p99']} | {s['zh']['p99']} | "
                f"{s['1 word']['p99']} | {s['3 words'].get('p99', '-')} |"
            )
    return "\n".join(lines)


def run(backends: list[str], size: Size) -> dict:
    load_at_start = os.getloadavg()
    results = {}
    for backend in backends:
        say(f"{backend}: starting")
        results[backend] = run_backend(backend, size)
    document = {
        "size": asdict(size),
        "loadavg_at_start": load_at_start,
        "loadavg_at_end": os.getloadavg(),
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(document, indent=1))
    print("\n" + markdown(results) + "\n", flush=True)
    say(f"load average {load_at_start} at start, {document['loadavg_at_end']} at end")
    say(f"results in {out}")
    return document


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description="Search latency benchmark.")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated, from %(default)s")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    for name, value in asdict(Size()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=value)
    args = parser.parse_args()
    size = Size(**{name: getattr(args, name) for name in asdict(Size())})
    if args.child:
        child(size, args.child)
        return
    backends = args.backends.split(",")
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends {sorted(unknown)}; choose from {', '.join(BACKENDS)}")
    run(backends, size)


if __name__ == "__main__":
    main()
