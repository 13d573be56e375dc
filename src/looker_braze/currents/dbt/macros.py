"""The package's Jinja macros, written for one dialect: the dbt side of what a run binds.

- ``braze_currents_table(relation)``: the raw table, or an empty one with the table's columns
  when the warehouse has none of that event type (a run reads missing types as empty too).
- ``braze_currents_value(name)``: a parameter's value from the dbt var of the same name,
  checked (zone, dates, whole numbers) so that bad input stops the run with a clear message;
  ``start_time``/``end_time`` are the epoch bounds of the local dates ``start``/``end``, as in
  models/params.py.
- ``braze_currents_string(name)``: that value as a string literal, escaped the way sqlglot
  escapes literals for this dialect (backslashes too where the dialect reads them as escapes).
- ``braze_currents_number(name)``, ``braze_currents_boolean(name)`` (TRUE or FALSE),
  ``braze_currents_is_set(name)``.
"""

from __future__ import annotations

from importlib import resources

import sqlglot
from sqlglot import exp

from looker_braze.currents.dbt.layers import PACKAGE
from looker_braze.currents.models.macros import SOURCE_DIALECT
from looker_braze.currents.models.params import _NO_END, _NO_START, DEFAULT_TIMEZONE, PARAMS
from looker_braze.currents.tables import RAW_TABLES, raw_fields
from looker_braze.errors import FailRun

# Avro primitive -> column type of an empty stand-in table (as the compiler's stand-ins).
_EMPTY_TYPES = {"int": "BIGINT", "long": "BIGINT", "float": "DOUBLE", "double": "DOUBLE"}
_EMPTY_TYPES["boolean"] = "BOOLEAN"

_TEMPLATE = "macros_template.sql"  # beside this file: Jinja, with PKG_ and WORDS to fill in


def macros_sql(dialect: str, numbers: frozenset[str], booleans: frozenset[str]) -> str:
    """The text of macros/braze_currents.sql for ``dialect``."""
    quote, backslash = _escapes(dialect)
    text = resources.files(__package__).joinpath(_TEMPLATE).read_text()
    text = text.split("-#}\n", 1)[1].replace("PKG_", f"{PACKAGE}_")
    # `is match_digits` is not Jinja: written here for readability, replaced by a regex test.
    text = text.replace(
        "not (value | string | trim) is match_digits",
        'not modules.re.match("^[0-9]+$", value | string | trim)',
    )
    for key, value in {
        "DEFAULT_ZONE": repr(DEFAULT_TIMEZONE),
        "NUMBERS": repr(tuple(sorted(numbers - {"start_time", "end_time"}))),
        "BOOLEANS": repr(tuple(sorted(booleans))),
        "MAXIMA": repr(_maxima(numbers)),
        "CHOICES": repr(_choices()),
        "NO_START": str(_NO_START),
        "NO_END": str(_NO_END),
        "BACKSLASH_ESCAPED": repr(backslash),
        "BACKSLASH": repr("\\"),
        "QUOTE_ESCAPED": repr(quote),
        "QUOTE": repr("'"),
    }.items():
        text = text.replace(key, value)
    return "\n".join(
        [
            f"{{# Written by `looker-braze currents dbt` for {dialect}. #}}",
            text.strip(),
            "",
            _empty_macro(dialect),
            "",
        ]
    )


def _accepts(name: str, text: str) -> bool:
    try:
        PARAMS[name].parse(text)
    except FailRun:
        return False
    return True


def _maxima(numbers: frozenset[str]) -> dict[str, int]:
    """The largest value params.py accepts for each whole-number parameter (found by bisection,
    so the bound is the one params.py enforces, not a copy of it)."""
    found = {}
    for name in sorted(numbers & set(PARAMS)):
        low, high = 1, 2**31
        if _accepts(name, str(high)):
            continue  # no upper bound
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if _accepts(name, str(middle)) else (low, middle)
        found[name] = low
    return found


def _choices() -> dict[str, tuple[str, tuple[str, ...]]]:
    """name -> (default, allowed values) for each text parameter that takes one of a few words:
    the words are found among the catalogue SQL's string literals (a choice the SQL never
    compares with is the default, reached by its ELSE) and kept when params.py accepts them."""
    words = sorted(_sql_strings())
    found = {}
    for name, param in PARAMS.items():
        if not isinstance(param.default, str) or name == "timezone":
            continue
        if _accepts(name, "no such choice 0"):
            continue  # free text
        allowed = {w for w in words if _accepts(name, w) and PARAMS[name].parse(w) == w}
        found[name] = (param.default, tuple(sorted(allowed | {param.default})))
    return found


def _sql_strings() -> set[str]:
    folder = resources.files("looker_braze.currents.models").joinpath("sql")
    found = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            tree = sqlglot.parse_one(entry.read_text(), read=SOURCE_DIALECT)
            found |= {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
    return found


def _escapes(dialect: str) -> tuple[str, str]:
    """How ``dialect`` writes a quote and a backslash inside a string literal (per sqlglot)."""
    quote = exp.Literal.string("'").sql(dialect=dialect)[1:-1]
    backslash = exp.Literal.string("\\").sql(dialect=dialect)[1:-1]
    return quote, backslash


def _empty_macro(dialect: str) -> str:
    lines = [f"{{% macro {PACKAGE}_empty(name) -%}}"]
    for i, table in enumerate(sorted(RAW_TABLES)):
        keyword = "if" if i == 0 else "elif"
        lines.append(f"  {{%- {keyword} name == {table!r} -%}}")
        lines.append(f"  {_empty_select(table, dialect)}")
    lines.append("  {%- endif -%}")
    lines.append("{%- endmacro %}")
    return "\n".join(lines)


def _empty_select(table: str, dialect: str) -> str:
    columns = [
        exp.alias_(exp.cast(exp.null(), _EMPTY_TYPES.get(f.type, "VARCHAR")), f.name.upper())
        for f in raw_fields(table)
    ]
    select = exp.select(*columns).where(
        exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    )
    return select.sql(dialect=dialect, identify=True)
