"""The state store on PostgreSQL, for several hub replicas sharing one state.

Member lists travel as one JSON parameter, run members arrive by COPY, and the diff is one hash
anti-join in the server. A lost connection fails the call in progress (as FailRun)
and is replaced on the next call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb, set_json_loads

from looker_braze.errors import ConfigError
from looker_braze.state import migrations
from looker_braze.state.catalog_items import PostgresCatalogItems
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

# LATERAL ... LIMIT 1 keeps the plan a nested loop of index probes: a plain join lets the
# planner hash the whole audience on every call, which makes a sync quadratic in its size.
# Member lists travel as one JSON text: psycopg builds a text[] literal in Python, which costs
# more than the query.
LOOKUP = """
SELECT m.member, a.flagged IS NOT NULL, h.hashes
FROM json_array_elements_text(%(members)s::json) AS m (member)
LEFT JOIN LATERAL (
    SELECT true AS flagged FROM audience_members
    WHERE audience_id = %(audience)s AND member = m.member LIMIT 1
) AS a ON true
LEFT JOIN LATERAL (
    SELECT hashes FROM member_hashes
    WHERE workspace_id = %(workspace)s AND member = m.member LIMIT 1
) AS h ON true
WHERE a.flagged IS NOT NULL OR h.hashes IS NOT NULL
"""
MERGE_HASHES = """
INSERT INTO member_hashes (workspace_id, member, hashes)
SELECT %s, t.key, t.value FROM jsonb_each(%s::jsonb) AS t
ON CONFLICT (workspace_id, member) DO UPDATE SET hashes = member_hashes.hashes || excluded.hashes
"""
ADD_MEMBERS = """
INSERT INTO audience_members (audience_id, member) SELECT %s, json_array_elements_text(%s::json)
ON CONFLICT DO NOTHING
"""
SNAPSHOT_GONE = """
INSERT INTO run_gone (run_id, member)
SELECT %(run)s, a.member FROM audience_members AS a
WHERE a.audience_id = %(audience)s
  AND NOT EXISTS (SELECT 1 FROM run_members AS r WHERE r.run_id = %(run)s AND r.member = a.member)
"""
INSERT_RUN = """
INSERT INTO runs (status, action, mode, label, attribute, workspace, webhook_id,
                  scheduled_plan_id, title, started_at, heartbeat_at, host, pid, process)
