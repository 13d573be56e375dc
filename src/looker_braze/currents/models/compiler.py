"""Turns a model into SQL for one engine: fragments inlined as CTEs, macros expanded,
parameters bound as literals, missing Currents tables replaced by empty ones, dialect traps fixed.

Macros (plain function calls in the DuckDB source, expanded here so each engine gets its form):
    local_ts(epoch)         wall-clock timestamp, in the `timezone` parameter, of a UTC epoch
    local_date(epoch)       its local date
    local_day(epoch)        that date as days since Monday 1900-01-01 (`// 7` = Monday weeks)
    message_key(canvas_id, canvas_step_id, message_variation_id)
                            the message an event belongs to (staging models)
    is_machine_open(machine_open), is_bot_click(is_suspected_bot_click)
                            Braze's machine-open and suspected-bot-click flags as booleans
    param_match(col, :p)    TRUE when parameter p is unset, else col = p (LookML: a templated
                            filter `{% condition p %} col {% endcondition %}`)
Placeholders (`:name`) are bound by a Binder (binding.py): literal values for a run, Liquid
for LookML. Macros live in macros.py, engine fixes in dialects.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources

import sqlglot
from sqlglot import exp

from looker_braze.currents.models import dialects
from looker_braze.currents.models.binding import Binder, bind, match_calls, match_param
from looker_braze.currents.models.catalog import FRAGMENTS, MODELS, STAGING, Query
from looker_braze.currents.models.macros import SOURCE_DIALECT, expand_macros
from looker_braze.currents.tables import RAW_TABLES, raw_fields

# Avro primitive -> type of the column in an empty stand-in table.
_EMPTY_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "long": "BIGINT",
    "float": "DOUBLE",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
}


# Engines that would otherwise materialize a CTE read twice (all events, every column) and
# could then not push a model's filters into the staging union.
_INLINES_CTES = ("duckdb", "postgres")


def query(name: str) -> Query:
    try:
        return MODELS.get(name) or FRAGMENTS[name]
    except KeyError:
        raise KeyError(f"no model or fragment named {name!r}") from None


def compile_sql(
    name: str,
    dialect: str,
    binder: Binder,
    tables: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
    pretty: bool = True,
    ordered: bool = True,
    table_sql: Callable[[str], str] | None = None,
    materialized: Mapping[str, str] | None = None,
    unique_ids: bool = False,
) -> str:
    """SQL of model (or fragment) ``name`` for ``dialect``. ``tables``: the Currents tables the
    warehouse has; any other Currents table the SQL reads becomes an empty stand-in.
    ``ordered=False`` drops a final ORDER BY (for SQL that becomes someone else's subquery).
    A mapping (table -> its columns) also says which columns each table has: a column the SQL
    reads and the loaded table lacks (a field of a later schema version) reads as NULL.
    ``table_sql`` writes each Currents table reference (LookML: `${view.SQL_TABLE_NAME}`).
    ``materialized``: fragments already computed into tables (fragment -> table name).
    ``unique_ids``: the raw tables already hold one row per id (our loader's tables), so the
    staging models' deduplication is left out."""
    tree = _assemble_reading(name, materialized) if materialized else assemble(name)
    if not ordered and not tree.args.get("limit"):
        tree.set("order", None)
    tree = bind(tree, binder, dialect)
    if tables is not None:
        tree = _stand_in_missing(tree, _present(tables))
    if table_sql is not None:
        tree = _rewrite_tables(tree, table_sql)
    if unique_ids:
        _drop_deduplication(tree)
    if dialect in _INLINES_CTES:
        _inline_staging(tree)
    tree = dialects.fix(tree, dialect)
    return tree.sql(dialect=dialect, identify=True, pretty=pretty)


def fragments_of(name: str) -> tuple[str, ...]:
    """The fragments ``name`` reads (directly or not), each after those it reads."""
    clause = _assembled(name).args.get("with_")
    names = [cte.alias for cte in clause.expressions] if clause else []
    return tuple(n for n in names if n in FRAGMENTS and n != name)


def reads(name: str, materialized: Iterable[str]) -> frozenset[str]:
    """The fragments of ``materialized`` that ``name`` still reads once they are tables: those
    its own SQL, or a fragment it inlines, names (not those only another of them reads)."""
    tables = frozenset(materialized)
    return _needed(name, tables) & tables


@cache
def _needed(name: str, materialized: frozenset[str]) -> frozenset[str]:
    """Every name the SQL of ``name`` reads once the fragments in ``materialized`` are tables:
    its body's, then (walking back: dependencies come first) those of each CTE still read."""
    body, ctes = _dependencies(name)
    needed = set(body)
    for alias, its_reads in reversed(ctes):
        if alias in needed and alias not in materialized:
            needed |= its_reads
    return frozenset(needed)


@cache
def _dependencies(name: str) -> tuple[frozenset[str], tuple[tuple[str, frozenset[str]], ...]]:
    """What the body of ``name`` reads, and what each of its hoisted CTEs reads (in order)."""
    tree = _assembled(name)  # read only: not copied
    clause = tree.args.get("with_")
    ctes = tuple((c.alias, _reads(c.this)) for c in clause.expressions) if clause else ()
    return _reads(tree, skip=clause), ctes


def _assemble_reading(name: str, tables: Mapping[str, str]) -> exp.Query:
    """``assemble(name)`` reading the fragments in ``tables`` from those tables: only the CTEs
    still needed are copied (copying the whole tree cost more than running small queries)."""
    needed = _needed(name, frozenset(tables))
    tree = _body(name).copy()
    clause = _assembled(name).args.get("with_")
    kept = [
        cte.copy()
        for cte in (clause.expressions if clause else ())
        if cte.alias in needed and cte.alias not in tables
    ]
    if kept:
        tree.set("with_", exp.With(expressions=kept))
    for table in tree.find_all(exp.Table):
        if table.name in tables and not table.args.get("db"):
            _rename_table(table, tables[table.name])
    return tree


@cache
def _body(name: str) -> exp.Query:
    """The assembled tree of ``name`` without its WITH (kept unchanged: callers copy it)."""
    tree = _assembled(name).copy()
    tree.set("with_", None)
    return tree


def _reads(tree: exp.Expression, skip: exp.Expression | None = None) -> frozenset[str]:
    """Names of the tables ``tree`` reads (outside ``skip``, a part of it)."""
    nodes = tree.walk(prune=lambda node: node is skip)
    return frozenset(t.name for t in nodes if isinstance(t, exp.Table) and not t.args.get("db"))


def _rewrite_tables(tree: exp.Expression, table_sql: Callable[[str], str]) -> exp.Expression:
    for table in list(tree.find_all(exp.Table)):
        name = table.name.upper()
        if name in RAW_TABLES and not table.args.get("db"):
            alias = table.alias or table.name
            table.set("this", exp.var(table_sql(name)))
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return tree


def compile_expression(sql: str, dialect: str, binder: Binder) -> str:
    """A free-standing expression written like the model SQL (macros, :placeholders), for
    ``dialect``: how LookML dimensions get the same local-day arithmetic as the models."""
    tree = expand_macros(sqlglot.parse_one(sql, read=SOURCE_DIALECT))
    tree = dialects.fix(bind(tree, binder, dialect), dialect)
    return tree.sql(dialect=dialect, identify=True)


@cache
def placeholders(name: str) -> frozenset[str]:
    """Parameter names the SQL of ``name`` (with its fragments) uses, after macro expansion."""
    tree = _assembled(name)  # read only: not copied
    found = {p.name for p in tree.find_all(exp.Placeholder)}
    found |= {match_param(call) for call in match_calls(tree)}
    return frozenset(found)


def assemble(name: str) -> exp.Query:
    """The full tree of ``name``: every fragment it reads hoisted into one WITH, macros expanded."""
    return _assembled(name).copy()


@cache
def _assembled(name: str) -> exp.Query:
    ctes: dict[str, exp.CTE] = {}
    tree = _expand(query(name), {}, ctes, top=True)
    own = tree.args.get("with_")
    every = list(ctes.values()) + (list(own.expressions) if own else [])
    if every:
        tree.set("with_", exp.With(expressions=every))
    tree = expand_macros(tree)
    # A field schemas.py does not declare is NULL everywhere (runs, LookML, dbt alike): the
    # staging SQL may name a field Braze sends before the schemas list it.
    _null_missing_columns(tree, {})
    return tree


def _expand(q: Query, outer: dict[str, str], ctes: dict[str, exp.CTE], top: bool) -> exp.Query:
    """Parse ``q``, hoist its own CTEs (renamed ``<q>__<cte>`` unless top-level) and the
    fragments it reads into ``ctes`` (dependencies first); return its body without WITH."""
    tree = _parsed(q.sql).copy()
    bindings = {**outer, **q.sources}
    own = tree.args.get("with_")
    own_names = [cte.alias for cte in own.expressions] if own else []
    renames = {n: n if top else f"{q.name}__{n}" for n in own_names}
    for table in list(tree.find_all(exp.Table)):
        _relink(table, renames, bindings, ctes)
    if top:
        return tree
    if own:
        for cte in own.expressions:
            cte.set("alias", exp.TableAlias(this=exp.to_identifier(renames[cte.alias])))
            ctes[cte.alias] = cte
        tree.set("with_", None)
    if not tree.args.get("limit"):
        tree.set("order", None)  # a fragment's ORDER BY means nothing once it is a CTE
    return tree


def _relink(table: exp.Table, renames: dict, bindings: dict, ctes: dict) -> None:
    if table.args.get("db") or table.args.get("catalog"):
        return
    name = table.name
    if name in renames:
        _rename_table(table, renames[name])
        return
    target = bindings.get(name, name)
    if target not in FRAGMENTS and target not in MODELS:
        return  # a warehouse table
    if target not in ctes:
        body = _expand(query(target), bindings, ctes, top=False)
        ctes[target] = exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(target)))
    _rename_table(table, target)


