"""The SQL of one dbt model: the catalogue query compiled for the target dialect by the models'
own compiler, with dbt's pieces in place of what a run binds.

- A fragment the query reads becomes ``{{ ref('<its dbt model>') }}``: the compiler is told the
  fragment is "materialized" under a sentinel table name, which is swapped for the ref after
  generation. A fragment that uses a parameter the query pins (``fixed``: the weekly dashboard is
  weekly) stays inlined as a CTE, since its dbt model follows the project-wide var instead.
- A raw Currents table becomes ``{{ braze_currents_table(source('braze_currents', 'NAME')) }}``
  (the macro reads an empty table of the right columns when the warehouse has none of that type,
  as a run does).
- Parameters become dbt vars through the package's macros (validated there, quoted for the
  dialect): strings are bound as a sentinel literal so sqlglot types them as text exactly as a
  run's literal, then swapped; numbers are bound as raw Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from looker_braze.currents.dbt.layers import PACKAGE, Node
from looker_braze.currents.models.binding import Binder, literal
from looker_braze.currents.models.compiler import compile_sql, fragments_of, placeholders
from looker_braze.currents.models.params import PARAMS

# Placeholders bound as booleans and as numbers; every other one is text.
BOOLEANS = frozenset(name for name, p in PARAMS.items() if isinstance(p.default, bool))
NUMBERS = frozenset(
    {"start_time", "end_time"}
    | {name for name, p in PARAMS.items() if isinstance(p.default, int)} - BOOLEANS
)
_REF = "__braze_currents_ref__"
_VAR = "__braze_currents_var__"
_REF_TEXT = re.compile(rf'[`"]?{_REF}(\w+)__[`"]?')  # greedy: a name may hold __
_VAR_TEXT = re.compile(rf"'{_VAR}(\w+?)__'")
# A comment of the catalogue SQL is carried into the model, where dbt would read `{{`, `{%` or
# `{#` in it as Jinja: they are spaced apart there (our own Jinja is never inside a comment).
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_JINJA_OPEN = re.compile(r"(\{)([{%#])")


class DbtBinder(Binder):
    """Binds placeholders to the package's var macros (see macros.py); a parameter the query
    pins is bound to its value, as a run binds it."""

    def __init__(self, fixed: Mapping[str, Any]) -> None:
        self.fixed = fixed

    def value(self, name: str) -> exp.Expression:
        if name in self.fixed:
            return literal(self.fixed[name])
        if name in BOOLEANS:
            return exp.var(f'{{{{ {PACKAGE}_boolean("{name}") }}}}')
        if name in NUMBERS:
            return exp.var(f'{{{{ {PACKAGE}_number("{name}") }}}}')
        return exp.Literal.string(f"{_VAR}{name}__")

    def match(self, column: exp.Expression, name: str, dialect: str) -> exp.Expression:
        if name in self.fixed:
            return exp.EQ(this=column, expression=literal(self.fixed[name]))
        sql = column.sql(dialect=dialect, identify=True)
        return exp.var(
            f'{{% if {PACKAGE}_is_set("{name}") %}}{sql} = {{{{ {PACKAGE}_string("{name}") }}}}'
            "{% else %}TRUE{% endif %}"
        )


def model_sql(node: Node, dialect: str, models: dict[str, str]) -> str:
    """SQL text of ``node``'s dbt model for ``dialect``; ``models``: catalogue name -> dbt name."""
    pinned = set(node.query.fixed)
    referenced = {
        f: f"{_REF}{f}__" for f in fragments_of(node.name) if not (pinned & placeholders(f))
    }
    sql = compile_sql(
        node.name,
        dialect,
        DbtBinder(node.query.fixed),
        tables=None,
        pretty=True,
        ordered=False,  # a table has no order; a LIMIT keeps its ORDER BY
        table_sql=lambda table: f"{{{{ {PACKAGE}_table(source('{PACKAGE}', '{table}')) }}}}",
        materialized=referenced,
    )
    sql = _COMMENT.sub(lambda m: _JINJA_OPEN.sub(r"\1 \2", m.group(0)), sql)
    sql = _REF_TEXT.sub(lambda m: f"{{{{ ref('{models[m.group(1)]}') }}}}", sql)
    return _VAR_TEXT.sub(lambda m: f'{{{{ {PACKAGE}_string("{m.group(1)}") }}}}', sql)
