"""What the audience membership history costs (state migration 6), side by side in one run.

An audience of MEMBERS members is synced RUNS times, CHURN of them leaving and as many joining
each time after the first, through the state store's own calls (record_sent, remove_members), on
SQLite and PostgreSQL: once with the history's triggers, once with them dropped. Prints the
history's size per change and per member per run, and the time the triggers add to recording.

    python bench/membership_history.py [--members 100000] [--runs 5] [--churn 0.01]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
import uuid

import psycopg

from looker_braze.state import Sent, open_store

WORKSPACE = "https://rest.iad-01.braze.com#bench"
POSTGRES = os.environ.get("LOOKER_BRAZE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
DROP_TRIGGERS = {
    "sqlite": ("DROP TRIGGER audience_member_joined", "DROP TRIGGER audience_member_left"),
    "postgresql": (
        "DROP TRIGGER audience_members_joined ON audience_members",
        "DROP TRIGGER audience_members_left ON audience_members",
    ),
}


def _members(rng: random.Random, n: int) -> list[str]:
    return [f"external_id:user-{rng.getrandbits(48):012x}" for _ in range(n)]


def _syncs(store, members: int, runs: int, churn: float) -> tuple[float, int]:
    """Record RUNS syncs; (seconds spent recording, changes logged)."""
    rng = random.Random(7)
    audience = store.audience_id(WORKSPACE, "looker_export", "bench")
    current = _members(rng, members)
    spent, changes = 0.0, 0
    for run in range(runs):
        leaving = rng.sample(current, int(members * churn)) if run else []
        joining = _members(rng, len(leaving)) if run else current
        started = time.perf_counter()
        for start in range(0, len(joining), 5000):
            store.record_sent(
                audience, WORKSPACE, [Sent(m, flagged=True) for m in joining[start : start + 5000]]
            )
        if leaving:
            store.remove_members(audience, leaving)
        spent += time.perf_counter() - started
        changes += len(joining) + len(leaving)
        gone = set(leaving)
        current = [m for m in current if m not in gone] + (joining if run else [])
    return spent, changes


def _sqlite(members: int, runs: int, churn: float, history: bool) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/state.sqlite3"
        with open_store(f"sqlite:///{path}") as store:
            if not history:
                for statement in DROP_TRIGGERS["sqlite"]:
                    store._conn.execute(statement)
            spent, changes = _syncs(store, members, runs, churn)
            store._conn.execute("VACUUM")
        return spent, changes, os.path.getsize(path)


def _postgres(members: int, runs: int, churn: float, history: bool) -> tuple[float, int, int]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        with open_store(f"{POSTGRES}?schema={schema}") as store:
            if not history:
                for statement in DROP_TRIGGERS["postgresql"]:
                    store._connection().execute(statement)
            spent, changes = _syncs(store, members, runs, churn)
            size = (
                store._connection()
                .execute("SELECT pg_total_relation_size('audience_changes')")
                .fetchone()[0]
            )
        return spent, changes, size
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--churn", type=float, default=0.01)
    args = parser.parse_args()
    shape = (args.members, args.runs, args.churn)
    print(f"{args.members:,} members, {args.runs} syncs, {args.churn:.0%} churn a sync")
    for name, measure in (("SQLite", _sqlite), ("PostgreSQL", _postgres)):
        with_history = measure(*shape, history=True)
        without = measure(*shape, history=False)
        spent, changes, size = with_history
        # SQLite: the file with the history less the file without; PostgreSQL: the table itself.
        extra = size - without[2] if name == "SQLite" else size
        per_change = extra / changes
        # The first sync logs every member's join; each later one only who joined or left.
        later = per_change * (changes - args.members) / (args.members * max(args.runs - 1, 1))
        print(
            f"{name:10}: {changes:,} changes logged, history {extra / 1e6:.1f} MB = "
            f"{per_change:.0f} bytes a change: {per_change:.0f} bytes a member for the first "
            f"sync, {later:.2f} bytes a member for each later one; recording took "
            f"{spent:.2f} s with the history, {without[0]:.2f} s without "
            f"(x{spent / without[0]:.2f})"
        )


if __name__ == "__main__":
    main()
