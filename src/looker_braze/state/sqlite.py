"""The state store on SQLite: a file next to the hub, zero set-up.

WAL mode lets `looker-braze runs` read while the hub writes; writes take the lock up front
(BEGIN IMMEDIATE) so two processes never deadlock upgrading a read lock. Lists of members travel
as one JSON parameter read by json_each, so a call is one statement whatever its size.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import orjson

from looker_braze.errors import ConfigError
from looker_braze.state import migrations
from looker_braze.state.catalog_items import SqliteCatalogItems
from looker_braze.state.location import StoreLocation
from looker_braze.state.models import (
    AudienceSummary,
    Beat,
    Known,
    MembershipChange,
    RunEnd,
    RunRecord,
    RunStart,
    Sent,
    utc,
    utc_now,
)
from looker_braze.state.store import (
    INTERRUPTED_MESSAGE,
    RUN_COLUMNS,
    StateStore,
    finished_status,
    run_owner,
    run_record,
)

LOOKUP = """
SELECT m.value,
       EXISTS (SELECT 1 FROM audience_members AS a WHERE a.audience_id = ?1 AND a.member = m.value),
       h.hashes
FROM json_each(?2) AS m
LEFT JOIN member_hashes AS h ON h.workspace_id = ?3 AND h.member = m.value
"""
MERGE_HASHES = """
INSERT INTO member_hashes (workspace_id, member, hashes) VALUES (?, ?, ?)
ON CONFLICT (workspace_id, member) DO UPDATE SET hashes = json_patch(hashes, excluded.hashes)
"""
# NOT IN reads the run's members once into a transient index, then walks the audience in key
# order against it: one pass over each side.
SNAPSHOT_GONE = """
INSERT INTO run_gone (run_id, member)
SELECT ?1, member FROM audience_members
WHERE audience_id = ?2 AND member NOT IN (SELECT member FROM run_members WHERE run_id = ?1)
"""
INSERT_RUN = """
INSERT INTO runs (status, action, mode, label, attribute, workspace, webhook_id,
                  scheduled_plan_id, title, started_at, heartbeat_at, host, pid, process)
