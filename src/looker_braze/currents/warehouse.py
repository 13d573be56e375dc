"""One small interface over the warehouses Currents analytics run on: DuckDB (embedded, default)
and PostgreSQL. Loader, models and report talk to a Warehouse and never to a driver directly.

URLs: a file path, ``duckdb:///path/to/file.duckdb`` or ``duckdb:///:memory:`` for DuckDB;
``postgresql://user@host:port/db`` for PostgreSQL, with an optional ``?schema=name`` (ours, not
libpq's) that sets the search path, so several data sets can share one database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass
class Warehouse:
    dialect: str  # "duckdb" or "postgres"
    connection: Any
    schema: str | None = None
    _closed: bool = field(default=False, repr=False)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
        finally:
            cursor.close()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run a query; return (column names, rows)."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            columns = [d[0] for d in cursor.description] if cursor.description else []
            return columns, [tuple(row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def tables(self) -> set[str]:
        """Names of the tables in the working schema."""
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in self.query(sql)[1]}

    def commit(self) -> None:
        if self.dialect == "postgres":
            self.connection.commit()

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
        return _connect_postgres(text)
    return _connect_duckdb(text.removeprefix("duckdb:///").removeprefix("duckdb://"), read_only)


def _connect_duckdb(path: str, read_only: bool) -> Warehouse:
    import duckdb

    if path not in ("", ":memory:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(path or ":memory:", read_only=read_only)
    # Currents TIME is UTC epoch seconds; DuckDB's to_timestamp is zone-aware, so pin UTC.
    connection.execute("SET TimeZone = 'UTC'")
    return Warehouse("duckdb", connection)


def _connect_postgres(url: str) -> Warehouse:
    import psycopg

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    schema = query.pop("schema", None)
    clean = urlunsplit(parts._replace(query=urlencode(query)))
    connection = psycopg.connect(clean)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        if schema:
            cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cursor.execute(f'SET search_path TO "{schema}"')
    connection.commit()
    return Warehouse("postgres", connection, schema)
