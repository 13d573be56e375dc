"""Runs many models on one warehouse, computing each shared fragment once.

A dashboard set runs ~80 models over the same few fragments (attributed deliveries, cadence,
per-message measures, retention activity). A Session is told the plan up front; every
fragment (with its parameter values) that two or more planned runs or tables read directly is
computed once into a temporary table the first time it is needed, and later runs read that
table. A fragment only one of them reads stays inlined there (a copy would cost, not save), and
a table is dropped once the last planned reader has run (memory). Temporary tables live with the
connection, so nothing is written to the warehouse itself (a read-only DuckDB file works too).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.catalog import FRAGMENTS, STAGING
from looker_braze.currents.models.compiler import compile_sql, fragments_of, placeholders, reads
from looker_braze.currents.models.runner import (
    ModelResult,
    bound_values,
    execute,
    loaded_by_us,
    table_columns,
)
from looker_braze.currents.warehouse import Warehouse

Plan = Iterable[tuple[str, Mapping[str, Any]]]
Key = tuple  # (fragment, its parameter values): one temporary table


class Session:
    def __init__(self, warehouse: Warehouse, plan: Plan) -> None:
        self.warehouse = warehouse
        self.tables = table_columns(warehouse)
        self.unique_ids = loaded_by_us(warehouse)
        runs = [(name, bound_values(name, given)) for name, given in plan]
        self.shared, self._values = _shared(runs)
        # Planned direct reads of each shared table still to come: at 0 it is dropped.
        self.pending: Counter = Counter()
        for name, values in (*runs, *((key[0], self._values[key]) for key in self.shared)):
            self.pending.update(_key(f, values) for f in self._reads(name, values))
        self.made: dict[Key, str] = {}
        self.computed: list[str] = []  # every table made, dropped or not
        if warehouse.dialect == "duckdb":  # row order of the temporary tables does not matter
            warehouse.execute("SET preserve_insertion_order = false")

    def run(self, name: str, given: Mapping[str, Any] | None = None) -> ModelResult:
        values = bound_values(name, given)
        ready = {f: self._table(f, values) for f in self._reads(name, values)}
        sql = compile_sql(
            name,
            self.warehouse.dialect,
            ValueBinder(values),
            self.tables,
            pretty=False,  # only the engine reads it
            materialized=ready,
            unique_ids=self.unique_ids,
        )
        result = execute(self.warehouse, name, sql)
        self._done_reading(ready, values)
        return result

    def _reads(self, name: str, values: Mapping[str, Any]) -> frozenset[str]:
        """The shared fragments ``name`` reads directly (not only through another of them)."""
        return reads(name, {f for f in fragments_of(name) if _key(f, values) in self.shared})

    def _done_reading(self, fragments: Iterable[str], values: Mapping[str, Any]) -> None:
        for key in (_key(f, values) for f in fragments):
            self.pending[key] -= 1
            if self.pending[key] <= 0 and key in self.made:  # an unplanned run makes it again
                self.warehouse.drop_temporary(self.made.pop(key))

    def _table(self, fragment: str, values: Mapping[str, Any]) -> str:
        key = _key(fragment, values)
        if key not in self.made:
            inner = {f: self._table(f, values) for f in self._reads(fragment, values)}
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
            self.computed.append(name)
            self._done_reading(inner, values)
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


def _shared(runs: list[tuple[str, dict]]) -> tuple[set[Key], dict[Key, dict]]:
    """The fragments (with their values) worth a temporary table, and the values each is
    computed with: first those two or more runs read, directly or not; then, until none is
    left, those only one run or other shared table would read directly are inlined again (the
    campaign audience only the lift counts read: a copy of it would be written and read once)."""
    uses: Counter = Counter()
    values_of: dict[Key, dict] = {}
    for name, values in runs:
        for fragment in fragments_of(name):
            if not _staging(fragment):  # a thin view over raw tables: a copy would cost
                key = _key(fragment, values)
                uses[key] += 1
                values_of.setdefault(key, values)
    shared = {key for key, count in uses.items() if count > 1}
    while True:
        readers: Counter = Counter()
        for name, values in (*runs, *((key[0], values_of[key]) for key in shared)):
            inner = {f for f in fragments_of(name) if _key(f, values) in shared}
            readers.update(_key(f, values) for f in reads(name, inner))
        once = {key for key in shared if readers[key] < 2}
        if not once:
            return shared, {key: values_of[key] for key in shared}
        shared -= once


def _key(fragment: str, values: Mapping[str, Any]) -> tuple:
    return (fragment, tuple(sorted((p, str(values.get(p))) for p in placeholders(fragment))))


def _staging(fragment: str) -> bool:
    return FRAGMENTS[fragment].layer == STAGING
