"""One small interface over the warehouses Currents analytics run on: DuckDB (embedded, default)
and PostgreSQL. Loader, models and report talk to a Warehouse and never to a driver directly.

URLs: a file path, ``duckdb:///path/to/file.duckdb`` or ``duckdb:///:memory:`` for DuckDB;
``postgresql://user@host:port/db`` for PostgreSQL, with an optional ``?schema=name`` (ours, not
libpq's) that sets the search path, so several data sets can share one database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from looker_braze.errors import FailRun


def q(name: str) -> str:
    """A quoted identifier: tables and columns are upper case on both engines."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Warehouse:
    dialect: str  # "duckdb" or "postgres"
    connection: Any
    schema: str | None = None
    _closed: bool = field(default=False, repr=False)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self._cursor() as cursor:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run a query; return (column names, rows)."""
        with self._cursor() as cursor:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            return columns, [tuple(row) for row in cursor.fetchall()]

    def _cursor(self) -> AbstractContextManager[Any]:
        # DuckDB's cursor() is a duplicate connection: its open transaction, temporary tables and
        # registered Arrow tables would be invisible to the next statement. Use the connection.
        if self.dialect == "duckdb":
            return nullcontext(self.connection)
        return closing(self.connection.cursor())

    def tables(self) -> set[str]:
        """Names of the tables in the working schema."""
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in self.query(sql)[1]}

    def commit(self) -> None:
        if self.dialect == "postgres":
            self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all (DDL included, on both engines)."""
        if self.dialect == "duckdb":
            self.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            with suppress(Exception):  # a failed rollback must not hide why we rolled back
                self.rollback()
            raise
        self.connection.commit()

    def drop_temporary(self, name: str) -> None:
        # Qualified so that a permanent table of the same name is never touched.
        temp = "temp" if self.dialect == "duckdb" else "pg_temp"
        self.execute(f'DROP TABLE IF EXISTS {temp}."{name}"')

    def stage_arrow(self, name: str, table: Any, column_types: dict[str, str]) -> None:
        """Make the rows of the Arrow ``table`` queryable as temporary table ``name`` (with the
        SQL types of ``column_types`` on PostgreSQL): the bulk path into SQL. Undo with unstage.
        DuckDB reads the Arrow memory in place; PostgreSQL gets a COPY into a temporary table."""
        if self.dialect == "duckdb":
            self.connection.register(name, table)
            return
        columns = ", ".join(f'"{column}" {column_types[column]}' for column in table.column_names)
        self.drop_temporary(name)
        self.execute(f'CREATE TEMPORARY TABLE "{name}" ({columns})')
        quoted = ", ".join(f'"{column}"' for column in table.column_names)
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy,
        ):
            for batch in table.to_batches(max_chunksize=10_000):
                for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                    copy.write_row(row)

    def unstage(self, name: str) -> None:
        if self.dialect == "duckdb":
            self.connection.unregister(name)
        else:
            self.drop_temporary(name)

    def close(self) -> None:
        if not self._closed:
            self.connection.close()
            self._closed = True

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect(url: str | Path, *, read_only: bool = False) -> Warehouse:
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        return _connect_postgres(text, create_schema=not read_only)
    return _connect_duckdb(text.removeprefix("duckdb:///").removeprefix("duckdb://"), read_only)


# A reader's (report, models) DuckDB buffer cap. By default DuckDB keeps up to 80% of RAM: the
# 79 dashboard queries on 10M events peaked at 1.3 GB RSS; with this cap 0.85 GB for ~7% more
# CPU (256 MB: 0.6 GB but +45%). Beyond it DuckDB spills to READER_SPILL, never beside the file.
READER_MEMORY_LIMIT = "512MB"


def _connect_duckdb(path: str, read_only: bool) -> Warehouse:
    import duckdb

    if path not in ("", ":memory:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(path or ":memory:", read_only=read_only)
    # Currents TIME is UTC epoch seconds; DuckDB's to_timestamp is zone-aware, so pin UTC.
    connection.execute("SET TimeZone = 'UTC'")
    if read_only:
        connection.execute(f"SET memory_limit = '{READER_MEMORY_LIMIT}'")
        spill = _reader_spill().replace("'", "''")
        connection.execute(f"SET temp_directory = '{spill}'")
    return Warehouse("duckdb", connection)


def _reader_spill() -> str:
    """Where a read-only DuckDB spills (its default is ``<file>.tmp`` beside the warehouse)."""
    import os
    import tempfile

    return str(Path(tempfile.gettempdir()) / f"looker-braze-duckdb-{os.getpid()}")


class MissingSchema(FailRun):
    """A reader (``read_only``) named a schema that does not exist: nothing was loaded there."""


def _connect_postgres(url: str, create_schema: bool = True) -> Warehouse:
    """``create_schema``: the loader makes its schema; readers (models, report) refuse a missing
    one rather than create it and report zeros."""
    import psycopg

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", None)
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    connection = psycopg.connect(clean)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        if schema and not create_schema and not _schema_exists(cursor, schema):
            connection.close()
            raise MissingSchema(
                f"the schema {schema!r} does not exist in that database: load Currents into it "
                "first with `looker-braze currents load <folder> --db <this URL>`"
            )
        if schema:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cursor.execute(f'SET search_path TO "{schema}"')
    connection.commit()
    return Warehouse("postgres", connection, schema)


def _schema_exists(cursor, schema: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
    return cursor.fetchone() is not None
