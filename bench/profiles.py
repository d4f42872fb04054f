"""
Text summaries of the py-spy profiles that `python -m bench --profile DIR`
records (raw folded stacks: `frame;frame;... count`), for docs/benchmarks.md.

    python -m bench.profiles DIR/profile-stack-1w-many-rooms-0.txt [--top 25] [--match services.py]

Prints the share of samples per thread (the event loop, Channels' database
thread, other threads), then the functions with the largest inclusive share
(time in them and below) and the largest self share (time in them only).
Frames are named `function (file)` without line numbers, so that a function's
samples add up; recursion is counted once per stack.
"""

import argparse
import re
from collections import Counter
from pathlib import Path

LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    match = FRAME.match(frame)
    return f"{match['name']} ({match['file']})" if match else frame


def thread_of(frames: list[str]) -> str:
    text = ";".join(frames[:12])
    if "DatabaseSyncToAsync.thread_handler" in text or "SyncToAsync.thread_handler" in text:
        return "database thread (sync_to_async)"
    if frames and frames[0].startswith("Thread._bootstrap"):
        return "other threads"
    return "event loop (main thread)"


def summarize(path: Path, top: int = 25, match: str | None = None) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        parsed = LINE.match(line)
        if not parsed:
            continue
        count = int(parsed["count"])
        frames = parsed["stack"].split(";")
        names = [frame_name(f) for f in frames]
        total += count
        threads[thread_of(frames)] += count
        for name in set(names):
            inclusive[name] += count
        own[names[-1]] += count
    if not total:
        return f"{path.name}: no samples"
    out = [f"{path.name}: {total} samples"]
    out += [f"  {share(n, total)}  {thread}" for thread, n in threads.most_common()]
    chosen = [(k, v) for k, v in inclusive.most_common() if match is None or match in k][:top]
    out.append(f"  inclusive (top {top}{', matching ' + match if match else ''}):")
    out += [f"  {share(n, total)}  {name}" for name, n in chosen]
    out.append(f"  self (top {top}):")
    out += [f"  {share(n, total)}  {name}" for name, n in own.most_common(top)]
    return "\n".join(out)


def share(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f} %"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", help="only inclusive entries whose name contains this")
    args = parser.parse_args()
    for path in args.files:
        print(summarize(path, args.top, args.match))


if __name__ == "__main__":
    main()
