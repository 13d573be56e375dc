"""The state store's schema, as an ordered list of migrations per dialect.

A database records the versions applied in ``schema_version``; opening a store applies the
missing ones in order, in one transaction, so a store is never left half-migrated. PostgreSQL
replicas starting at once serialise on an advisory lock; SQLite on BEGIN IMMEDIATE. Never edit a
released migration: add the next one.

Tables (both dialects):
    workspaces        one row per Braze workspace string (endpoint + key hash, never the key)
    audiences         (workspace, attribute, label) -> id
    audience_members  who carries the label, as far as Braze accepted it
    member_hashes     per workspace and member: JSON object attribute -> hash of the value sent
    runs              the run history (v2: heartbeat_at and the owning process)
    run_members       the members of a running sync, dropped when it finishes
    run_gone          gone_members' snapshot of a run (members of the audience not in the run)
    sent_events       (v3) per workspace, the key of each event or purchase the events action
                      sent: "pending" from before its request until Braze accepts it, then "sent"
    trigger_recipients  (v4) who an API-triggered campaign or Canvas was sent to, per send key:
                      "pending" before the request can go, "sent" once Braze accepted it
                      (state/triggers.py)
    catalogs          (v5) (workspace, catalog name) -> id, for the catalog action
    catalog_items     (v5) the item ids each catalog holds from this hub, as far as Braze
                      accepted them (state/catalog_items.py)
    audience_changes  (v6) the membership history: one row each time a member joins or leaves
                      an audience, written by triggers on audience_members, so no code path that
                      changes membership can forget it
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgresql: tuple[str, ...]


_SQLITE_V1 = (
    "CREATE TABLE workspaces (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
    """CREATE TABLE audiences (
        id INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
        attribute TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (workspace_id, attribute, label))""",
    # WITHOUT ROWID: the primary key is the table, so a member costs one B-tree entry, not two.
    """CREATE TABLE audience_members (
        audience_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        PRIMARY KEY (audience_id, member)) WITHOUT ROWID""",
    """CREATE TABLE member_hashes (
        workspace_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        hashes TEXT NOT NULL,
        PRIMARY KEY (workspace_id, member)) WITHOUT ROWID""",
    # AUTOINCREMENT: ids are never reused, so "before_id" pagination stays stable.
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        status TEXT NOT NULL,
        action TEXT NOT NULL,
        mode TEXT NOT NULL,
        label TEXT NOT NULL,
        attribute TEXT NOT NULL,
        workspace TEXT NOT NULL,
        webhook_id TEXT,
        scheduled_plan_id TEXT,
        title TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        success INTEGER,
        message TEXT,
        counts TEXT NOT NULL DEFAULT '{}',
        data_points_sent INTEGER NOT NULL DEFAULT 0,
        data_points_saved INTEGER NOT NULL DEFAULT 0,
        rejections TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX runs_started_at ON runs (started_at)",
    "CREATE INDEX runs_running ON runs (status, started_at)",
    # Appended in the Look's order, so no index on member: keeping one sorted costs a random
    # B-tree insert per member (30 s for a million); the diff indexes the run's members once.
    "CREATE TABLE run_members (run_id INTEGER NOT NULL, member TEXT NOT NULL)",
    "CREATE INDEX run_members_run ON run_members (run_id)",
    """CREATE TABLE run_gone (
        run_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        PRIMARY KEY (run_id, member)) WITHOUT ROWID""",
)

# Members are opaque ids: COLLATE "C" compares bytes, several times faster than a locale's
# rules in every index probe, and orders keyset pages the same on every server.
_POSTGRESQL_V1 = (
    "CREATE TABLE workspaces (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " name text NOT NULL UNIQUE)",
    """CREATE TABLE audiences (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id bigint NOT NULL REFERENCES workspaces (id),
        attribute text NOT NULL,
        label text NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (workspace_id, attribute, label))""",
    """CREATE TABLE audience_members (
        audience_id bigint NOT NULL,
        member text COLLATE "C" NOT NULL,
        PRIMARY KEY (audience_id, member))""",
    """CREATE TABLE member_hashes (
        workspace_id bigint NOT NULL,
        member text COLLATE "C" NOT NULL,
        hashes jsonb NOT NULL,
        PRIMARY KEY (workspace_id, member))""",
    """CREATE TABLE runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        status text NOT NULL,
        action text NOT NULL,
        mode text NOT NULL,
        label text NOT NULL,
        attribute text NOT NULL,
        workspace text NOT NULL,
        webhook_id text,
        scheduled_plan_id text,
        title text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        success boolean,
        message text,
        counts jsonb NOT NULL DEFAULT '{}',
        data_points_sent bigint NOT NULL DEFAULT 0,
        data_points_saved bigint NOT NULL DEFAULT 0,
        rejections jsonb NOT NULL DEFAULT '{}')""",
    "CREATE INDEX runs_started_at ON runs (started_at)",
    "CREATE INDEX runs_running ON runs (status, started_at)",
    # Appended by COPY with no index on member (see SQLite above; the diff is a hash anti-join)
    # and no unique key: COPY cannot skip duplicates, and the anti-join does not mind them.
    """CREATE TABLE run_members (run_id bigint NOT NULL, member text COLLATE "C" NOT NULL)""",
    "CREATE INDEX run_members_run ON run_members (run_id)",
    """CREATE TABLE run_gone (
        run_id bigint NOT NULL,
        member text COLLATE "C" NOT NULL,
        PRIMARY KEY (run_id, member))""",
)

# Runs tell the truth after a crash: each running run's row is refreshed (heartbeat_at, and its
# counts so far) by the process that runs it, named by host, pid and a per-process token, so that
# any hub can tell a run whose process is gone or silent and mark it interrupted.
_SQLITE_V2 = (
    "ALTER TABLE runs ADD COLUMN heartbeat_at TEXT",
    "ALTER TABLE runs ADD COLUMN host TEXT",
    "ALTER TABLE runs ADD COLUMN pid INTEGER",
    "ALTER TABLE runs ADD COLUMN process TEXT",
)
_POSTGRESQL_V2 = (
    "ALTER TABLE runs ADD COLUMN heartbeat_at timestamptz",
    "ALTER TABLE runs ADD COLUMN host text",
    "ALTER TABLE runs ADD COLUMN pid integer",
    "ALTER TABLE runs ADD COLUMN process text",
)

# The events action's ledger (state/events.py): an event is recorded "pending" before its request
# leaves and "sent" once Braze accepts it, so that no run sends it twice. The partial index finds
# the pending ones (a handful) without walking the sent ones (every event ever sent).
_SQLITE_V3 = (
    """CREATE TABLE sent_events (
        workspace_id INTEGER NOT NULL,
        event_key TEXT NOT NULL,
        status TEXT NOT NULL,
        run_id INTEGER,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, event_key)) WITHOUT ROWID""",
    "CREATE INDEX sent_events_pending ON sent_events (run_id) WHERE status = 'pending'",
)
_POSTGRESQL_V3 = (
    """CREATE TABLE sent_events (
        workspace_id bigint NOT NULL,
        event_key text COLLATE "C" NOT NULL,
        status text NOT NULL,
        run_id bigint,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, event_key))""",
    "CREATE INDEX sent_events_pending ON sent_events (run_id) WHERE status = 'pending'",
)

# A message must never reach a user twice: each recipient of a trigger is recorded "pending"
# BEFORE its request can go and "sent" (with the call's dispatch_id) once Braze accepted it.
_SQLITE_V4 = (
    """CREATE TABLE trigger_recipients (
        workspace TEXT NOT NULL,
        target TEXT NOT NULL,
        send_key TEXT NOT NULL,
        recipient TEXT NOT NULL,
        status TEXT NOT NULL,
        run_id INTEGER,
        dispatch_id TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace, target, send_key, recipient)) WITHOUT ROWID""",
)
_POSTGRESQL_V4 = (
    """CREATE TABLE trigger_recipients (
        workspace text NOT NULL,
        target text NOT NULL,
        send_key text NOT NULL,
        recipient text COLLATE "C" NOT NULL,
        status text NOT NULL,
        run_id bigint,
        dispatch_id text,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (workspace, target, send_key, recipient))""",
)

# The membership history (the closed loop joins it to Currents). An append-only log of changes,
# not of runs: a member who stays costs nothing per run, a join or a leave one short row. Members
# already in an audience get the audience's creation time as their join (the history began after
# them; that is the earliest they can have joined). Times: SQLite integer epoch milliseconds
# (8 bytes, not a 24-byte text), PostgreSQL timestamptz.
_SQLITE_NOW_MS = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)"
_SQLITE_V6 = (
    """CREATE TABLE audience_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        audience_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        joined INTEGER NOT NULL,
        at_ms INTEGER NOT NULL)""",
    "CREATE INDEX audience_changes_audience ON audience_changes (audience_id, seq)",
    """INSERT INTO audience_changes (audience_id, member, joined, at_ms)
        SELECT m.audience_id, m.member, 1,
               CAST(round((julianday(a.created_at) - 2440587.5) * 86400000) AS INTEGER)
        FROM audience_members AS m JOIN audiences AS a ON a.id = m.audience_id
        ORDER BY m.audience_id, m.member""",
    f"""CREATE TRIGGER audience_member_joined AFTER INSERT ON audience_members BEGIN
        INSERT INTO audience_changes (audience_id, member, joined, at_ms)
        VALUES (NEW.audience_id, NEW.member, 1, {_SQLITE_NOW_MS}); END""",
    f"""CREATE TRIGGER audience_member_left AFTER DELETE ON audience_members BEGIN
        INSERT INTO audience_changes (audience_id, member, joined, at_ms)
        VALUES (OLD.audience_id, OLD.member, 0, {_SQLITE_NOW_MS}); END""",
)
# Statement-level triggers with transition tables: one INSERT ... SELECT per statement, however
# many members it added (a sync adds thousands at once), instead of one trigger call a row.
_POSTGRESQL_V6 = (
    """CREATE TABLE audience_changes (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        audience_id bigint NOT NULL,
        member text COLLATE "C" NOT NULL,
        joined boolean NOT NULL,
        at timestamptz NOT NULL)""",
    "CREATE INDEX audience_changes_audience ON audience_changes (audience_id, seq)",
    """INSERT INTO audience_changes (audience_id, member, joined, at)
        SELECT m.audience_id, m.member, true, a.created_at
        FROM audience_members AS m JOIN audiences AS a ON a.id = m.audience_id
        ORDER BY m.audience_id, m.member""",
    """CREATE FUNCTION looker_braze_members_joined() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO audience_changes (audience_id, member, joined, at)
            SELECT audience_id, member, true, clock_timestamp() FROM joined_rows;
            RETURN NULL;
        END $$""",
    """CREATE FUNCTION looker_braze_members_left() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO audience_changes (audience_id, member, joined, at)
            SELECT audience_id, member, false, clock_timestamp() FROM left_rows;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER audience_members_joined AFTER INSERT ON audience_members
        REFERENCING NEW TABLE AS joined_rows FOR EACH STATEMENT
        EXECUTE FUNCTION looker_braze_members_joined()""",
    """CREATE TRIGGER audience_members_left AFTER DELETE ON audience_members
        REFERENCING OLD TABLE AS left_rows FOR EACH STATEMENT
        EXECUTE FUNCTION looker_braze_members_left()""",
)

# The catalog action's sync state: which item ids of each catalog this hub put there (and Braze
# accepted), so that a sync deletes the items that left the Look and no others.
_SQLITE_V5 = (
    """CREATE TABLE catalogs (
        id INTEGER PRIMARY KEY,
        workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (workspace_id, name))""",
    """CREATE TABLE catalog_items (
        catalog_id INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        PRIMARY KEY (catalog_id, item_id)) WITHOUT ROWID""",
)
_POSTGRESQL_V5 = (
    """CREATE TABLE catalogs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id bigint NOT NULL REFERENCES workspaces (id),
        name text NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (workspace_id, name))""",
    """CREATE TABLE catalog_items (
        catalog_id bigint NOT NULL,
        item_id text COLLATE "C" NOT NULL,
        PRIMARY KEY (catalog_id, item_id))""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "audiences, member hashes, run history", _SQLITE_V1, _POSTGRESQL_V1),
    Migration(2, "run heartbeats and owners", _SQLITE_V2, _POSTGRESQL_V2),
    Migration(3, "events and purchases sent (exactly once)", _SQLITE_V3, _POSTGRESQL_V3),
    Migration(4, "recipients of API-triggered messages", _SQLITE_V4, _POSTGRESQL_V4),
    Migration(5, "catalog items sent from this hub", _SQLITE_V5, _POSTGRESQL_V5),
    Migration(6, "audience membership history", _SQLITE_V6, _POSTGRESQL_V6),
)

