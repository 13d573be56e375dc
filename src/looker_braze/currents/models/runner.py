"""Runs models on a warehouse and returns plain Python rows.

Values are normalised so DuckDB and PostgreSQL give equal results: PostgreSQL returns SUM and
AVG of integers as Decimal, DuckDB as int/float; both become int (when whole) or float here.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from looker_braze.currents.models import params as params_module
from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.catalog import MODELS, Query
from looker_braze.currents.models.compiler import compile_sql, placeholders
from looker_braze.currents.tables import RAW_TABLES
from looker_braze.currents.warehouse import Warehouse
from looker_braze.errors import FailRun

# Placeholders the compiler derives from user-facing parameters rather than taking directly.
_DERIVED = {
    "start_time": ("timezone", "start", "end"),
    "end_time": ("timezone", "start", "end"),
}


@dataclass(frozen=True)
class ModelResult:
    model: str
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def model(name: str) -> Query:
    try:
        return MODELS[name]
    except KeyError:
        raise FailRun(
            f"no model named {name!r}; `looker-braze currents run --list` names them"
        ) from None


def accepted_params(name: str) -> tuple[str, ...]:
    """User-facing parameters model ``name`` takes, in the order PARAMS declares them."""
    fixed = model(name).fixed
    used = set()
    for placeholder in placeholders(name):
        used.update(_DERIVED.get(placeholder, (placeholder,)))
    used -= set(fixed)
    return tuple(p for p in params_module.PARAMS if p in used)


def bound_values(name: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return params_module.resolve(accepted_params(name), dict(given or {}), model(name).fixed)


def render(
    name: str,
    dialect: str,
    given: Mapping[str, Any] | None = None,
    tables: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
) -> str:
    """The SQL model ``name`` runs for ``dialect`` with parameters ``given``."""
    return compile_sql(name, dialect, ValueBinder(bound_values(name, given)), tables)


def run(warehouse: Warehouse, name: str, given: Mapping[str, Any] | None = None) -> ModelResult:
    """Run model ``name`` on ``warehouse``; Currents tables it lacks read as empty."""
    values = bound_values(name, given)
    sql = compile_sql(
        name,
        warehouse.dialect,
        ValueBinder(values),
        table_columns(warehouse),
        unique_ids=loaded_by_us(warehouse),
    )
    return execute(warehouse, name, sql)


def table_columns(warehouse: Warehouse) -> dict[str, frozenset[str]]:
    """The Currents tables of the working schema, each with its columns: the compiler stands in
    for the tables and columns that are missing."""
    _, rows = warehouse.query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    )
    warehouse.commit()  # end the read transaction (PostgreSQL)
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        if table in RAW_TABLES:
            columns.setdefault(table, set()).add(column)
    return {table: frozenset(names) for table, names in columns.items()}


def loaded_by_us(warehouse: Warehouse) -> bool:
    """Our loader (whose manifest table is there) keeps one row per event id in every table."""
    from looker_braze.currents.load.sink import MANIFEST  # here: the loader imports pyarrow

    return MANIFEST in warehouse.tables()


def execute(warehouse: Warehouse, name: str, sql: str) -> ModelResult:
    if warehouse.dialect == "duckdb":
        warehouse.execute("SET enable_progress_bar = false")  # it would write to our stdout
    else:
        analyze_if_never_analyzed(warehouse)
    try:
        columns, rows = warehouse.query(sql)
        warehouse.commit()  # end the read transaction: an idle one would block others' DDL
    except Exception as exc:  # the driver's own error types differ per engine
        if warehouse.dialect == "postgres":
            warehouse.connection.rollback()
        raise FailRun(f"model {name} failed on {warehouse.dialect}: {_first_line(exc)}") from exc
    return ModelResult(name, list(columns), [tuple(_plain(v) for v in row) for row in rows])


_ANALYZED: weakref.WeakSet = weakref.WeakSet()  # connections already checked


def analyze_if_never_analyzed(warehouse: Warehouse) -> None:
    """PostgreSQL plans joins from table statistics; Currents tables that were just loaded have
    none, and the planner then picks nested loops that take seconds instead of milliseconds.
    Analyze the Currents tables nobody has analyzed yet (once per connection; cheap: ANALYZE
    samples)."""
    if warehouse.connection in _ANALYZED:
        return
    _, rows = warehouse.query(
        "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
        "AND last_analyze IS NULL AND last_autoanalyze IS NULL"
    )
    for (table,) in rows:
        if table in RAW_TABLES:
            warehouse.execute(f'ANALYZE "{table}"')
    warehouse.commit()
    _ANALYZED.add(warehouse.connection)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
