"""dbt tests for the package, read from each query's SQL (so they follow the catalogue):

- staging: ``unique`` and ``not_null`` on each output column that is a raw table's event ``ID``
  passed through unchanged (sqlglot's lineage);
- marts: ``not_null`` on each key column (GROUP BY or ORDER BY of the final SELECT) that can
  never be NULL, by a small proof over the tree: counts, ranks and literals are never NULL; a
  raw column is not NULL when its Avro field is not nullable; COALESCE needs one such argument,
  arithmetic and CASE need all of theirs; a column from the outer side of a join may be NULL
  unless a WHERE says IS NOT NULL. Whatever the proof cannot show gets no test.
"""

from __future__ import annotations

from functools import cache

from sqlglot import exp
from sqlglot.lineage import lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from looker_braze.currents.dbt.layers import MARTS, STAGING, Node
from looker_braze.currents.models import params
from looker_braze.currents.models.binding import ValueBinder, bind
from looker_braze.currents.models.compiler import assemble
from looker_braze.currents.models.macros import SOURCE_DIALECT
from looker_braze.currents.tables import RAW_TABLES, raw_fields

# Operators and functions that are NULL only when an argument is (for the types used here).
_STRICT = (
    exp.Add, exp.Sub, exp.Mul, exp.DPipe, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
    exp.Neg, exp.Paren, exp.Cast, exp.AtTimeZone, exp.UnixToTime, exp.DateDiff, exp.DateTrunc,
    exp.TimestampTrunc, exp.Extract, exp.DayOfWeek, exp.DayOfWeekIso, exp.Hour,
)  # fmt: skip
_NEVER_NULL = exp.Count | exp.RowNumber | exp.Rank | exp.DenseRank | exp.Var | exp.Boolean


def column_tests(node: Node) -> dict[str, list[str]]:
    """Output column -> dbt tests for ``node``'s model."""
    if node.layer == STAGING:
        return {column: ["unique", "not_null"] for column in event_id_columns(node.name)}
    if node.layer == MARTS:
        return {column: ["not_null"] for column in never_null_keys(node.name)}
    return {}


@cache
def _qualified(name: str) -> tuple[exp.Query, list[str]]:
    """(tree bound with default values and qualified, output names as the SQL writes them)."""
    values = params.resolve(params.PARAMS, {}, {})
    tree = bind(assemble(name), ValueBinder(values), SOURCE_DIALECT)
    names = list(tree.named_selects)
    schema = {t: {f.name.upper(): "VARCHAR" for f in raw_fields(t)} for t in RAW_TABLES}
    qualified = qualify(tree, schema=schema, dialect=SOURCE_DIALECT, quote_identifiers=False)
    if "*" in names:  # expanded by qualify, in lower case: raw columns are upper case
        raw = {c for columns in schema.values() for c in columns}
        names = [n.upper() if n.upper() in raw else n for n in qualified.named_selects]
    return qualified, names


def event_id_columns(name: str) -> list[str]:
    tree, names = _qualified(name)
    if len(names) != len(tree.selects):
        return []
    found, scope = [], build_scope(tree)  # one scope for every column: qualifying is the cost
    for written, select in zip(names, tree.named_selects, strict=True):
        graph = lineage(select, tree, None, dialect=SOURCE_DIALECT, scope=scope, copy=False)
        leaves = [n for n in graph.walk() if not n.downstream]
        if leaves and all(_is_raw_id(leaf) for leaf in leaves):
            found.append(written)
    return found


def _is_raw_id(node) -> bool:
    # A lineage leaf is the table itself, named `<alias>.<column>`.
    source = node.source
    return (
        isinstance(source, exp.Table)
        and source.name.upper() in RAW_TABLES
        and node.name.rpartition(".")[2].upper() == "ID"
    )


def never_null_keys(name: str) -> list[str]:
    tree, names = _qualified(name)
    if not isinstance(tree, exp.Select) or len(names) != len(tree.selects):
        return []
    root = build_scope(tree)
    keys = _key_positions(tree)
    return [names[i] for i in keys if _not_null(tree.selects[i], root)]


def _key_positions(select: exp.Select) -> list[int]:
    groups = [g for g in (select.args.get("group") or exp.Group()).expressions]
    orders = [o.this for o in (select.args.get("order") or exp.Order()).expressions]
    positions = []
    for i, projection in enumerate(select.selects):
        inner = projection.unalias()
        by_name = any(
            isinstance(o, exp.Column) and not o.table and o.name == projection.alias_or_name
            for o in orders
        )
        if inner in groups or inner in orders or by_name:
            positions.append(i)
    return positions


