"""The warehouse side of loading: event tables (created and widened as schemas evolve), inserts
that skip ids already present, and the manifest of loaded files, all in one transaction per
batch so that a failure leaves neither rows nor manifest entries behind.

Dedupe: the batch is reduced to one row per id (the first file's copy wins) before it is staged,
and only ids the table does not hold yet are inserted (one probe of the table counts the ids
already there per file; the insert probes again only when there were some). PostgreSQL tables
get a primary key on ID (an index lookup per row); DuckDB's anti-join scans the ID column instead,
because an ART index would keep every id in memory and memory must not grow with the data set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pyarrow as pa

from looker_braze.currents.load.read import FILE_INDEX, Combined, FileData, arrow_type, combine
from looker_braze.currents.load.sources import SourceFile
from looker_braze.currents.schemas import sql_type
from looker_braze.currents.warehouse import Warehouse, q

MANIFEST = "LOOKER_BRAZE_LOADED_FILES"
STAGING = "LOOKER_BRAZE_STAGING"
MANIFEST_STAGING = "LOOKER_BRAZE_MANIFEST_STAGING"
# DuckDB's share of the loader's memory (under 1 GB in all, issue 10 §5). 128 MB rather than 256:
# 878 MB peak instead of about 1,000 on the 10M-event bench, at the same batch bounds.
DUCKDB_MEMORY_LIMIT = "128MB"
_MANIFEST_COLUMNS = {
    "KEY": "string",
    "SOURCE": "string",
    "SIZE": "long",
    "VERSION": "string",
    "EVENT_TYPE": "string",
    "TABLE_NAME": "string",
    "EVENTS_READ": "long",
    "EVENTS_INSERTED": "long",
    "DUPLICATES_SKIPPED": "long",
}


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (Linux)
    except AttributeError:
        return os.cpu_count() or 1


@dataclass(frozen=True)
class Loaded:
    file: SourceFile
    data: FileData
    inserted: int


class Sink:
    def __init__(self, warehouse: Warehouse, source: str) -> None:
        self.warehouse = warehouse
        self.source = source
        self._columns: dict[str, dict[str, str]] = {}  # table -> column -> SQL type, as created
        if warehouse.dialect == "duckdb":
            # DuckDB caches the blocks it writes up to 80% of RAM by default; a cap keeps the
            # loader's memory independent of the data set's size (evicted blocks are on disk).
            warehouse.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
            warehouse.execute("SET enable_progress_bar = false")  # ours is rich's, on demand
            # Rows need no order (tables are sets of events; dedupe is done before the insert),
            # and without it DuckDB inserts an Arrow batch on all its threads.
            warehouse.execute("SET preserve_insertion_order = false")
            # One core decodes the next batch while DuckDB inserts this one: DuckDB gets the
            # others. On two cores that is one thread, which costs ~8% less CPU than two
            # threads competing with the decoder (measured on 4.5M events of the bench).
            warehouse.execute(f"SET threads = {max(1, _cores() - 1)}")
        self._create_manifest()

    def loaded_sizes(self) -> dict[str, int]:
        """Manifest: key -> size of every file loaded before."""
        _, rows = self.warehouse.query(f"SELECT {q('KEY')}, {q('SIZE')} FROM {q(MANIFEST)}")
        return dict(rows)

    def write(
        self,
        table: str,
        batch: list[tuple[SourceFile, FileData]],
        combined: Combined | None = None,
    ) -> list[Loaded]:
        """Insert the new events of ``batch`` (files of one table) and record the files.
        ``combined``: the batch already combined (``read.combine``), else it is done here."""
        combined = combined or combine([data for _, data in batch])
        with self.warehouse.transaction():
            fresh = self._ensure_table(table, combined.types)
            self.warehouse.stage_arrow(STAGING, combined.table, self._staging_types(combined))
            present = self._insert_new(table, combined.types, fresh)
            self.warehouse.unstage(STAGING)
            loaded = [
                Loaded(file, data, combined.kept[i] - present.get(i, 0))
                for i, (file, data) in enumerate(batch)
            ]
            self._record(loaded)
        return loaded

    def _staging_types(self, combined: Combined) -> dict[str, str]:
        dialect = self.warehouse.dialect
        types = {c: sql_type(t, dialect) for c, t in combined.types.items()}
        return {c: types.get(c, sql_type("long", dialect)) for c in combined.table.column_names}

    def _insert_new(self, table: str, types: dict[str, str], fresh: bool) -> dict[int, int]:
        """Insert staged rows whose id the table lacks; return {file index: ids already there}.
        ``fresh``: the table was made by this batch, so no id can be there yet."""
        wh, target, key = self.warehouse, q(table), q("ID")
        present = f"SELECT 1 FROM {target} AS t WHERE t.{key} = s.{key}"
        counts = []
        if not fresh:
            _, counts = wh.query(
                f"SELECT {q(FILE_INDEX)}, COUNT(*) FROM {q(STAGING)} AS s WHERE EXISTS ({present}) "
                "GROUP BY 1"
            )
        names = ", ".join(q(c) for c in types)
        values = ", ".join(self._as_column_type(table, c, t) for c, t in types.items())
        # Most batches hold no id seen before: then the insert needs no second probe of the table.
        only_new = f" WHERE NOT EXISTS ({present})" if counts else ""
        wh.execute(
            f"INSERT INTO {target} ({names}) SELECT {values} FROM {q(STAGING)} AS s{only_new}"
        )
        return {int(index): int(count) for index, count in counts}

    def _as_column_type(self, table: str, column: str, avro_type: str) -> str:
        """The staged column, cast when an earlier file gave the table column another type."""
        existing = self._columns[table][column]
        if existing == sql_type(avro_type, self.warehouse.dialect):
            return f"s.{q(column)}"
        return f"CAST(s.{q(column)} AS {existing})"

    def _ensure_table(self, table: str, types: dict[str, str]) -> bool:
        """Create the table (then True), or add the columns this batch has and the table lacks
        (nullable)."""
        existing = self._existing_columns(table)
        if not existing:
            self._create_table(table, types)
            return True
        for column, avro_type in types.items():
            if column not in existing:
                kind = sql_type(avro_type, self.warehouse.dialect)
                self.warehouse.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(column)} {kind}")
                existing[column] = kind
        return False

    def _create_table(self, table: str, types: dict[str, str]) -> None:
        dialect = self.warehouse.dialect
        columns = {c: sql_type(t, dialect) for c, t in types.items()}
        key = "NOT NULL PRIMARY KEY" if dialect == "postgres" else "NOT NULL"
        spec = ", ".join(f"{q(c)} {t}{' ' + key if c == 'ID' else ''}" for c, t in columns.items())
        self.warehouse.execute(f"CREATE TABLE {q(table)} ({spec})")
        self._columns[table] = columns

    def _existing_columns(self, table: str) -> dict[str, str]:
        if table not in self._columns:
            mark = "?" if self.warehouse.dialect == "duckdb" else "%s"
            _, rows = self.warehouse.query(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema"
                f" = current_schema() AND table_name = {mark} ORDER BY ordinal_position",
                [table],
            )
            if not rows:
                return {}
            self._columns[table] = {name: kind.upper() for name, kind in rows}
        return self._columns[table]

    def update_statistics(self, tables: list[str]) -> list[str]:
        """PostgreSQL: ANALYZE ``tables`` (those the load inserted rows into). A table loaded
        without statistics gets planned as if nearly empty (nested loops 25x slower for the
        models). Returns a message per table that could not be analyzed: the rows are loaded
        either way, so that is a warning, not a failed load. DuckDB keeps statistics itself."""
        if self.warehouse.dialect != "postgres":
            return []
        problems = []
        for table in tables:
            try:
                self.warehouse.execute(f"ANALYZE {q(table)}")
                self.warehouse.commit()
            except Exception as exc:  # the driver's own error types
                self.warehouse.rollback()
                problems.append(f"could not update the statistics of {table}: {exc}")
        return problems

    def forget_schema_cache(self) -> None:
        """After a rolled-back batch the cached columns may name columns that were never made."""
        self._columns.clear()

    def _create_manifest(self) -> None:
        dialect = self.warehouse.dialect
        columns = ", ".join(f"{q(c)} {sql_type(t, dialect)}" for c, t in _MANIFEST_COLUMNS.items())
        self.warehouse.execute(
            f"CREATE TABLE IF NOT EXISTS {q(MANIFEST)} ({columns}, {q('LOADED_AT')} TIMESTAMP)"
        )
        self.warehouse.commit()

    def _record(self, loaded: list[Loaded]) -> None:
        """Manifest rows for the batch's files (replacing rows of files that changed)."""
        rows = {
            "KEY": [i.file.key for i in loaded],
            "SOURCE": [self.source] * len(loaded),
            "SIZE": [i.file.size for i in loaded],
            "VERSION": [i.file.version for i in loaded],
            "EVENT_TYPE": [i.data.event_type for i in loaded],
            "TABLE_NAME": [i.data.table_name for i in loaded],
            "EVENTS_READ": [i.data.rows for i in loaded],
            "EVENTS_INSERTED": [i.inserted for i in loaded],
            "DUPLICATES_SKIPPED": [i.data.rows - i.inserted for i in loaded],
        }
        types = _MANIFEST_COLUMNS
        arrow = pa.table({c: pa.array(v, arrow_type(types[c])) for c, v in rows.items()})
        dialect = self.warehouse.dialect
        self.warehouse.stage_arrow(
            MANIFEST_STAGING, arrow, {c: sql_type(t, dialect) for c, t in _MANIFEST_COLUMNS.items()}
        )
        key, names = q("KEY"), ", ".join(q(c) for c in _MANIFEST_COLUMNS)
        self.warehouse.execute(
            f"DELETE FROM {q(MANIFEST)} WHERE {key} IN (SELECT {key} FROM {q(MANIFEST_STAGING)})"
        )
        self.warehouse.execute(
            f"INSERT INTO {q(MANIFEST)} ({names}, {q('LOADED_AT')}) "
            f"SELECT {names}, CURRENT_TIMESTAMP FROM {q(MANIFEST_STAGING)}"
        )
        self.warehouse.unstage(MANIFEST_STAGING)
