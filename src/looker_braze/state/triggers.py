"""Who an API-triggered campaign or Canvas was sent to: the ledger that keeps a person from being
messaged twice (table trigger_recipients, migration 4).

Each recipient of a send is keyed by (workspace, target, send key, recipient):
    claim()      records it "pending" BEFORE its request can go; it tells which recipients were
                 already recorded (sent, or pending: a request whose outcome is unknown), so the
                 caller sends only to the ones it claimed now;
    mark_sent()  once Braze accepted the call: "sent", with the call's dispatch_id and run;
    release()    when Braze certainly sent nothing (a 4xx, a paused Canvas, a request that never
                 left): the pending rows of this run go, so a later send may try again.
A pending row left by a request whose answer was lost (or by a crash) stays: the next run of the
same send reports that recipient as "outcome unknown" and does not message them again.

Every call is one transaction (AsyncStateStore runs it on the store's thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from looker_braze.state.models import utc_now
from looker_braze.state.store import StateStore

PENDING, SENT = "pending", "sent"

_WHERE = "workspace = ? AND target = ? AND send_key = ? AND recipient = ?"
INSERT_PENDING = (
    "INSERT INTO trigger_recipients"
    " (workspace, target, send_key, recipient, status, run_id, updated_at)"
    " VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING"
)
STATUS = f"SELECT status FROM trigger_recipients WHERE {_WHERE}"
MARK_SENT = (
    "UPDATE trigger_recipients SET status = 'sent', dispatch_id = ?, run_id = ?, updated_at = ?"
    f" WHERE {_WHERE}"
)
RELEASE = f"DELETE FROM trigger_recipients WHERE {_WHERE} AND status = 'pending' AND run_id = ?"
DISPATCHES = (
    "SELECT DISTINCT dispatch_id FROM trigger_recipients WHERE run_id = ? AND status = 'sent'"
    " ORDER BY dispatch_id"
)


@dataclass(frozen=True)
class SendKey:
    """One send: a workspace (endpoint + key hash), a target ("campaign:<id>", "canvas:<id>")
    and the send's key (action/braze/trigger/options.py says how it is chosen)."""

    workspace: str
    target: str
    send_key: str


class TriggerLedger:
    def __init__(self, store: StateStore, key: SendKey) -> None:
        self._store = store
        self._key = (key.workspace, key.target, key.send_key)

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._store.dialect == "postgresql" else statement

    def _now(self):
        now = utc_now()
        return now if self._store.dialect == "postgresql" else now.isoformat()

    def claim(self, recipients: Sequence[str], run_id: int | None) -> dict[str, str]:
        """Record each recipient "pending" unless the send already has it; returns the status of
        those it already had (the others are this caller's to send)."""
        known: dict[str, str] = {}
        insert, status, now = self._sql(INSERT_PENDING), self._sql(STATUS), self._now()
        with self._store.transaction("record the recipients about to be messaged") as conn:
            for name in recipients:
                if conn.execute(insert, (*self._key, name, run_id, now)).rowcount == 1:
                    continue
                known[name] = conn.execute(status, (*self._key, name)).fetchone()[0]
        return known

    def mark_sent(self, recipients: Sequence[str], dispatch_id: str, run_id: int | None) -> None:
        mark, now = self._sql(MARK_SENT), self._now()
        with self._store.transaction("record the recipients Braze accepted") as conn:
            for name in recipients:
                conn.execute(mark, (dispatch_id, run_id, now, *self._key, name))

    def release(self, recipients: Sequence[str], run_id: int | None) -> None:
        drop = self._sql(RELEASE)
        with self._store.transaction("release recipients Braze sent nothing to") as conn:
            for name in recipients:
                conn.execute(drop, (*self._key, name, run_id))

    def states(self, recipients: Sequence[str]) -> dict[str, str]:
        """The recorded status of each recipient the send has (a dry run's look-up)."""
        status = self._sql(STATUS)
        found: dict[str, str] = {}
        with self._store.transaction("look up recipients already messaged") as conn:
            for name in recipients:
                row = conn.execute(status, (*self._key, name)).fetchone()
                if row is not None:
                    found[name] = row[0]
        return found

    def dispatch_ids(self, run_id: int) -> list[str]:
        """The dispatch ids of a run's accepted calls."""
        with self._store.transaction("read the run's dispatch ids") as conn:
            rows = conn.execute(self._sql(DISPATCHES), (run_id,)).fetchall()
        return [dispatch_id for (dispatch_id,) in rows]
