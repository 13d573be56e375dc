"""The diff step of an audience sync on a 1,000,000-member audience in which 1% changed.

For SQLite (a temporary file) and PostgreSQL (schema bench_state, dropped after), this seeds the
previous successful sync (every member flagged, three attribute hashes each), then times what a
daily re-sync does before it sends anything:
    stage     add_run_members for the run's members, in batches of 1,000 (scattered order)
    lookup    lookup of every member of the run, in batches of 1,000
    gone      gone_members: the members who left, one anti-join, read in batches
and, after the diff, record_sent for what would be sent and remove_members for who left, and
finish_run (which drops the staged members). The changed 1% is a third leavers, a third joiners
and a third members with one changed attribute. Counts are checked against the known truth, and
the objects and data points a change-only sync would send are printed next to a full resend's.

Memory: a sampler thread reads this process's RSS every 20 ms; "peak RSS" is the highest seen
during the diff step, next to the RSS before it (flat memory: the two stay close whatever the
audience size; compare --members 100000).

    python bench/state_diff.py                      # both backends, 1,000,000 members
    python bench/state_diff.py --members 100000 --backends sqlite
"""

from __future__ import annotations

import argparse
import math
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

from looker_braze.state import RunEnd, RunStart, Sent, StateStore, open_store

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_state"
BATCH = 1000
ATTRIBUTES = ("first_name", "loyalty_tier", "country")
TARGET_SECONDS = 30.0
WORKSPACE = "https://rest.iad-01.braze.com#bench0123456789ab"


@dataclass(frozen=True)
class Audience:
    """Who was in the previous sync and who is in this one, by member number, without holding
    any set: members 0..size-1 were synced; of them, ``leave`` numbers left, ``change`` changed
    one attribute, and ``join`` new numbers from ``size`` on came in."""

    size: int
    changed_share: float = 0.01

    @property
    def leave(self) -> int:
        return int(self.size * self.changed_share / 3)

    @property
    def join(self) -> int:
        return self.leave

    @property
    def change(self) -> int:
        return int(self.size * self.changed_share) - 2 * self.leave

    def left(self, number: int) -> bool:
        return number % 300 == 7 and number // 300 < self.leave

    def changed(self, number: int) -> bool:
        return number < self.size and number % 300 == 11 and number // 300 < self.change

    def run_numbers(self) -> Iterator[int]:
        """This run's members in a scattered order (Looker's rows follow no key order)."""
        total = self.size + self.join
        step = 1_000_003  # prime, so k -> k * step mod total is a bijection unless it divides total
        assert math.gcd(step, total) == 1, "pick another --members"
        for k in range(total):
            number = (k * step) % total
            if number >= self.size or not self.left(number):
                yield number


def member(number: int) -> str:
    return f"external_id:user-{number:09d}"


def hashes(number: int, changed: bool = False) -> dict[str, int]:
    """The attribute hashes of a member; a changed member has a new first attribute."""
    values = {name: hash((name, number)) for name in ATTRIBUTES}
    if changed:
        values[ATTRIBUTES[0]] = hash((ATTRIBUTES[0], number, "changed"))
    return values


