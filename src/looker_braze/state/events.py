"""The events action's ledger: which events and purchases each workspace was sent, by key.

Braze has no idempotency key: an event object sent twice is two events (braze-activation.md
§1.7). So an event's key (a hash of its user, kind, name or product, time, properties, price,
currency and quantity: actions/braze/events/keys.py) is recorded before its request leaves:

    reserve      "pending", atomically, for the keys nobody holds: only those are sent; keys
                 already "sent" or "pending" are not (a re-run, a retry, a concurrent run)
    mark_sent    Braze accepted them: "sent", for good
    release      Braze certainly did not keep them (rejected, refused, never sent): forgotten,
                 so a later run may send them again
    prune_sent   keys sent before a date: forgotten, so the ledger does not grow for ever; a
                 Look that still holds such an event would send it again (the caller chooses a
                 date older than any Look's window)
A key left "pending" is an event whose request may or may not have reached Braze (a timeout, a
dropped connection, a hub stopped mid-request): it is never sent again blindly. ``reserve`` with
``take_unknown`` (the form's "Resend unknown" answer) takes over the pending keys of runs that
are no longer running, and ``release_unknown`` forgets them (`looker-braze events release`).

Every function takes the synchronous StateStore (AsyncStateStore.call runs it on the store's
thread); keys travel as one JSON list, so a call is one statement whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import orjson

from looker_braze.state.models import utc_now
from looker_braze.state.store import StateStore

PENDING, SENT = "pending", "sent"

_KEYS = {
    "sqlite": "IN (SELECT value FROM json_each(?))",
    "postgresql": "= ANY(ARRAY(SELECT json_array_elements_text(%s::json)))",
}
_SENT_BEFORE = "status = 'sent' AND updated_at < {p}"
_NOT_RUNNING = "(run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE status = 'running'))"


def _sql(dialect: str) -> dict[str, str]:
    sqlite = dialect == "sqlite"
    p = "?" if sqlite else "%s"
    keys = _KEYS[dialect]
    # PostgreSQL cannot infer the types of a SELECT list's parameters (a NULL run id).
    selected = (
        "?, value, 'pending', ?, ? FROM json_each(?)"
        if sqlite
        else "%s::bigint, k, 'pending', %s::bigint, %s::timestamptz"
        " FROM json_array_elements_text(%s::json) AS t (k)"
    )
    return {
        # SQLite reads "SELECT ... ON CONFLICT" ambiguously without a WHERE clause.
        "reserve": f"""INSERT INTO sent_events (workspace_id, event_key, status, run_id, updated_at)
            SELECT {selected} WHERE true
            ON CONFLICT DO NOTHING RETURNING event_key""",
        "take_unknown": f"""UPDATE sent_events SET run_id = {p}, updated_at = {p}
            WHERE workspace_id = {p} AND status = 'pending' AND event_key {keys}
              AND {_NOT_RUNNING} RETURNING event_key""",
        "statuses": f"""SELECT event_key, status FROM sent_events
            WHERE workspace_id = {p} AND event_key {keys}""",
        # Pending keys say whether a run that is still running holds them (it is sending them).
        "held": f"""SELECT event_key, status, status = 'pending' AND NOT {_NOT_RUNNING}
            FROM sent_events WHERE workspace_id = {p} AND event_key {keys}""",
        "mark_sent": f"""UPDATE sent_events SET status = 'sent', updated_at = {p}
            WHERE workspace_id = {p} AND event_key {keys}""",
        "release": f"""DELETE FROM sent_events
            WHERE workspace_id = {p} AND status = 'pending' AND event_key {keys}""",
        "release_unknown": f"DELETE FROM sent_events WHERE status = 'pending' AND {_NOT_RUNNING}",
        "pending": f"SELECT count(*) FROM sent_events WHERE status = 'pending' AND {_NOT_RUNNING}",
        "sent_before": f"SELECT count(*) FROM sent_events WHERE {_SENT_BEFORE.format(p=p)}",
        "prune_sent": f"DELETE FROM sent_events WHERE {_SENT_BEFORE.format(p=p)}",
    }


_SQL = {dialect: _sql(dialect) for dialect in _KEYS}


class Reservation(NamedTuple):
    taken: set[str]  # reserved for this run: send them
    sent: set[str]  # Braze accepted them before
    pending: set[str]  # sent by a run that stopped before Braze answered: outcome unknown
    busy: set[str]  # being sent right now by another run (a concurrent send)


def _now(store: StateStore) -> datetime | str:
    return _at(store, utc_now())


def _json(keys: Sequence[str]) -> str:
    return orjson.dumps(list(keys)).decode()


def reserve(
    store: StateStore,
    workspace: str,
    keys: Sequence[str],
    run_id: int | None,
    take_unknown: bool = False,
) -> Reservation:
    """Reserve for ``run_id`` the keys no run holds (and, with ``take_unknown``, those left
    pending by runs that stopped); what each of ``keys`` is."""
    if not keys:
        return Reservation(set(), set(), set(), set())
    sql, workspace_id, now = _SQL[store.dialect], store.workspace_key(workspace), _now(store)
    with store.transaction("reserve events before sending them") as conn:
        rows = conn.execute(sql["reserve"], (workspace_id, run_id, now, _json(keys)))
        taken = {key for (key,) in rows.fetchall()}
        others = [key for key in keys if key not in taken]
        if others and take_unknown:
            params = (run_id, now, workspace_id, _json(others))
            taken |= {key for (key,) in conn.execute(sql["take_unknown"], params).fetchall()}
            others = [key for key in others if key not in taken]
        held = []
        if others:
            held = conn.execute(sql["held"], (workspace_id, _json(others))).fetchall()
    return Reservation(
        taken,
        {key for key, status, _ in held if status == SENT},
        {key for key, status, busy in held if status == PENDING and not busy},
        {key for key, status, busy in held if status == PENDING and busy},
    )


def statuses(store: StateStore, workspace: str, keys: Sequence[str]) -> dict[str, str]:
    """The status of each key the ledger holds (a dry run's question: nothing is reserved)."""
    if not keys:
        return {}
    sql, workspace_id = _SQL[store.dialect], store.workspace_key(workspace)
    with store.transaction("look events up") as conn:
        return dict(conn.execute(sql["statuses"], (workspace_id, _json(keys))).fetchall())


def mark_sent(store: StateStore, workspace: str, keys: Sequence[str]) -> None:
    """Braze accepted these events: they are never sent again."""
    if keys:
        sql, workspace_id = _SQL[store.dialect], store.workspace_key(workspace)
        with store.transaction("record the events Braze accepted") as conn:
            conn.execute(sql["mark_sent"], (_now(store), workspace_id, _json(keys)))


def release(store: StateStore, workspace: str, keys: Sequence[str]) -> None:
    """Braze certainly did not keep these pending events: a later run may send them."""
    if keys:
        sql, workspace_id = _SQL[store.dialect], store.workspace_key(workspace)
        with store.transaction("release events Braze did not keep") as conn:
            conn.execute(sql["release"], (workspace_id, _json(keys)))


def unknown_count(store: StateStore) -> int:
    """Events left pending by runs that are no longer running: their outcome is unknown."""
    with store.transaction("count events of unknown outcome") as conn:
        return conn.execute(_SQL[store.dialect]["pending"]).fetchone()[0]


def release_unknown(store: StateStore) -> int:
    """Forget every event left pending by a run that is no longer running (after checking in
    Braze that they did not arrive): the next run sends them. How many."""
    with store.transaction("release events of unknown outcome") as conn:
        return conn.execute(_SQL[store.dialect]["release_unknown"]).rowcount


def sent_before(store: StateStore, before: datetime) -> int:
    """How many events Braze accepted before ``before`` (UTC), every workspace."""
    with store.transaction("count events sent before a date") as conn:
        return conn.execute(_SQL[store.dialect]["sent_before"], (_at(store, before),)).fetchone()[0]


def prune_sent(store: StateStore, before: datetime) -> int:
    """Forget the events Braze accepted before ``before`` (UTC), every workspace; pending keys
    stay whatever their age (their outcome is still unknown). How many."""
    with store.transaction("forget events sent before a date") as conn:
        return conn.execute(_SQL[store.dialect]["prune_sent"], (_at(store, before),)).rowcount


def _at(store: StateStore, moment: datetime) -> datetime | str:
    # SQLite keeps updated_at as ISO text (as _now writes it), which compares in time order.
    return moment.isoformat(timespec="microseconds") if store.dialect == "sqlite" else moment
