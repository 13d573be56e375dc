"""Seconds for the full set of dashboard queries (every tile of every dashboard, as the HTML
report runs them) on ~10 million Currents events in DuckDB. Target: under 10 s in total.

    .venv/bin/python bench/currents_dashboards.py [--events N] [--runs 2] [--out DIR]

Reuses the data set of bench/currents_load.py (bench/out/currents-<N>/, generated once and
cached, git-ignored) and its DuckDB file bench/out/currents-<N>.duckdb, loading it first if it
is not there yet; the file is opened read-only. Do not run it while bench/currents_load.py
rewrites that file. --out: another folder for both (tests/test_bench_smoke.py: a tiny set).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ siblings are scripts

from currents_load import OUT, ensure_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="about this many events")
    parser.add_argument("--runs", type=int, default=2, help="timed runs (the first is cold)")
    parser.add_argument("--out", type=Path, default=OUT, help="data set folder (bench/out)")
    args = parser.parse_args()
    database = warehouse_file(args.events, args.out)

    from looker_braze.currents.dashboards import dashboards_of
    from looker_braze.currents.report.queries import dashboard_queries, run_queries
    from looker_braze.currents.warehouse import connect

    with connect(database, read_only=True) as warehouse:
        events = count_events(warehouse)
        print(
            f"data set: {events:,} events in {database} ({os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} before the runs)"
        )
        # A model several dashboards read is charged to the first: the Session computes it once.
        dashboard_of = {key: dashboards_of(model)[0] for key, model, _ in dashboard_queries()}
        for run in range(1, args.runs + 1):
            timer = QueryTimer()
            cpu0, wall0 = _cpu(), time.perf_counter()
            run_queries(warehouse, on_query=timer)
            report(run, timer, time.perf_counter() - wall0, _cpu() - cpu0, events, dashboard_of)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process: {peak:,.0f} MB (DuckDB aggregates in the engine; Python "
        "only holds the small results)"
    )


class QueryTimer:
    """``on_query`` callback: wall seconds of each query (as run_queries measures them) and its
    CPU seconds (all of DuckDB's threads), the process CPU since the previous query ended. On a
    shared machine CPU seconds compare runs better than wall seconds."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._last = _cpu()

    def __call__(self, key: str, seconds: float) -> None:
        now = _cpu()
        self.wall[key], self.cpu[key] = seconds, now - self._last
        self._last = now


def report(run: int, timer: QueryTimer, wall: float, cpu: float, events: int, dashboard_of) -> None:
    verdict = "under" if wall < 10 else "OVER"
    print(
        f"run {run}: {len(timer.wall)} dashboard queries in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({verdict} the 10 s target), {events / wall / 1e6:,.1f} M events/s, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    by_dashboard: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for key, seconds in timer.wall.items():
        by_dashboard[dashboard_of[key]][0] += seconds
        by_dashboard[dashboard_of[key]][1] += timer.cpu[key]
    print("  by dashboard (wall / CPU s):")
    for name, (seconds, used) in by_dashboard.items():
        print(f"    {name}: {seconds:.2f} / {used:.2f}")
    slowest = sorted(timer.cpu.items(), key=lambda item: -item[1])[:8]
    print(
        "  most CPU (the first reader of a shared fragment pays for it, the first query for "
        "setting up the Session: parsing every model): "
        + ", ".join(f"{key} {value:.2f} s" for key, value in slowest)
    )


def warehouse_file(events: int, out: Path = OUT) -> Path:
    database = out / f"currents-{events}.duckdb"
    if database.exists():
        return database
    from looker_braze.currents.load import load

    source = ensure_data(events, out)
    began = time.perf_counter()
    report = load(source, database)
    print(
        f"loaded {report.events_inserted:,} events into {database} in "
        f"{time.perf_counter() - began:.1f} s"
    )
    return database


def count_events(warehouse) -> int:
    _, rows = warehouse.query("SELECT SUM(estimated_size) FROM duckdb_tables()")
    return int(rows[0][0] or 0)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
