"""The membership history (migration 6): every join and leave of an audience, in order, with its
time, whatever wrote it; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from looker_braze.state import Sent, open_store
from looker_braze.state.migrations import MIGRATIONS
from tests.state.conftest import WORKSPACE


def _flag(store, audience: int, *members: str) -> None:
    store.record_sent(audience, WORKSPACE, [Sent(m, flagged=True) for m in members])


def test_joins_and_leaves_are_recorded_in_order_with_their_times(store):
    before = datetime.now(UTC) - timedelta(seconds=1)
    audience = store.audience_id(WORKSPACE, "looker_export", "churn")
    _flag(store, audience, "external_id:a", "external_id:b")
    _flag(store, audience, "external_id:a", "external_id:c")  # a is already in: no new join
    store.remove_members(audience, ["external_id:b", "external_id:zz"])  # zz was never in
    _flag(store, audience, "external_id:b")  # b comes back: a second spell
    changes = store.membership_changes()
    assert [(c.member, c.joined) for c in changes] == [
        ("external_id:a", True),
        ("external_id:b", True),
        ("external_id:c", True),
        ("external_id:b", False),
        ("external_id:b", True),
    ]
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
    assert {(c.workspace, c.attribute, c.label) for c in changes} == {
        (WORKSPACE, "looker_export", "churn")
    }
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert all(before <= c.at <= after for c in changes)
    assert [c.at for c in changes] == sorted(c.at for c in changes)


def test_an_export_resumes_after_the_last_entry_it_read(store):
    audience = store.audience_id(WORKSPACE, "looker_export", "churn")
    _flag(store, audience, *(f"external_id:{n}" for n in range(25)))
    first = store.membership_changes(limit=10)
    rest = store.membership_changes(after_seq=first[-1].seq)
    assert len(first) == 10 and len(rest) == 15
    assert {c.member for c in first} | {c.member for c in rest} == {
        f"external_id:{n}" for n in range(25)
    }
    assert store.membership_changes(after_seq=rest[-1].seq) == []


def test_summaries_count_members_joins_and_leaves_per_audience(store):
    churn = store.audience_id(WORKSPACE, "looker_export", "churn")
    vip = store.audience_id(WORKSPACE, "looker_export", "vip")
    _flag(store, churn, "email:x@example.com", "email:y@example.com")
    store.remove_members(churn, ["email:x@example.com"])
    summaries = {s.label: s for s in store.audience_summaries()}
    assert (summaries["churn"].members, summaries["churn"].joins, summaries["churn"].leaves) == (
        1,
        2,
        1,
    )
    assert summaries["churn"].last_change is not None
    assert (summaries["vip"].members, summaries["vip"].joins, summaries["vip"].last_change) == (
        0,
        0,
        None,
    )
    assert vip != churn


def test_members_from_before_the_history_join_at_their_audience_creation(tmp_path):
    """A store written by a version without history: its members get the audience's creation
    time as their join when migration 6 runs."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version integer PRIMARY KEY, description text"
                 " NOT NULL, applied_at text NOT NULL)")  # fmt: skip
    for step in MIGRATIONS:
        if step.version < 6:
            for statement in step.sqlite:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, '')", (step.version, "x"))
    conn.execute("INSERT INTO workspaces (name) VALUES (?)", (WORKSPACE,))
    conn.execute(
        "INSERT INTO audiences (workspace_id, attribute, label, created_at)"
        " VALUES (1, 'looker_export', 'old', '2024-05-01T10:00:00.000000+00:00')"
    )
    conn.execute("INSERT INTO audience_members VALUES (1, 'external_id:veteran')")
    conn.commit()
    conn.close()
    with open_store(f"sqlite:///{path}") as store:
        [change] = store.membership_changes()
    assert (change.member, change.joined) == ("external_id:veteran", True)
    assert change.at == datetime(2024, 5, 1, 10, tzinfo=UTC)
