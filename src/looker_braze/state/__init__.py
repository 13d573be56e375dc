"""Audience state for the Braze action: who carries each label, the last value Braze accepted
for each member's attributes, and the run history; on SQLite (default) or PostgreSQL.

    store = open_store("sqlite:////var/lib/looker-braze/state.sqlite3")   # or postgresql://...
    audience = store.audience_id(workspace, "looker_export", "churn-risk")
    run_id = store.start_run(RunStart(...))
    store.add_run_members(run_id, members)                 # per batch of the send
    known = store.lookup(audience, workspace, members)     # skip what Braze already has
    store.record_sent(audience, workspace, accepted)       # only what Braze accepted
    for gone in store.gone_members(audience, run_id): ...  # send removals, then remove_members
    store.heartbeat([Beat(run_id, counts)])                # every few seconds while it runs
    store.finish_run(run_id, RunEnd(...))
    store.interrupt_runs(silent_for)                       # runs whose process stopped

Locks per audience across replicas: looker_braze.state.locks.
"""

from __future__ import annotations

from looker_braze.state.async_store import AsyncStateStore
from looker_braze.state.location import StoreLocation, make_folder, parse_location
from looker_braze.state.models import (
    AudienceSummary,
    Beat,
    Known,
    MembershipChange,
    RunEnd,
    RunRecord,
    RunStart,
    Sent,
)
from looker_braze.state.store import STALE_RUN_AGE, StateStore, member_problem


def open_store(url: str, *, abandon_stale: bool = True) -> StateStore:
    """Open the store at ``url`` and bring its schema up to date (ConfigError if it cannot).

    Runs silent for longer than STALE_RUN_AGE died with their process: with ``abandon_stale``
    they are marked interrupted and their staged members dropped (the hub also marks runs
    interrupted much sooner, by their heartbeat: ``interrupt_runs``)."""
    location = parse_location(url)
    if location.dialect == "postgresql":
        from looker_braze.state.postgres import PostgresStateStore  # psycopg loads only if used

        store: StateStore = PostgresStateStore(location)
    else:
        from looker_braze.state.sqlite import SqliteStateStore

        if url.strip().startswith("sqlite://"):
            # Folders are created for SQLite URLs (the XDG default is one); a bare path is used
            # as given, so that a mistyped server such as "localhost/db" is refused, not created.
            make_folder(location)
        store = SqliteStateStore(location)
    if abandon_stale:
        store.abandon_stale_runs()
    return store


__all__ = [
    "STALE_RUN_AGE",
    "AsyncStateStore",
    "AudienceSummary",
    "Beat",
    "Known",
    "MembershipChange",
    "RunEnd",
    "RunRecord",
    "RunStart",
    "Sent",
    "StateStore",
    "StoreLocation",
    "member_problem",
    "open_store",
    "parse_location",
]
