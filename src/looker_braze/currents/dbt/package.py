"""Writes the dbt project files (see __init__.py)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import yaml

from looker_braze.currents.dashboards import dashboards_of
from looker_braze.currents.dbt.layers import INTERMEDIATE, MARTS, PACKAGE, STAGING, Node, nodes
from looker_braze.currents.dbt.macros import macros_sql
from looker_braze.currents.dbt.sqlgen import BOOLEANS, NUMBERS, model_sql
from looker_braze.currents.dbt.tests import column_tests
from looker_braze.currents.membership import DESCRIPTION as MEMBERSHIP_DESCRIPTION
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.models.params import PARAMS
from looker_braze.currents.schemas import TABLES
from looker_braze.errors import FailRun

# The compiler's engines plus Databricks (sqlglot's dialect; see the pre-hook below).
DIALECTS = ("duckdb", "postgres", "snowflake", "bigquery", "redshift", "databricks")
_MATERIALIZED = {STAGING: "view", INTERMEDIATE: "table", MARTS: "table"}
# Databricks: the SQL turns epochs into timestamps with FROM_UNIXTIME, which reads the session
# time zone; the other engines' forms do not depend on it.
_PRE_HOOK = {"databricks": "SET TIME ZONE 'UTC'"}


def write_package(out: Path, dialect: str) -> list[Path]:
    """Write the package for ``dialect`` under ``out`` (created; files of ours overwritten)."""
    if dialect not in DIALECTS:
        raise FailRun(f"--dialect {dialect!r}: use one of {', '.join(DIALECTS)}")
    out = Path(out)
    every = nodes()
    names = {name: node.model for name, node in every.items()}
    files = {
        "dbt_project.yml": _dump(_project(dialect)),
        "models/sources.yml": _dump(_sources()),
        f"macros/{PACKAGE}.sql": macros_sql(dialect, NUMBERS, BOOLEANS),
    }
    for layer in (STAGING, INTERMEDIATE, MARTS):
        members = [n for n in every.values() if n.layer == layer]
        files[f"models/{layer}/_{layer}.yml"] = _dump(_schema(members, dialect))
        for node in members:
            files[f"models/{layer}/{node.model}.sql"] = _model_file(node, dialect, names)
    _remove_stale_models(out)
    written = []
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def _remove_stale_models(out: Path) -> None:
    """Model files of an earlier export (a query renamed since) would still build: remove ours,
    never a file of the team's own."""
    for layer in (STAGING, INTERMEDIATE, MARTS):
        for path in (out / "models" / layer).glob("*.sql"):
            if PACKAGE in path.stem.split("__", 1)[0]:
                path.unlink()


def _model_file(node: Node, dialect: str, names: dict[str, str]) -> str:
    head = f"-- {node.query.title}. Catalogue query `{node.name}`"
    boards = dashboards_of(node.name)
    head += f" (dashboard: {', '.join(boards)})." if boards else "."
    return f"{head}\n{model_sql(node, dialect, names)}\n"


def _project(dialect: str) -> dict:
    models: dict = {f"+{key}": value for key, value in _hooks(dialect).items()}
    for layer, materialized in _MATERIALIZED.items():
        models[layer] = {"+materialized": materialized}
    variables = {
        "braze_currents_schema": None,
        "braze_currents_database": None,
        **{name: _yaml_value(p.default) for name, p in PARAMS.items()},
    }
    return {
        "name": PACKAGE,
        "version": _version(),
        "config-version": 2,
        "profile": PACKAGE,
        "model-paths": ["models"],
        "macro-paths": ["macros"],
        "vars": variables,
        "models": {PACKAGE: models},
    }


def _hooks(dialect: str) -> dict:
    return {"pre-hook": _PRE_HOOK[dialect]} if dialect in _PRE_HOOK else {}


def _sources() -> dict:
    return {
        "version": 2,
        "sources": [
            {
                "name": PACKAGE,
                "description": "Braze Currents events as loaded: one table per event type.",
                "schema": "{{ var('braze_currents_schema') or target.schema }}",
                "database": "{{ var('braze_currents_database') or target.database }}",
                "tables": [
                    *(
                        {"name": table, "description": f"Currents `{event}` events."}
                        for table, event in sorted(TABLES.items())
                    ),
                    # Not Currents: looker-braze's own export, beside them (audiences export).
                    {"name": MEMBERSHIP, "description": MEMBERSHIP_DESCRIPTION},
                ],
            }
        ],
    }


def _schema(members: list[Node], dialect: str) -> dict:
    models = []
    for node in members:
        entry: dict = {"name": node.model, "description": node.query.title}
        boards = dashboards_of(node.name)
        if boards:
            entry["meta"] = {"dashboard": ", ".join(boards), "catalogue_name": node.name}
        columns = column_tests(node)
        if columns:
            entry["columns"] = [
                {"name": column, "quote": True, "data_tests": tests}
                for column, tests in columns.items()
            ]
        models.append(entry)
    return {"version": 2, "models": models}


def _yaml_value(value):
    return value if value is None or isinstance(value, int | str) else str(value)


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, width=100)


def _version() -> str:
    try:
        return version("looker-braze")
    except PackageNotFoundError:
        return "0.0.0"
