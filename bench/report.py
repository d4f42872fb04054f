"""The benchmark's output: Markdown tables (stdout and docs), and the plot."""

import math
from pathlib import Path

STOP_P99_MS = 100.0


def _fmt(value, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _ratio(ours, reference) -> str:
    if not ours or not reference or any(isinstance(v, float) and math.isnan(v) for v in (ours, reference)):
        return "-"
    return f"{ours / reference:.2f}x"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _rows(results: list[dict], scenario: str) -> list[dict]:
    return [r for r in results if r["scenario"] == scenario]


def _reference(results: list[dict], scenario: str, step: int | None = None, rate: int | None = None) -> dict | None:
    """The reference's row of the same scenario at the same fan-out step or many-rooms rate."""
    for r in results:
        if (
            r["target"] == "reference"
            and r["scenario"] == scenario
            and r.get("step") == step
            and (rate is None or r.get("rate") == rate)
        ):
            return r
    return None


def cpu_per_delivery(r: dict) -> float | None:
    return r["server_cpu_s"] / r["received"] if r.get("received") else None


def holds(r: dict) -> bool:
    return r["lost"] == 0 and r["p99_ms"] <= STOP_P99_MS and not r["send_errors"]


def sustained(results: list[dict], target: str) -> dict | None:
    """The highest fan-out step with nothing lost and p99 within the stop limit."""
    passing = [
        r
        for r in _rows(results, "fan-out")
        if r["target"] == target and r["lost"] == 0 and r["p99_ms"] <= STOP_P99_MS and not r["send_errors"]
    ]
    return max(passing, key=lambda r: r["step"], default=None)


def traffic_table(results: list[dict], scenario: str) -> str:
    header = [
        "server",
        "offered/s",
        "delivered/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "lost",
        "dup",
        "acked/sent",
        "closed by server",
        "server CPU s",
        "deliveries/CPU-s",
        "backends CPU s",
        "generator CPU s",
        "load",
        "delivered vs ref",
        "CPU/delivery vs ref",
    ]
    rows = []
    for r in _rows(results, scenario):
        ref = _reference(results, scenario, r.get("step"), r.get("rate"))
        rows.append(
            [
                r["target"],
                _fmt(r["offered_per_s"]),
                _fmt(r["delivered_per_s"]),
                _fmt(r["p50_ms"], 1),
                _fmt(r["p95_ms"], 1),
                _fmt(r["p99_ms"], 1),
                _fmt(r["max_ms"], 0),
                _fmt(r["lost"]),
                _fmt(r["duplicates"]),
                f"{r['acked']}/{r['sent']}",
                _fmt(sum(r.get("closed_by_server", {}).values())),
                _fmt(r["server_cpu_s"], 1),
                _fmt(r["deliveries_per_cpu_s"]),
                _fmt(r["backends_cpu_s"], 1) if r["target"] not in ("reference", "embedded") else "-",
                _fmt(r["generator_cpu_s"], 1),
                _fmt(r["loadavg"], 1),
                _ratio(r["delivered_per_s"], ref and ref["delivered_per_s"]) if r["target"] != "reference" else "",
                _ratio(cpu_per_delivery(r), ref and cpu_per_delivery(ref)) if r["target"] != "reference" else "",
            ]
        )
    return _table(header, rows)


def summary_table(results: list[dict]) -> str:
    header = [
        "server",
        "fan-out sustained/s",
        "p99 ms there",
        "vs ref",
        "many rooms p99 ms, lost",
        "many rooms held msgs/s",
        "storm: sockets, all hello s",
        "idle KiB/socket",
        "CPU/delivery vs ref",
    ]
    targets = list(dict.fromkeys(r["target"] for r in results))
    ref_best = sustained(results, "reference")
    rows = []
    for target in targets:
        best = sustained(results, target)
        many_rows = [r for r in _rows(results, "many rooms") if r["target"] == target]
        many = many_rows[0] if many_rows else None  # the target rate comes first
        held = max((r.get("rate", 0) for r in many_rows if holds(r)), default=None)
        storm = next((r for r in _rows(results, "connect storm") if r["target"] == target), None)
        idle = next((r for r in _rows(results, "idle") if r["target"] == target), None)
        ref_at_best = best and _reference(results, "fan-out", best["step"])
        rows.append(
            [
                target,
                _fmt(best["delivered_per_s"]) if best else "none",
                _fmt(best["p99_ms"], 1) if best else "-",
                _ratio(best and best["delivered_per_s"], ref_best and ref_best["delivered_per_s"])
                if target != "reference"
                else "",
                f"{_fmt(many['p99_ms'], 1)}, {many['lost']}" if many else "-",
                _fmt(held) if held else ("none tried held" if many_rows else "-"),
                f"{storm['opened']}/{storm['sockets']}, {_fmt(storm['all_hello_s'], 2)}" if storm else "-",
                _fmt(idle["rss_per_socket_kib"], 1) if idle else "-",
                _ratio(best and cpu_per_delivery(best), ref_at_best and cpu_per_delivery(ref_at_best))
                if target != "reference"
                else "",
            ]
        )
    return _table(header, rows)


def storm_idle_table(results: list[dict]) -> str:
    header = [
        "server",
        "sockets",
        "opened",
        "all hello s",
        "p50 hello ms",
        "tickets s",
        "storm server CPU s",
        "idle RSS MiB",
        "KiB/socket",
        "vs ref",
    ]
    ref_idle = next((r for r in _rows(results, "idle") if r["target"] == "reference"), None)
    rows = []
    for storm in _rows(results, "connect storm"):
        idle = next((r for r in _rows(results, "idle") if r["target"] == storm["target"]), None)
        rows.append(
            [
                storm["target"],
                _fmt(storm["sockets"]),
                _fmt(storm["opened"]),
                _fmt(storm["all_hello_s"], 2),
                _fmt(storm["p50_hello_ms"], 0),
                _fmt(storm["tickets_s"], 1) if storm["target"] not in ("reference", "socketio") else "-",
                _fmt(storm["server_cpu_s"], 1),
                _fmt(idle and idle["server_rss_mib"], 1),
                _fmt(idle and idle["rss_per_socket_kib"], 1),
                _ratio(idle and idle["rss_per_socket_kib"], ref_idle and ref_idle["rss_per_socket_kib"])
                if storm["target"] != "reference"
                else "",
            ]
        )
    return _table(header, rows)


def markdown(results: list[dict]) -> str:
    return "\n\n".join(
        [
            "### Summary\n\n" + summary_table(results),
            "### Fan-out (one room)\n\n" + traffic_table(results, "fan-out"),
            "### Many rooms\n\n" + traffic_table(results, "many rooms"),
            "### Connect storm and idle sockets\n\n" + storm_idle_table(results),
        ]
    )


def plot(results: list[dict], path: Path, title: str) -> None:
    """Delivered rate, p99 latency and deliveries per server CPU-second against offered rate, per server."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (delivered, latency, efficiency) = plt.subplots(1, 3, figsize=(16, 4.8))
    for target in dict.fromkeys(r["target"] for r in results):
        steps = [r for r in _rows(results, "fan-out") if r["target"] == target]
        if not steps:
            continue
        offered = [r["offered_per_s"] / 1000 for r in steps]
        style = {"linestyle": "--", "color": "grey"} if target == "reference" else {}
        delivered.plot(offered, [r["delivered_per_s"] / 1000 for r in steps], marker="o", label=target, **style)
        latency.plot(offered, [r["p99_ms"] for r in steps], marker="o", label=target, **style)
        efficiency.plot(offered, [r["deliveries_per_cpu_s"] / 1000 for r in steps], marker="o", label=target, **style)
    top = max((r["offered_per_s"] / 1000 for r in _rows(results, "fan-out")), default=1)
    delivered.plot([0, top], [0, top], color="lightgrey", linewidth=0.8, label="delivered = offered")
    delivered.set(xlabel="offered, thousand deliveries/s", ylabel="delivered, thousand deliveries/s")
    delivered.set_title("Fan-out throughput (one room)")
    latency.set(xlabel="offered, thousand deliveries/s", ylabel="p99 latency, ms", yscale="log")
    latency.axhline(50, color="green", linewidth=0.8, linestyle=":", label="target 50 ms")
    latency.axhline(STOP_P99_MS, color="red", linewidth=0.8, linestyle=":", label="stop 100 ms")
    latency.set_title("Fan-out p99 latency")
    efficiency.set(xlabel="offered, thousand deliveries/s", ylabel="thousand deliveries per server CPU-second")
    efficiency.set_ylim(bottom=0)
    efficiency.set_title("Server CPU cost (higher is cheaper)")
    for axes in (delivered, latency, efficiency):
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
