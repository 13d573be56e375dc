"""Runs many models on one warehouse, computing each shared fragment once.

A dashboard set runs ~35 models over the same few fragments (attributed deliveries, cadence,
per-message measures, retention activity). A Session is told the plan up front; every
fragment (with its parameter values) that two or more planned runs read is computed once into a
temporary table the first time it is needed, and later runs read that table. Temporary tables
live with the connection, so nothing is written to the warehouse itself (a read-only DuckDB
file works too).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.catalog import FRAGMENTS, STAGING
from looker_braze.currents.models.compiler import compile_sql, fragments_of, placeholders
from looker_braze.currents.models.runner import (
    ModelResult,
    bound_values,
    execute,
    loaded_by_us,
    table_columns,
)
from looker_braze.currents.warehouse import Warehouse

Plan = Iterable[tuple[str, Mapping[str, Any]]]


class Session:
    def __init__(self, warehouse: Warehouse, plan: Plan) -> None:
        self.warehouse = warehouse
        self.tables = table_columns(warehouse)
        self.unique_ids = loaded_by_us(warehouse)
        uses: Counter = Counter()
        for name, given in plan:
            values = bound_values(name, given)
            # staging is a thin view over raw tables: copying it would cost, not save
            uses.update(_key(f, values) for f in fragments_of(name) if not _staging(f))
        self.shared = {key for key, count in uses.items() if count > 1}
        self.made: dict[tuple, str] = {}
        if warehouse.dialect == "duckdb":  # row order of the temporary tables does not matter
            warehouse.execute("SET preserve_insertion_order = false")

    def run(self, name: str, given: Mapping[str, Any] | None = None) -> ModelResult:
        values = bound_values(name, given)
        ready = {
            f: self._table(f, values) for f in fragments_of(name) if _key(f, values) in self.shared
        }
        sql = compile_sql(
            name,
            self.warehouse.dialect,
            ValueBinder(values),
            self.tables,
            materialized=ready,
            unique_ids=self.unique_ids,
        )
        return execute(self.warehouse, name, sql)

    def _table(self, fragment: str, values: Mapping[str, Any]) -> str:
        key = _key(fragment, values)
        if key not in self.made:
            inner = {
                f: self._table(f, values)
                for f in fragments_of(fragment)
                if _key(f, values) in self.shared
            }
            sql = compile_sql(
                fragment,
                self.warehouse.dialect,
                ValueBinder(dict(values)),
                self.tables,
                pretty=False,
                ordered=False,
                materialized=inner,
                unique_ids=self.unique_ids,
            )
            name = f"lb_{fragment}_{hashlib.sha1(repr(key).encode()).hexdigest()[:8]}"
            self.warehouse.execute(f'CREATE TEMPORARY TABLE "{name}" AS {sql}')
            if self.warehouse.dialect == "postgres":
                self.warehouse.execute(f'ANALYZE "{name}"')  # no statistics, bad join plans
            self.made[key] = name
        return self.made[key]

    def close(self) -> None:
        for name in self.made.values():
            self.warehouse.drop_temporary(name)
        self.warehouse.commit()
        self.made.clear()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _key(fragment: str, values: Mapping[str, Any]) -> tuple:
    return (fragment, tuple(sorted((p, str(values.get(p))) for p in placeholders(fragment))))


def _staging(fragment: str) -> bool:
    return FRAGMENTS[fragment].layer == STAGING
