"""SQL text inside LookML: the models' SQL and small expressions, transpiled per dialect with
Looker's own pieces (`${view.field}`, `${TABLE}`, Liquid) carried through untouched.

sqlglot cannot parse `${...}`, so each reference is swapped for a placeholder identifier before
parsing and swapped back after generation. Parameters become Liquid: the query's time zone,
`{% parameter %}` values and `{% condition %}` templated filters.
"""

from __future__ import annotations

import re

from sqlglot import exp

from looker_braze.currents.models.binding import Binder
from looker_braze.currents.models.compiler import compile_expression, compile_sql

DIALECTS = ("snowflake", "bigquery", "postgres", "redshift")
QUERY_TIMEZONE = "{{ _query._query_timezone }}"
_REF = re.compile(r"\$\{[^}]+\}")
_SENTINEL = re.compile(r'[`"]?(__ref_(\d+)__)[`"]?')
# Without a filter in the derived table the time bounds are open (Looker filters outside).
_OPEN_BOUNDS = {"start_time": -(2**40), "end_time": 2**40}


class LiquidBinder(Binder):
    """Binds model parameters to what Looker fills in at query time."""

    def __init__(self, parameters: dict[str, str] | None = None, constants: dict | None = None):
        self.parameters = parameters or {}  # placeholder -> LookML parameter name
        self.constants = {**_OPEN_BOUNDS, **(constants or {})}

    def value(self, name: str) -> exp.Expression:
        if name == "timezone":
            return exp.Literal.string(QUERY_TIMEZONE)
        if name in self.parameters:
            return exp.var(f"{{% parameter {self.parameters[name]} %}}")
        if name in self.constants:
            return exp.Literal.number(self.constants[name])
        raise KeyError(f"no LookML binding for parameter {name!r}")

    def match(self, column: exp.Expression, name: str, dialect: str) -> exp.Expression:
        sql = column.sql(dialect=dialect, identify=True)
        return exp.var(f"{{% condition {name} %}} {sql} {{% endcondition %}}")


class OuterFilters(LiquidBinder):
    """The models' filters become TRUE: Looker filters the view's dimensions instead (or, for a
    view that has no such dimension, the view is not filtered that way)."""

    def match(self, column: exp.Expression, name: str, dialect: str) -> exp.Expression:
        return exp.true()


def derived_sql(fragment: str, dialect: str, binder: LiquidBinder) -> str:
    """A models fragment as derived-table SQL: Currents tables read through their views'
    `${view.SQL_TABLE_NAME}`, so the schema and table names live in one place."""
    return compile_sql(
        fragment,
        dialect,
        binder,
        tables=None,
        pretty=True,
        ordered=False,
        table_sql=lambda table: f"${{{table.lower()}.SQL_TABLE_NAME}}",
    )


def expression(sql: str, dialect: str, binder: Binder | None = None) -> str:
    """``sql`` (DuckDB dialect, may hold `${...}` and the models' macros) for ``dialect``."""
    refs: list[str] = []

    def protect(match: re.Match) -> str:
        refs.append(match.group(0))
        return f"__ref_{len(refs) - 1}__"

    text = compile_expression(_REF.sub(protect, sql), dialect, binder or LiquidBinder())
    return _SENTINEL.sub(lambda m: refs[int(m.group(2))], text)


def column(name: str, dialect: str) -> str:
    """`${TABLE}."NAME"` in the quoting of ``dialect``."""
    return "${TABLE}." + exp.to_identifier(name, quoted=True).sql(dialect=dialect)


def table(name: str, schema: str | None, dialect: str) -> str:
    parts = [schema, name] if schema else [name]
    return ".".join(exp.to_identifier(p, quoted=True).sql(dialect=dialect) for p in parts)