def _rename_table(table: exp.Table, new_name: str) -> None:
    if not table.alias:
        table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
    table.set("this", exp.to_identifier(new_name))


@cache
def _parsed(stem: str) -> exp.Query:
    text = resources.files("looker_braze.currents.models").joinpath(f"sql/{stem}.sql").read_text()
    return sqlglot.parse_one(text, read=SOURCE_DIALECT)


def _present(tables: Iterable[str] | Mapping[str, Iterable[str]]) -> dict[str, frozenset | None]:
    """Table -> its upper-cased columns (None: not known, taken to have its schema's fields)."""
    if isinstance(tables, Mapping):
        return {t.upper(): frozenset(c.upper() for c in cols) for t, cols in tables.items()}
    return {t.upper(): None for t in tables}


def _stand_in_missing(
    tree: exp.Expression, present: Mapping[str, frozenset | None]
) -> exp.Expression:
    """A Currents table the warehouse lacks (no file of that type loaded yet) reads as empty;
    a column a loaded table lacks reads as NULL."""
    _null_missing_columns(tree, present)
    for table in list(tree.find_all(exp.Table)):
        name = table.name.upper()
        if name in RAW_TABLES and name not in present and not table.args.get("db"):
            table.replace(_empty_table(name, table.alias or table.name))
    return tree