CREATE_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version integer PRIMARY KEY, description text NOT NULL, applied_at text NOT NULL)"
)


def pending(applied: Collection[int], dialect: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """The migrations not in ``applied``, in order: (version, description, statements). Not
    only those after the newest: numbers were reserved for work that lands later (3-5, issue
    11, after 6), and a store that already has 6 must still get them."""
    return [
        (step.version, step.description, getattr(step, dialect))
        for step in MIGRATIONS
        if step.version not in applied
    ]


def latest_version() -> int:
    return MIGRATIONS[-1].version


def apply(conn, dialect: str, mark: str, now: str) -> int:
    """Bring the schema up to date on ``conn``, inside the caller's transaction (which holds the
    migration lock); ``mark`` is the driver's placeholder. Returns the version reached."""
    from looker_braze.errors import ConfigError

    conn.execute(CREATE_VERSION_TABLE)
    applied = {version for (version,) in conn.execute("SELECT version FROM schema_version")}
    current = max(applied, default=0)
    if current > latest_version():
        raise ConfigError(
            [
                f"the state store's schema is version {current}, newer than this looker-braze "
                f"knows ({latest_version()}): upgrade looker-braze, or point "
                "LOOKER_BRAZE_STATE_URL at another database"
            ]
        )
    insert = f"INSERT INTO schema_version VALUES ({mark}, {mark}, {mark})"
    for version, description, statements in pending(applied, dialect):
        for statement in statements:
            conn.execute(statement)
        conn.execute(insert, (version, description, now))
    return max(current, latest_version())
