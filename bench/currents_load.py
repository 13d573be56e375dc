"""Load speed and memory of `looker-braze currents load` on ~10 million generated events, DuckDB.

    .venv/bin/python bench/currents_load.py [--events N] [--one-core] [--postgres URL]

Generates the data set first if bench/out/ does not hold it yet (cached: git-ignored), then loads
it into a fresh DuckDB file in a child process on every core this process may use (the loader
decodes and inserts at once; --one-core pins it to one), and prints events/s (wall and per
CPU-second) and the child's peak RSS, also per quarter of the run (flat: memory does not grow
with the data). A second, incremental run over the same files is timed too (it must load
nothing). The result is kept as bench/out/currents-<N>.duckdb, which
bench/currents_dashboards.py reuses. With --postgres, the same two runs load into a fresh schema
of that database (dropped afterwards); the CPU figures are then the loader's alone, not the
server's.
"""

from __future__ import annotations

import argparse
import fcntl
import multiprocessing
import os
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DAYS = 7  # a busy week: bigger files, as Braze writes under load
PILOT_USERS = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="about this many events")
    parser.add_argument("--one-core", action="store_true", help="pin the load to one CPU core")
    parser.add_argument("--postgres", metavar="URL", help="also load into PostgreSQL at URL")
    args = parser.parse_args()
    source = ensure_data(args.events)
    # Loaded under a working name and renamed at the end: bench/currents_dashboards.py reads
    # currents-<N>.duckdb and must never see it half-written.
    final = OUT / f"currents-{args.events}.duckdb"
    database = final.with_name(f"currents-{args.events}.loading.duckdb")
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    files = sum(1 for _ in source.rglob("*.avro"))
    size = sum(p.stat().st_size for p in source.rglob("*.avro"))
    print(f"data set: {files:,} Avro files, {size / 1e6:,.0f} MB under {source}")
    run_twice("DuckDB", source, str(database), pin=args.one_core)
    print(f"warehouse file: {database.stat().st_size / 1e6:,.0f} MB")
    os.replace(database, final)
    if args.postgres:
        schema = f"bench_load_{os.getpid()}"
        try:
            run_twice("PostgreSQL", source, f"{args.postgres}?schema={schema}", args.one_core)
        finally:
            drop_schema(args.postgres, schema)


def run_twice(engine: str, source: Path, database: str, pin: bool) -> None:
    for run in ("first load", "second load (incremental)"):
        result = in_child(source, database, pin=pin)
        rate = result["events_read"] / result["seconds"] if result["seconds"] else 0.0
        print(
            f"{engine} {run}: {result['events_read']:,} events read, {result['events_inserted']:,} "
            f"inserted, {result['duplicates']:,} duplicates skipped, {result['files_new']:,} new "
            f"files, {result['seconds']:.1f} s, {rate:,.0f} events/s, "
            f"peak RSS {result['peak_rss_mb']:,.0f} MB ({result['cores']})"
        )
        per_cpu = result["events_read"] / result["cpu_seconds"] if result["cpu_seconds"] else 0.0
        print(
            f"  CPU time {result['cpu_seconds']:.1f} s: {per_cpu:,.0f} events per CPU-second "
            "(the figure that does not depend on what else the machine runs)"
        )
        for failure in result["failed"][:5]:
            print(f"  NOT LOADED {failure}")
        quarters = ", ".join(f"{mb:,.0f}" for mb in result["rss_by_quarter"])
        print(f"  peak RSS (MB) in each quarter of the load time: {quarters}")


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def ensure_data(events: int, out: Path = OUT) -> Path:
    """Generate ~``events`` events into ``out`` (bench/out/) unless a complete copy is there."""

    folder = out / f"currents-{events}"
    done = folder / ".complete"
    out.mkdir(parents=True, exist_ok=True)
    with (out / f".currents-{events}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent run waits instead of rewriting the files
        if not done.exists():
            _generate(folder, events)
            done.write_text("ok\n")
    return folder


def _generate(folder: Path, events: int) -> None:
    from looker_braze.currents.generate import generate

    shutil.rmtree(folder, ignore_errors=True)
    users = users_for(events)
    workers = os.cpu_count() or 1
    config = {"users": users, "days": DAYS, "users_per_chunk": -(-users // workers)}
    summary = generate(folder, config, workers=workers)
    print(
        f"generated {summary.events:,} events ({users:,} users, {DAYS} days) in "
        f"{summary.files:,} files in {summary.seconds:.1f} s "
        f"({summary.events / summary.seconds:,.0f} events/s with {workers} processes)"
    )


def users_for(events: int) -> int:
    """Users needed for ``events`` events, from a small pilot run of the generator."""
    from looker_braze.currents.generate import generate

    with tempfile.TemporaryDirectory() as pilot:
        per_user = generate(Path(pilot), {"users": PILOT_USERS, "days": DAYS}).events / PILOT_USERS
    return max(1, round(events / per_user))


def in_child(source: Path, database: str, pin: bool) -> dict:
    """Run one load in a fresh process, so its peak RSS is the loader's alone."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load, args=(str(source), database, pin, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _load(source: str, database: str, pin: bool, queue) -> None:
    if pin:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        os.environ["POLARS_MAX_THREADS"] = "1"
    from looker_braze.currents.load import load

    sampler = RssSampler()
    sampler.start()
    began, cpu_began = time.perf_counter(), _cpu_seconds()
    report = load(source, database)
    seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu_began
    sampler.stop()
    queue.put({
        "events_read": report.events_read,
        "events_inserted": report.events_inserted,
        "duplicates": report.duplicates,
        "files_new": report.files_new,
        "failed": [f"{f.key}: {f.reason}" for f in report.failed],
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_by_quarter": sampler.peaks_by_quarter(),
        "cores": "1 core" if pin else f"{len(os.sched_getaffinity(0))} cores",
    })  # fmt: skip


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class RssSampler(threading.Thread):
    """Samples this process's RSS every 0.2 s: flat quarters mean memory does not grow with the
    amount of data loaded."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.done.wait(0.2):
            with open("/proc/self/statm") as statm:
                self.samples.append(int(statm.read().split()[1]) * page / 2**20)

    def stop(self) -> None:
        self.done.set()
        self.join()

    def peaks_by_quarter(self) -> list[float]:
        n = len(self.samples)
        quarters = [self.samples[n * q // 4 : n * (q + 1) // 4] for q in range(4)]
        return [max(quarter) if quarter else 0.0 for quarter in quarters]


if __name__ == "__main__":
    main()