def _empty_table(name: str, alias: str) -> exp.Expression:
    columns = [
        exp.alias_(exp.cast(exp.null(), _EMPTY_TYPES.get(f.type, "VARCHAR")), f.name.upper())
        for f in raw_fields(name)
    ]
    select = exp.select(*columns).where(
        exp.EQ(this=exp.Literal.number(1), expression=exp.Literal.number(0))
    )
    return exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias)))


def _null_missing_columns(tree: exp.Expression, present: Mapping[str, frozenset | None]) -> None:
    """In each SELECT that reads one Currents table alone (how staging models read them), a
    column the table does not have becomes NULL. Braze only ever adds optional fields, so a
    table loaded from older files lacks the newer ones (``machine_open``...) and NULL is what
    those files meant. A table not loaded at all is taken to have its schema's fields."""
    for select in list(tree.find_all(exp.Select)):
        source = _single_raw_table(select)
        if source is None:
            continue
        name = source.name.upper()
        have = present.get(name) or _schema_columns(name)  # not known: the schema's fields
        for column in list(select.find_all(exp.Column)):
            if column.find_ancestor(exp.Select) is not select or column.name.upper() in have:
                continue
            if column.table and column.table != source.alias_or_name:
                continue
            if column.parent is select:  # a bare projection keeps its name
                column.replace(exp.alias_(exp.null(), column.name))
            else:
                column.replace(exp.null())


def _single_raw_table(select: exp.Select) -> exp.Table | None:
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is None or select.args.get("joins"):
        return None
    source = from_.this
    if not isinstance(source, exp.Table) or source.args.get("db"):
        return None
    return source if source.name.upper() in RAW_TABLES else None


def _schema_columns(name: str) -> frozenset[str]:
    return frozenset(f.name.upper() for f in raw_fields(name))


def _drop_deduplication(tree: exp.Expression) -> None:
    """``ROW_NUMBER() OVER (PARTITION BY ID ...)`` over a raw table -> 1: the table is already
    one row per id, and the window would sort every event of every run for nothing."""
    for select in list(tree.find_all(exp.Select)):
        if _single_raw_table(select) is None:
            continue
        for window in list(select.find_all(exp.Window)):
            keys = window.args.get("partition_by") or []
            if (
                isinstance(window.this, exp.RowNumber)
                and len(keys) == 1
                and isinstance(keys[0], exp.Column)
                and keys[0].name.upper() == "ID"
            ):
                window.replace(exp.Literal.number(1))


def _inline_staging(tree: exp.Expression) -> None:
    """Staging CTEs (and their own CTEs) as NOT MATERIALIZED: each mart reads the branches of
    the staging union it needs, with its filters pushed down, as if it read the raw tables."""
    staging = [q.name for q in FRAGMENTS.values() if q.layer == STAGING]
    clause = tree.args.get("with_")
    for cte in clause.expressions if clause else []:
        if any(cte.alias == s or cte.alias.startswith(f"{s}__") for s in staging):
            cte.set("materialized", False)
