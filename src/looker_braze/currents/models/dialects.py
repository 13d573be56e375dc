"""The engine traps sqlglot's transpiler leaves open for our SQL, fixed on the tree.

- Snowflake and Redshift: ``ts AT TIME ZONE z`` on a UTC instant. Snowflake has no AT TIME ZONE
  and sqlglot's two-argument CONVERT_TIMEZONE reads a TIMESTAMP_NTZ in the session zone;
  Redshift's ``timestamp AT TIME ZONE z`` goes the wrong way (it treats the value as local).
  Both get ``CONVERT_TIMEZONE('UTC', z, ts)``.
- BigQuery: ``DATE_TRUNC(d, WEEK)`` starts weeks on Sunday; Monday weeks (Snowflake, DuckDB,
  Looker) are ``WEEK(MONDAY)``.
- Window ORDER BY: sqlglot would spell out DuckDB's NULL placement (NULLS LAST), which BigQuery
  and Redshift refuse in framed windows. Our window sort keys are never NULL (TIME, constants,
  COALESCEd ids), so each engine's default placement is kept instead.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect


def fix(tree: exp.Expression, dialect: str) -> exp.Expression:
    tree = _default_null_order_in_windows(tree, Dialect.get_or_raise(dialect).NULL_ORDERING)
    if dialect in ("snowflake", "redshift"):
        tree = tree.transform(_convert_timezone)
    if dialect == "bigquery":
        tree = tree.transform(_monday_weeks)
    return tree


def _convert_timezone(node: exp.Expression) -> exp.Expression:
    if not isinstance(node, exp.AtTimeZone):
        return node
    return exp.ConvertTimezone(
        source_tz=exp.Literal.string("UTC"), target_tz=node.args["zone"], timestamp=node.this
    )


def _monday_weeks(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
        unit = node.args.get("unit")
        if unit is not None and unit.name.upper() == "WEEK":
            node.set("unit", exp.WeekStart(this=exp.var("MONDAY")))
    return node


def _default_null_order_in_windows(tree: exp.Expression, ordering: str) -> exp.Expression:
    for window in tree.find_all(exp.Window):
        for ordered in window.find_all(exp.Ordered):
            descending = bool(ordered.args.get("desc"))
            small = ordering == "nulls_are_small"
            ordered.set(
                "nulls_first", small != descending if ordering != "nulls_are_last" else False
            )
    return tree