VALUES ('running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
HEARTBEAT = """
UPDATE runs SET heartbeat_at = ?, counts = ?, data_points_sent = ?, data_points_saved = ?
WHERE id = ? AND status = 'running'
"""
# Silent: no heartbeat since the cutoff (rows written before heartbeats: no start since then).
INTERRUPT = """
UPDATE runs SET status = 'interrupted', success = 0,
                finished_at = coalesce(heartbeat_at, started_at), message = ?1
WHERE status = 'running'
  AND (coalesce(heartbeat_at, started_at) < ?2 OR id IN (SELECT value FROM json_each(?3)))
  AND id NOT IN (SELECT value FROM json_each(?4))
RETURNING id
"""
SILENT_RUNS = """
SELECT id FROM runs
WHERE status IN ('interrupted', 'abandoned') AND coalesce(heartbeat_at, started_at) < ?
"""
FINISH_RUN = """
UPDATE runs SET status = ?, finished_at = ?, success = ?, message = ?, counts = ?,
                data_points_sent = ?, data_points_saved = ?, rejections = ?
WHERE id = ?
"""


CHANGES = """
SELECT c.seq, w.name, a.attribute, a.label, c.member, c.joined, c.at_ms
FROM audience_changes AS c
JOIN audiences AS a ON a.id = c.audience_id
JOIN workspaces AS w ON w.id = a.workspace_id
WHERE c.seq > ? ORDER BY c.seq LIMIT ?
"""
SUMMARIES = """
SELECT w.name, a.attribute, a.label,
       (SELECT count(*) FROM audience_members AS m WHERE m.audience_id = a.id),
       (SELECT count(*) FROM audience_changes AS c WHERE c.audience_id = a.id AND c.joined = 1),
       (SELECT count(*) FROM audience_changes AS c WHERE c.audience_id = a.id AND c.joined = 0),
       a.created_at,
       (SELECT max(c.at_ms) FROM audience_changes AS c WHERE c.audience_id = a.id)
FROM audiences AS a JOIN workspaces AS w ON w.id = a.workspace_id
ORDER BY w.name, a.attribute, a.label
"""


def _from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def _text(moment: datetime) -> str:
    # Fixed-width ISO 8601 in UTC: text order is time order, so SQL can compare it.
    return utc(moment).isoformat(timespec="microseconds")


def _json(value) -> str:
    return orjson.dumps(value).decode()


class SqliteStateStore(SqliteCatalogItems, StateStore):
    dialect = "sqlite"
    driver_errors = (sqlite3.Error,)

    def __init__(self, location: StoreLocation) -> None:
        super().__init__(location)
        try:
            self._conn = _connect(location.target)
            with self._transaction():
                migrations.apply(self._conn, "sqlite", "?", _text(utc_now()))
        except sqlite3.Error as exc:
            raise ConfigError(
                [
                    f"cannot open the SQLite state store {location.target!r}: {exc} "
                    "(its folder must exist and be writable)"
                ]
            ) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _get_workspace_id(self, workspace: str) -> int:
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO workspaces (name) VALUES (?)", (workspace,))
            return conn.execute(
                "SELECT id FROM workspaces WHERE name = ?", (workspace,)
            ).fetchone()[0]

    def _audience_id(self, workspace_id: int, attribute: str, label: str) -> int:
        key = (workspace_id, attribute, label)
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO audiences (workspace_id, attribute, label, created_at)"
                " VALUES (?, ?, ?, ?)",
                (*key, _text(utc_now())),
            )
            return conn.execute(
                "SELECT id FROM audiences WHERE workspace_id = ? AND attribute = ? AND label = ?",
                key,
            ).fetchone()[0]

    def _lookup(self, audience_id: int, workspace_id: int, members: Sequence[str]) -> dict:
        rows = self._conn.execute(LOOKUP, (audience_id, _json(list(members)), workspace_id))
        return {
            member: Known(bool(is_member), orjson.loads(hashes) if hashes else {})
            for member, is_member, hashes in rows
            if is_member or hashes is not None
        }

    def _record_sent(self, audience_id: int, workspace_id: int, sent: list[Sent]) -> None:
        with self._transaction() as conn:
            conn.executemany(
                MERGE_HASHES,
                (
                    (workspace_id, entry.member, _json(entry.hashes))
                    for entry in sent
                    if entry.hashes
                ),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO audience_members (audience_id, member) VALUES (?, ?)",
                ((audience_id, entry.member) for entry in sent if entry.flagged),
            )

    def _remove_members(self, audience_id: int, members: Sequence[str]) -> None:
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM audience_members WHERE audience_id = ?"
                " AND member IN (SELECT value FROM json_each(?))",
                (audience_id, _json(list(members))),
            )

    def _audience_size(self, audience_id: int) -> int:
        sql = "SELECT count(*) FROM audience_members WHERE audience_id = ?"
        return self._conn.execute(sql, (audience_id,)).fetchone()[0]

    def _membership_changes(self, after_seq: int, limit: int) -> list[MembershipChange]:
        rows = self._conn.execute(CHANGES, (after_seq, limit))
        return [
            MembershipChange(seq, workspace, attribute, label, member, bool(joined), _from_ms(ms))
            for seq, workspace, attribute, label, member, joined, ms in rows
        ]

    def _audience_summaries(self) -> list[AudienceSummary]:
        return [
            AudienceSummary(*row[:6], datetime.fromisoformat(row[6]), _from_ms(row[7]))
            for row in self._conn.execute(SUMMARIES)
        ]

    def _start_run(self, meta: RunStart) -> int:
        values = (meta.action, meta.mode, meta.label, meta.attribute, meta.workspace)
        started = _text(meta.started_at)
        values += (meta.webhook_id, meta.scheduled_plan_id, meta.title, started, started)
        values += run_owner()
        with self._transaction() as conn:
            return conn.execute(INSERT_RUN, values).lastrowid

    def _add_run_members(self, run_id: int, members: Sequence[str]) -> None:
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO run_members (run_id, member) VALUES (?, ?)",
                ((run_id, member) for member in members),
            )

    def _snapshot_gone(self, audience_id: int, run_id: int) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM run_gone WHERE run_id = ?", (run_id,))
            conn.execute(SNAPSHOT_GONE, (run_id, audience_id))

    def _gone_page(self, run_id: int, after: str | None, limit: int) -> list[str]:
        if after is None:
            sql = "SELECT member FROM run_gone WHERE run_id = ? ORDER BY member LIMIT ?"
            params: tuple = (run_id, limit)
        else:
            sql = (
                "SELECT member FROM run_gone WHERE run_id = ? AND member > ?"
                " ORDER BY member LIMIT ?"
            )
            params = (run_id, after, limit)
        return [member for (member,) in self._conn.execute(sql, params)]

    def _finish_run(self, run_id: int, record: RunEnd) -> bool:
        status = finished_status(record)
        values = (status, _text(record.finished_at), int(record.success), record.message)
        values += (_json(record.counts), record.data_points_sent, record.data_points_saved)
        values += (_json(record.rejections), run_id)
        with self._transaction() as conn:
            found = conn.execute(FINISH_RUN, values).rowcount == 1
            _drop_staged(conn, [run_id])
        return found

    def _runs(self, limit: int, before_id: int | None, since: datetime | None) -> list[RunRecord]:
        where, params = ["1 = 1"], []
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        if since is not None:
            where.append("started_at >= ?")
            params.append(_text(since))
        sql = f"SELECT {RUN_COLUMNS} FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?"
        return [_record(row) for row in self._conn.execute(sql, (*params, limit))]

    def _run(self, run_id: int) -> RunRecord | None:
        row = self._conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        found = row.fetchone()
        return None if found is None else _record(found)

    def _heartbeat(self, beats: Sequence[Beat], now: datetime) -> list[int]:
        lost = []
        with self._transaction() as conn:
            for beat in beats:
                values = (_text(now), _json(beat.counts), beat.data_points_sent)
                values += (beat.data_points_saved, beat.run_id)
                if conn.execute(HEARTBEAT, values).rowcount == 0:
                    lost.append(beat.run_id)
        return lost

    def _running_on(self, host: str) -> list[tuple[int, int | None, str | None]]:
        sql = "SELECT id, pid, process FROM runs WHERE status = 'running' AND host = ?"
        return [tuple(row) for row in self._conn.execute(sql, (host,))]

    def _interrupt(self, silent_before: datetime, ids: list[int], alive: list[int]) -> list[int]:
        params = (INTERRUPTED_MESSAGE, _text(silent_before), _json(ids), _json(alive))
        with self._transaction() as conn:
            return sorted(run_id for (run_id,) in conn.execute(INTERRUPT, params).fetchall())

    def _silent_runs(self, before: datetime) -> list[int]:
        return [run_id for (run_id,) in self._conn.execute(SILENT_RUNS, (_text(before),))]

    def _drop_staged_runs(self, run_ids: list[int]) -> None:
        if run_ids:
            with self._transaction() as conn:
                _drop_staged(conn, run_ids)

    def _close(self) -> None:
        self._conn.close()


def _connect(path: str) -> sqlite3.Connection:
    # check_same_thread off: AsyncStateStore opens the store on its own thread and keeps every
    # call there, so the connection is never used by two threads at once.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # WAL stays consistent; a power cut may lose
    conn.execute("PRAGMA foreign_keys = ON")  # the last commits, which the next run repairs
    conn.execute("PRAGMA cache_size = -32768")  # 32 MB
    return conn


def _drop_staged(conn: sqlite3.Connection, run_ids: list[int]) -> None:
    for table in ("run_members", "run_gone"):
        conn.executemany(f"DELETE FROM {table} WHERE run_id = ?", ((run_id,) for run_id in run_ids))


def _record(row) -> RunRecord:
    return run_record(row, datetime.fromisoformat, orjson.loads)