def batches(numbers: Iterator[int], size: int = BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for number in numbers:
        batch.append(number)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class RssSampler:
    """The highest RSS of this process seen while it runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Figures:
    seconds: dict[str, float] = field(default_factory=dict)
    objects_sent: int = 0
    data_points_sent: int = 0
    gone: int = 0
    rss_before: int = 0
    rss_peak: int = 0

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        """Adds the time inside to ``step``: the loops time only the store's calls, not the
        making of member names and hashes, which is the caller's work."""
        started = time.perf_counter()
        yield
        self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started


def seed(store: StateStore, audience_id: int, audience: Audience) -> None:
    """The previous successful sync: everyone flagged, every attribute's hash recorded."""
    for numbers in batches(iter(range(audience.size)), 5000):
        sent = [Sent(member(n), hashes(n), flagged=True) for n in numbers]
        store.record_sent(audience_id, WORKSPACE, sent)


def settle(url: str) -> None:
    """What happens between two daily syncs: PostgreSQL's autovacuum visits the tables the last
    sync filled (setting hint bits and the visibility map that index-only scans rely on)."""
    if url.startswith("postgresql"):
        with psycopg.connect(url.split("?")[0], autocommit=True) as conn:
            conn.execute(f"SET search_path TO {SCHEMA}")
            conn.execute("VACUUM ANALYZE")


def diff_step(store: StateStore, audience_id: int, run_id: int, audience: Audience, out: Figures):
    """Stage, look up and find the leavers, as a sync does before sending."""
    for numbers in batches(audience.run_numbers()):
        members = [member(n) for n in numbers]
        with out.timed("stage"):
            store.add_run_members(run_id, members)
    to_send: list[Sent] = []  # only the 1% that changed: small by construction
    for numbers in batches(audience.run_numbers()):
        members = [member(n) for n in numbers]
        with out.timed("lookup"):
            known = store.lookup(audience_id, WORKSPACE, members)
        to_send += changes(known, numbers, audience)
    with out.timed("gone"):
        gone = list(store.gone_members(audience_id, run_id))
    return to_send, gone


def changes(known: dict, numbers: list[int], audience: Audience) -> list[Sent]:
    """What a change-only sync sends for these members: changed attributes and missing flags."""
    out = []
    for number in numbers:
        state = known.get(member(number))
        new = hashes(number, audience.changed(number))
        stored = state.hashes if state else {}
        delta = {name: value for name, value in new.items() if stored.get(name) != value}
        flag = not (state and state.member)
        if delta or flag:
            out.append(Sent(member(number), delta, flagged=flag))
    return out


def apply(store: StateStore, audience_id: int, to_send: list[Sent], gone: list[list[str]], out):
    with out.timed("record"):
        for start in range(0, len(to_send), BATCH):
            store.record_sent(audience_id, WORKSPACE, to_send[start : start + BATCH])
        for batch in gone:
            store.remove_members(audience_id, batch)


def measure(url: str, audience: Audience) -> Figures:
    out = Figures()
    with open_store(url) as store:
        audience_id = store.audience_id(WORKSPACE, "looker_export", "bench")
        with out.timed("seed"):
            seed(store, audience_id, audience)
        settle(url)
        meta = RunStart("braze", "sync", "bench", "looker_export", WORKSPACE)
        run_id = store.start_run(meta)
        out.rss_before = psutil.Process().memory_info().rss
        with RssSampler() as rss, out.timed("wall"):
            to_send, gone = diff_step(store, audience_id, run_id, audience, out)
        out.rss_peak = rss.peak
        apply(store, audience_id, to_send, gone, out)
        with out.timed("finish"):
            store.finish_run(run_id, RunEnd(success=True))
        check(store, audience_id, audience, to_send, gone)
    out.objects_sent = len(to_send) + sum(map(len, gone))
    out.data_points_sent = sum(len(s.hashes) + s.flagged for s in to_send) + sum(map(len, gone))
    out.gone = sum(map(len, gone))
    return out


def check(store: StateStore, audience_id: int, audience: Audience, to_send, gone) -> None:
    """The diff found exactly the known truth (a benchmark of a wrong answer is worthless)."""
    joined = sum(1 for s in to_send if s.flagged)
    changed = sum(1 for s in to_send if not s.flagged)
    problems = []
    if joined != audience.join or changed != audience.change:
        problems.append(f"joined {joined}/{audience.join}, changed {changed}/{audience.change}")
    if sum(map(len, gone)) != audience.leave:
        problems.append(f"gone {sum(map(len, gone))}/{audience.leave}")
    if store.audience_size(audience_id) != audience.size:  # leave == join
        problems.append(f"audience size {store.audience_size(audience_id)} != {audience.size}")
    if problems:
        raise SystemExit("wrong diff: " + "; ".join(problems))


def report(backend: str, audience: Audience, out: Figures) -> None:
    # A full resend (the reference behaviour, or sync without change-only): every member of the
    # run with its label and every attribute, plus the removals.
    run_size = audience.size + audience.join - audience.leave
    full_objects = run_size + audience.leave
    full_points = run_size * (len(ATTRIBUTES) + 1) + audience.leave
    mb = 1024 * 1024
    s = out.seconds
    print(f"{backend}: {audience.size:,} members, {audience.size * 0.01:,.0f} changed (1%)")
    print(f"  seed previous sync     {s['seed']:8.1f} s  (record_sent of every member)")
    print(f"  stage run members      {s['stage']:8.1f} s")
    print(f"  lookups (batches 1000) {s['lookup']:8.1f} s")
    print(f"  gone_members           {s['gone']:8.1f} s  ({out.gone:,} members left)")
    diff = s["stage"] + s["lookup"] + s["gone"]
    verdict = "OK" if diff < TARGET_SECONDS else "OVER TARGET"
    print(f"  diff step in the store {diff:8.1f} s  (target < {TARGET_SECONDS:.0f} s: {verdict})")
    print(f"  diff step, wall        {s['wall']:8.1f} s  (with this script's own work)")
    print(f"  record sent + removals {s['record']:8.1f} s")
    print(f"  finish run (drop run)  {s['finish']:8.1f} s")
    print(
        f"  RSS before diff {out.rss_before / mb:6.0f} MB, peak during diff "
        f"{out.rss_peak / mb:6.0f} MB (+{(out.rss_peak - out.rss_before) / mb:.0f} MB)"
    )
    print(
        f"  objects sent {out.objects_sent:,} vs {full_objects:,}; data points "
        f"{out.data_points_sent:,} vs {full_points:,} for a full resend "
        f"({100 * out.data_points_sent / full_points:.2f}%)"
    )


def run_sqlite(audience: Audience) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        figures = measure(f"sqlite:///{path}", audience)
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
    report("SQLite", audience, figures)
    print(f"  database files {size / 1024 / 1024:.0f} MB")


def run_postgres(audience: Audience, url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    try:
        figures = measure(f"{url}?schema={SCHEMA}", audience)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    report("PostgreSQL", audience, figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args()
    audience = Audience(args.members)
    for backend in args.backends.split(","):
        if backend == "sqlite":
            run_sqlite(audience)
        elif backend == "postgresql":
            run_postgres(audience, args.postgres_url)
        else:
            raise SystemExit(f"unknown backend {backend!r}: sqlite or postgresql")


if __name__ == "__main__":
    main()