VALUES ('running', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
RETURNING id
"""
HEARTBEAT = """
UPDATE runs SET heartbeat_at = %s, counts = %s, data_points_sent = %s, data_points_saved = %s
WHERE id = %s AND status = 'running'
"""
# Silent: no heartbeat since the cutoff (rows written before heartbeats: no start since then).
INTERRUPT = """
UPDATE runs SET status = 'interrupted', success = false,
                finished_at = coalesce(heartbeat_at, started_at), message = %(message)s
WHERE status = 'running'
  AND (coalesce(heartbeat_at, started_at) < %(cutoff)s OR id = ANY(%(ids)s::bigint[]))
  AND NOT id = ANY(%(alive)s::bigint[])
RETURNING id
"""
SILENT_RUNS = """
SELECT id FROM runs
WHERE status IN ('interrupted', 'abandoned') AND coalesce(heartbeat_at, started_at) < %s
"""
FINISH_RUN = """
UPDATE runs SET status = %s, finished_at = %s, success = %s, message = %s, counts = %s,
                data_points_sent = %s, data_points_saved = %s, rejections = %s
WHERE id = %s
"""
# The set operation may hash a million members; more than the default 4 MB keeps it in memory.
DIFF_WORK_MEM = "64MB"


CHANGES = """
SELECT c.seq, w.name, a.attribute, a.label, c.member, c.joined, c.at
FROM audience_changes AS c
JOIN audiences AS a ON a.id = c.audience_id
JOIN workspaces AS w ON w.id = a.workspace_id
WHERE c.seq > %s ORDER BY c.seq LIMIT %s
"""
SUMMARIES = """
SELECT w.name, a.attribute, a.label,
       (SELECT count(*) FROM audience_members AS m WHERE m.audience_id = a.id),
       (SELECT count(*) FROM audience_changes AS c WHERE c.audience_id = a.id AND c.joined),
       (SELECT count(*) FROM audience_changes AS c WHERE c.audience_id = a.id AND NOT c.joined),
       a.created_at,
       (SELECT max(c.at) FROM audience_changes AS c WHERE c.audience_id = a.id)
FROM audiences AS a JOIN workspaces AS w ON w.id = a.workspace_id
ORDER BY w.name, a.attribute, a.label
"""


def _lock_key(schema: str | None) -> int:
    """The advisory lock id for migrating ``schema``: a signed 64-bit number from its name."""
    digest = hashlib.sha256(f"looker-braze state {schema or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresStateStore(PostgresCatalogItems, StateStore):
    dialect = "postgresql"
    driver_errors = (psycopg.Error,)

    def __init__(self, location: StoreLocation) -> None:
        super().__init__(location)
        self._conn: psycopg.Connection | None = None
        try:
            conn = self._connection()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(location.schema),))
                _create_schema(conn, location.schema)
                migrations.apply(conn, "postgresql", "%s", utc_now().isoformat())
        except psycopg.Error as exc:
            self._forget_connection()
            raise ConfigError(
                [f"cannot open the PostgreSQL state store {location}: {str(exc).strip()}"]
            ) from exc

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = _connect(self.location)
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        conn = self._connection()
        with conn.transaction():
            yield conn

    def _after_failure(self) -> None:
        if self._conn is not None and (self._conn.broken or self._conn.closed):
            self._forget_connection()

    def _forget_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def _get_workspace_id(self, workspace: str) -> int:
        conn = self._connection()
        with conn.transaction():
            conn.execute(
                "INSERT INTO workspaces (name) VALUES (%s) ON CONFLICT DO NOTHING", (workspace,)
            )
            return conn.execute(
                "SELECT id FROM workspaces WHERE name = %s", (workspace,)
            ).fetchone()[0]

    def _audience_id(self, workspace_id: int, attribute: str, label: str) -> int:
        conn = self._connection()
        key = (workspace_id, attribute, label)
        with conn.transaction():
            conn.execute(
                "INSERT INTO audiences (workspace_id, attribute, label, created_at)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (*key, utc_now()),
            )
            return conn.execute(
                "SELECT id FROM audiences"
                " WHERE workspace_id = %s AND attribute = %s AND label = %s",
                key,
            ).fetchone()[0]

    def _lookup(self, audience_id: int, workspace_id: int, members: Sequence[str]) -> dict:
        params = {
            "members": _json_list(members),
            "audience": audience_id,
            "workspace": workspace_id,
        }
        rows = self._connection().execute(LOOKUP, params).fetchall()
        return {member: Known(is_member, hashes or {}) for member, is_member, hashes in rows}

    def _record_sent(self, audience_id: int, workspace_id: int, sent: list[Sent]) -> None:
        hashed = [entry for entry in sent if entry.hashes]
        flagged = [entry.member for entry in sent if entry.flagged]
        conn = self._connection()
        with conn.transaction():
            if hashed:
                by_member = {entry.member: entry.hashes for entry in hashed}  # merged: unique
                conn.execute(MERGE_HASHES, (workspace_id, orjson.dumps(by_member).decode()))
            if flagged:
                conn.execute(ADD_MEMBERS, (audience_id, _json_list(flagged)))

    def _remove_members(self, audience_id: int, members: Sequence[str]) -> None:
        self._connection().execute(
            "DELETE FROM audience_members WHERE audience_id = %s"
            " AND member = ANY(ARRAY(SELECT json_array_elements_text(%s::json)))",
            (audience_id, _json_list(members)),
        )

    def _audience_size(self, audience_id: int) -> int:
        sql_ = "SELECT count(*) FROM audience_members WHERE audience_id = %s"
        return self._connection().execute(sql_, (audience_id,)).fetchone()[0]

    def _membership_changes(self, after_seq: int, limit: int) -> list[MembershipChange]:
        rows = self._connection().execute(CHANGES, (after_seq, limit)).fetchall()
        return [MembershipChange(*row[:6], utc(row[6])) for row in rows]

    def _audience_summaries(self) -> list[AudienceSummary]:
        rows = self._connection().execute(SUMMARIES).fetchall()
        return [
            AudienceSummary(*row[:6], utc(row[6]), utc(row[7]) if row[7] else None) for row in rows
        ]

    def _start_run(self, meta: RunStart) -> int:
        values = (meta.action, meta.mode, meta.label, meta.attribute, meta.workspace)
        started = utc(meta.started_at)
        values += (meta.webhook_id, meta.scheduled_plan_id, meta.title, started, started)
        values += run_owner()
        return self._connection().execute(INSERT_RUN, values).fetchone()[0]

    def _add_run_members(self, run_id: int, members: Sequence[str]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cur:
            # Staged members are worthless after a crash (the run is abandoned), so their commit
            # need not wait for the WAL flush; everything else keeps synchronous commits.
            cur.execute("SET LOCAL synchronous_commit TO off")
            with cur.copy("COPY run_members (run_id, member) FROM STDIN") as copy:
                for member in members:
                    copy.write_row((run_id, member))

    def _snapshot_gone(self, audience_id: int, run_id: int) -> None:
        conn = self._connection()
        with conn.transaction():
            conn.execute(f"SET LOCAL work_mem = '{DIFF_WORK_MEM}'")
            conn.execute("ANALYZE run_members")  # COPY just added up to millions of rows
            conn.execute("DELETE FROM run_gone WHERE run_id = %s", (run_id,))
            conn.execute(SNAPSHOT_GONE, {"run": run_id, "audience": audience_id})

    def _gone_page(self, run_id: int, after: str | None, limit: int) -> list[str]:
        if after is None:
            query = "SELECT member FROM run_gone WHERE run_id = %s ORDER BY member LIMIT %s"
            params: tuple = (run_id, limit)
        else:
            query = (
                "SELECT member FROM run_gone WHERE run_id = %s AND member > %s"
                " ORDER BY member LIMIT %s"
            )
            params = (run_id, after, limit)
        return [member for (member,) in self._connection().execute(query, params)]

    def _finish_run(self, run_id: int, record: RunEnd) -> bool:
        status = finished_status(record)
        values = (status, utc(record.finished_at), record.success, record.message)
        values += (Jsonb(record.counts), record.data_points_sent, record.data_points_saved)
        values += (Jsonb(record.rejections), run_id)
        conn = self._connection()
        with conn.transaction():
            found = conn.execute(FINISH_RUN, values).rowcount == 1
            _drop_staged(conn, [run_id])
        return found

    def _runs(self, limit: int, before_id: int | None, since: datetime | None) -> list[RunRecord]:
        where, params = ["true"], []
        if before_id is not None:
            where.append("id < %s")
            params.append(before_id)
        if since is not None:
            where.append("started_at >= %s")
            params.append(since)
        query = (
            f"SELECT {RUN_COLUMNS} FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s"
        )
        return [_record(row) for row in self._connection().execute(query, (*params, limit))]

    def _run(self, run_id: int) -> RunRecord | None:
        query = f"SELECT {RUN_COLUMNS} FROM runs WHERE id = %s"
        found = self._connection().execute(query, (run_id,)).fetchone()
        return None if found is None else _record(found)

    def _heartbeat(self, beats: Sequence[Beat], now: datetime) -> list[int]:
        lost = []
        conn = self._connection()
        with conn.transaction():
            for beat in beats:
                values = (now, Jsonb(beat.counts), beat.data_points_sent)
                values += (beat.data_points_saved, beat.run_id)
                if conn.execute(HEARTBEAT, values).rowcount == 0:
                    lost.append(beat.run_id)
        return lost

    def _running_on(self, host: str) -> list[tuple[int, int | None, str | None]]:
        query = "SELECT id, pid, process FROM runs WHERE status = 'running' AND host = %s"
        return [tuple(row) for row in self._connection().execute(query, (host,))]

    def _interrupt(self, silent_before: datetime, ids: list[int], alive: list[int]) -> list[int]:
        params = {"message": INTERRUPTED_MESSAGE, "cutoff": silent_before}
        params |= {"ids": ids, "alive": alive}
        rows = self._connection().execute(INTERRUPT, params).fetchall()
        return sorted(run_id for (run_id,) in rows)

    def _silent_runs(self, before: datetime) -> list[int]:
        return [run_id for (run_id,) in self._connection().execute(SILENT_RUNS, (before,))]

    def _drop_staged_runs(self, run_ids: list[int]) -> None:
        if run_ids:
            conn = self._connection()
            with conn.transaction():
                _drop_staged(conn, run_ids)

    def _close(self) -> None:
        self._forget_connection()


def _json_list(members: Sequence[str]) -> str:
    return orjson.dumps(list(members)).decode()


def _connect(location: StoreLocation) -> psycopg.Connection:
    conn = psycopg.connect(location.target, autocommit=True, connect_timeout=10)
    set_json_loads(orjson.loads, conn)
    conn.execute("SET TIME ZONE 'UTC'")
    if location.schema:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(location.schema)))
    return conn


def _create_schema(conn: psycopg.Connection, schema: str | None) -> None:
    # Checked first: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database.
    if schema is None:
        return
    found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()
    if found is None:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))


def _drop_staged(conn: psycopg.Connection, run_ids: list[int]) -> None:
    if run_ids:
        for table in ("run_members", "run_gone"):
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE run_id = ANY(%s)").format(sql.Identifier(table)),
                (run_ids,),
            )


def _record(row) -> RunRecord:
    return run_record(row, utc, lambda value: value or {})
