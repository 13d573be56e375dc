"""The events ledger (migration 3) on SQLite and PostgreSQL: an event key is taken by one run at
most, stays "pending" until Braze accepts it, and is never handed out again unless released."""

from __future__ import annotations

import threading
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.state import RunEnd, open_store
from looker_braze.state import events as ledger
from looker_braze.state.migrations import latest_version

from .conftest import WORKSPACE, run_start

OTHER = "https://rest.fra-01.braze.eu#fedcba9876543210"


def test_migration_3_is_the_latest_and_applied(store):
    assert latest_version() >= 3
    with store.transaction("read") as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert 3 in versions


def test_a_key_is_taken_once_then_sent_for_good(store):
    first = store.start_run(run_start())
    got = ledger.reserve(store, WORKSPACE, ["a", "b", "c"], first)
    assert got == ledger.Reservation({"a", "b", "c"}, set(), set(), set())
    ledger.mark_sent(store, WORKSPACE, ["a", "b"])
    ledger.release(store, WORKSPACE, ["c"])  # Braze rejected it: a later run may try again
    second = store.start_run(run_start())
    again = ledger.reserve(store, WORKSPACE, ["a", "b", "c", "d"], second)
    # "c" was released; the first run is still running, but "a" and "b" are sent for good.
    assert again == ledger.Reservation({"c", "d"}, {"a", "b"}, set(), set())
    assert ledger.statuses(store, WORKSPACE, ["a", "c", "zz"]) == {"a": "sent", "c": "pending"}


def test_release_never_forgets_a_sent_key(store):
    ledger.reserve(store, WORKSPACE, ["a"], None)
    ledger.mark_sent(store, WORKSPACE, ["a"])
    ledger.release(store, WORKSPACE, ["a"])
    assert ledger.statuses(store, WORKSPACE, ["a"]) == {"a": "sent"}


def test_workspaces_are_apart(store):
    ledger.reserve(store, WORKSPACE, ["a"], None)
    ledger.mark_sent(store, WORKSPACE, ["a"])
    assert ledger.reserve(store, OTHER, ["a"], None).taken == {"a"}


def test_unknown_outcomes_are_held_until_taken_over_or_released(store):
    stopped = store.start_run(run_start())
    ledger.reserve(store, WORKSPACE, ["a", "b"], stopped)  # its requests left, no answer came
    running = store.start_run(run_start())
    ledger.reserve(store, WORKSPACE, ["c"], running)
    # While the first run is still running, nobody may take its events, even on request.
    later = store.start_run(run_start())
    held = ledger.reserve(store, WORKSPACE, ["a", "c"], later, take_unknown=True)
    assert held == ledger.Reservation(set(), set(), set(), {"a", "c"})  # being sent now
    assert ledger.unknown_count(store) == 0  # both owners are running
    store.finish_run(stopped, RunEnd(success=False, message="stopped"))
    assert ledger.unknown_count(store) == 2
    # Without the form's "resend unknown" answer they stay held ...
    assert ledger.reserve(store, WORKSPACE, ["a"], later).pending == {"a"}
    # ... with it, the events of the stopped run are taken over; the running run's are not.
    took = ledger.reserve(store, WORKSPACE, ["a", "c"], later, take_unknown=True)
    assert took == ledger.Reservation({"a"}, set(), set(), {"c"})
    store.finish_run(later, RunEnd(success=False, message="stopped"))
    # "a" (now the later run's) and "b" (the first run's); "c" belongs to a running run.
    assert ledger.release_unknown(store) == 2
    assert ledger.statuses(store, WORKSPACE, ["a", "b", "c"]) == {"c": "pending"}


def test_release_unknown_forgets_the_events_of_stopped_runs(store):
    stopped = store.start_run(run_start())
    ledger.reserve(store, WORKSPACE, ["a", "b"], stopped)
    store.finish_run(stopped, RunEnd(success=False, message="stopped"))
    assert ledger.release_unknown(store) == 2
    assert ledger.reserve(store, WORKSPACE, ["a", "b"], None).taken == {"a", "b"}


def test_prune_forgets_only_events_sent_before_the_date(store):
    from datetime import timedelta

    from looker_braze.state.models import utc_now

    stopped = store.start_run(run_start())
    ledger.reserve(store, WORKSPACE, ["old", "new", "held"], stopped)
    ledger.mark_sent(store, WORKSPACE, ["old", "new"])
    store.finish_run(stopped, RunEnd(success=False, message="stopped"))  # "held": unknown
    ledger.mark_sent(store, OTHER, ledger.reserve(store, OTHER, ["elsewhere"], None).taken)
    long_ago = utc_now() - timedelta(days=400)
    stamp = long_ago.isoformat(timespec="microseconds") if store.dialect == "sqlite" else long_ago
    mark = "?" if store.dialect == "sqlite" else "%s"
    with store.transaction("age the rows") as conn:  # as if written 400 days ago
        conn.execute(
            f"UPDATE sent_events SET updated_at = {mark} WHERE event_key <> 'new'", (stamp,)
        )
    cut = utc_now() - timedelta(days=30)
    assert ledger.sent_before(store, cut) == 2  # "old" and "elsewhere": every workspace
    assert ledger.prune_sent(store, cut) == 2
    assert ledger.statuses(store, WORKSPACE, ["old", "new", "held"]) == {
        "new": "sent",
        "held": "pending",  # outcome unknown: kept whatever its age
    }
    assert ledger.statuses(store, OTHER, ["elsewhere"]) == {}
    # A forgotten event is new to the ledger: a Look that still returns it sends it again.
    assert ledger.reserve(store, WORKSPACE, ["old", "new"], None).taken == {"old"}


def test_concurrent_runs_never_take_the_same_key(store_url):
    keys = [f"k{i}" for i in range(400)]
    taken: list[set[str]] = []

    def worker(offset: int) -> None:
        with open_store(store_url, abandon_stale=False) as mine:
            got: set[str] = set()
            for start in range(0, len(keys), 50):
                block = keys[(start + offset) % len(keys) :][:50] or keys[:50]
                got |= ledger.reserve(mine, WORKSPACE, block, None).taken
            taken.append(got)

    threads = [threading.Thread(target=worker, args=(n * 130,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [key for got in taken for key in got]
    assert len(every) == len(set(every))  # no key handed to two runs


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["reserve", "sent", "release"]),
            st.lists(st.sampled_from("abcdef"), min_size=1, max_size=4, unique=True),
        ),
        max_size=12,
    )
)
def test_the_ledger_follows_its_model(store, steps):
    """Against a dict model: a key is taken only when absent, a sent key stays sent."""
    workspace = f"{WORKSPACE}-{uuid.uuid4().hex}"  # a fresh ledger per example
    model: dict[str, str] = {}
    for operation, keys in steps:
        if operation == "reserve":
            got = ledger.reserve(store, workspace, keys, None)
            assert got.taken == {k for k in keys if k not in model}
            assert got.sent == {k for k in keys if model.get(k) == "sent"}
            model.update({k: "pending" for k in got.taken})
        elif operation == "sent":
            pending = [k for k in keys if model.get(k) == "pending"]
            ledger.mark_sent(store, workspace, pending)
            model.update({k: "sent" for k in pending})
        else:
            ledger.release(store, workspace, keys)
            model = {k: v for k, v in model.items() if not (k in keys and v == "pending")}
    assert ledger.statuses(store, workspace, list("abcdef")) == model
