"""The macros of the model SQL: plain function calls in the DuckDB source, expanded into each
engine's form before transpiling (see compiler.py for the list)."""

from __future__ import annotations

from collections.abc import Callable

import sqlglot
from sqlglot import exp

SOURCE_DIALECT = "duckdb"


def _template(sql: str) -> Callable[..., exp.Expression]:
    """A macro body written as DuckDB SQL with arguments ``__a0__``, ``__a1__`` ...; parsed once
    so sqlglot knows the types (a DATE - DATE difference transpiles to each engine's form)."""
    tree = sqlglot.parse_one(sql, read=SOURCE_DIALECT)

    def expand(*args: exp.Expression) -> exp.Expression:
        def put(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column) and node.name.startswith("__a"):
                return args[int(node.name[3:-2])].copy()
            return node

        return tree.copy().transform(put)

    return expand


_MACROS: dict[str, Callable[..., exp.Expression]] = {
    "local_ts": _template("to_timestamp(__a0__) AT TIME ZONE :timezone"),
    "local_date": _template("CAST(to_timestamp(__a0__) AT TIME ZONE :timezone AS DATE)"),
    # 1900-01-01 was a Monday, so `local_day // 7` numbers Monday weeks on every engine.
    # The message an event belongs to: the canvas step for canvases, the message variation for
    # campaigns (Braze's samples fill both on every event, so a unique count keys on one).
    # Arguments: CANVAS_ID, CANVAS_STEP_ID, MESSAGE_VARIATION_ID.
    "message_key": _template(
        "CASE WHEN __a0__ IS NOT NULL THEN COALESCE(__a1__, __a2__) "
        "ELSE COALESCE(__a2__, __a1__) END"
    ),
    # Braze's dashboards leave these out of engagement. A machine open: `machine_open` holds any
    # value but false or empty ("true" today, perhaps the process's name later, per Braze's
    # Currents glossary). A suspected bot click: `is_suspected_bot_click` is true. NULL (a table
    # of an older schema version) is neither. Arguments: the column.
    "is_machine_open": _template(
        "COALESCE(LOWER(CAST(__a0__ AS VARCHAR)) NOT IN ('false', ''), FALSE)"
    ),
    "is_bot_click": _template("COALESCE(LOWER(CAST(__a0__ AS VARCHAR)) = 'true', FALSE)"),
    "local_day": _template(
        "DATE_DIFF('day', CAST('1900-01-01' AS DATE), "
        "CAST(to_timestamp(__a0__) AT TIME ZONE :timezone AS DATE))"
    ),
}


def expand_macros(tree: exp.Expression) -> exp.Expression:
    def expand(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in _MACROS:
            return _MACROS[node.name.lower()](*(expand_macros(a) for a in node.expressions))
        return node

    return tree.transform(expand)