def _not_null(node: exp.Expression, scope: Scope) -> bool:
    if isinstance(node, exp.Alias):
        return _not_null(node.this, scope)
    if isinstance(node, exp.Literal | _NEVER_NULL):
        return True
    if isinstance(node, exp.Null | exp.TryCast):
        return False
    if isinstance(node, exp.Window):
        return isinstance(node.this, exp.Count | exp.RowNumber | exp.Rank | exp.DenseRank)
    if isinstance(node, exp.Column):
        return _column_not_null(node, scope)
    if isinstance(node, exp.Min | exp.Max):
        # Over a group (never empty), the least or greatest of non-NULL values is not NULL.
        grouped = isinstance(scope.expression, exp.Select) and scope.expression.args.get("group")
        return bool(grouped) and _not_null(node.this, scope)
    if isinstance(node, exp.Coalesce):
        return any(_not_null(a, scope) for a in [node.this, *node.expressions])
    if isinstance(node, exp.Case):
        branches = [i.args["true"] for i in node.args.get("ifs", [])]
        default = node.args.get("default")
        return default is not None and all(_not_null(b, scope) for b in [*branches, default])
    if isinstance(node, exp.IntDiv | exp.Mod):
        divisor = node.expression
        return (
            isinstance(divisor, exp.Literal)
            and divisor.to_py() != 0
            and _not_null(node.this, scope)
        )
    if isinstance(node, _STRICT):
        return all(_not_null(arg, scope) for arg in _arguments(node))
    return False


def _arguments(node: exp.Expression) -> list[exp.Expression]:
    found = []
    for value in node.args.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, exp.Expression) and not isinstance(item, exp.DataType):
                found.append(item)
    return found


def _column_not_null(column: exp.Column, scope: Scope) -> bool:
    select = scope.expression
    if isinstance(select, exp.Select) and _filtered_not_null(select, column):
        return True
    if column.table in _outer_sides(select):
        return False
    source = scope.sources.get(column.table)
    if isinstance(source, exp.Table):
        table = source.name.upper()
        return table in RAW_TABLES and any(
            f.name.upper() == column.name.upper() and not f.nullable for f in raw_fields(table)
        )
    if isinstance(source, Scope):
        return all(
            projection is not None and _not_null(projection, branch)
            for branch, projection in _projections(source, column.name)
        )
    return False


def _projections(scope: Scope, name: str):
    """(scope, projection) of output column ``name`` in each branch of a (set-operation) scope."""
    branches = _branches(scope)
    first = branches[0].expression
    names = [n.lower() for n in _output_names(first)]
    if name.lower() not in names:
        return [(scope, None)]
    index = names.index(name.lower())
    if isinstance(first, exp.Values):
        return [(scope, row.expressions[index]) for row in first.expressions]
    return [(b, b.expression.selects[index]) for b in branches]


def _output_names(query: exp.Expression) -> list[str]:
    if isinstance(query, exp.Values):  # VALUES (...) AS t(a, b): the names are the alias's
        alias = query.args.get("alias")
        return [c.name for c in alias.columns] if alias else []
    return query.named_selects


def _branches(scope: Scope) -> list[Scope]:
    # sqlglot renamed union_scopes to set_operation_scopes; the pinned range spans both.
    children = getattr(scope, "set_operation_scopes", None) or getattr(scope, "union_scopes", [])
    if children:
        return [leaf for child in children for leaf in _branches(child)]
    return [scope]


def _outer_sides(select: exp.Expression) -> set[str]:
    """Aliases whose columns an outer join can fill with NULL."""
    if not isinstance(select, exp.Select):
        return set()
    seen = [select.args["from_"].this.alias_or_name] if select.args.get("from_") else []
    nullable: set[str] = set()
    for join in select.args.get("joins") or []:
        alias, side = join.this.alias_or_name, (join.side or "").upper()
        if side in ("LEFT", "FULL"):
            nullable.add(alias)
        if side in ("RIGHT", "FULL"):
            nullable.update(seen)
        seen.append(alias)
    return nullable


def _filtered_not_null(select: exp.Select, column: exp.Column) -> bool:
    where = select.args.get("where")
    if not where:
        return False
    for condition in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
        if (
            isinstance(condition, exp.Not)
            and isinstance(condition.this, exp.Is)
            and isinstance(condition.this.expression, exp.Null)
            and condition.this.this == column
        ):
            return True
    return False
