"""`looker-braze currents dbt`: the models catalogue as a dbt package, built with the real dbt.

One `dbt build` per adapter (DuckDB on a copy of the session's loaded file, PostgreSQL on the
same generated data loaded into a schema of its own) runs every model and every dbt test of the
package; the marts must equal what `looker-braze currents run` computes on the same data. The
other dialects (Snowflake, BigQuery, Redshift, Databricks) cannot run here: their models are
rendered as dbt would and parsed by sqlglot in that dialect.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import jinja2
import psycopg
import pytest
import sqlglot
import yaml
from typer.testing import CliRunner

from looker_braze.cli import app as cli_app
from looker_braze.currents.dbt import DIALECTS, write_package
from looker_braze.currents.dbt.layers import MARTS, STAGING, layer_of, nodes
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.models import MODELS, run
from looker_braze.currents.models.runner import ModelResult, _plain
from looker_braze.currents.warehouse import connect
from tests.currents.conftest import load_with_audience

DBT = Path(sys.executable).parent / "dbt"
# Each dbt invocation takes 5-10 s (dbt's start and parse); a build with its tests ~15 s.
SLOW = pytest.mark.slow
REQUIRE = os.environ.get("LOOKER_BRAZE_REQUIRE_SERVICES") == "1"
# Marts compared on PostgreSQL (every mart is compared on DuckDB): one per kind of SQL.
PG_MARTS = (
    "email_funnel_by_message",
    "push_funnel",
    "email_performance_weekly",
    "email_messages_top_open_rate",
    "email_cadence_by_week_gap",
    "push_frequency",
    "retention_daily_cohorts",
    "retention_weekly_curve",
    "messaging_by_message",
)


@pytest.fixture(scope="module")
def dbt_installed() -> None:
    if not DBT.exists():
        message = f"dbt is not installed beside {sys.executable} (the dev extra installs it)"
        if REQUIRE:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def dbt(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
        "DBT_VERSION_CHECK": "false",
    }
    return subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(project), "--no-use-colors"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def _profile(project: Path, outputs: dict) -> None:
    profile = {"braze_currents": {"target": "main", "outputs": outputs}}
    (project / "profiles.yml").write_text(yaml.safe_dump(profile))


def _results(project: Path) -> list[dict]:
    return json.loads((project / "target/run_results.json").read_text())["results"]


def _rows(columns: list[str], rows: list[tuple], model: str) -> ModelResult:
    return ModelResult(model, columns, [tuple(_plain(v) for v in row) for row in rows])


def _same(ours: ModelResult, theirs: ModelResult) -> bool:
    def key(row):
        return tuple((v is None, str(v)) for v in row)

    return ours.columns == theirs.columns and sorted(ours.rows, key=key) == sorted(
        theirs.rows, key=key
    )


# --- DuckDB --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def duckdb_build(dbt_installed, currents_duckdb, tmp_path_factory):
    """(package folder, DuckDB file) after one `dbt build` of the DuckDB package."""
    root = tmp_path_factory.mktemp("dbt-duckdb")
    database = root / "currents.duckdb"
    shutil.copy(currents_duckdb, database)  # dbt writes its models beside the raw tables
    project = root / "package"
    write_package(project, "duckdb")
    output = {"type": "duckdb", "path": str(database), "schema": "analytics", "threads": 2}
    _profile(project, {"main": output, "alt": {**output, "schema": "analytics_alt"}})
    result = dbt(project, "build", "--vars", "{braze_currents_schema: main}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return project, database


@SLOW
def test_dbt_build_runs_every_model_and_test_of_the_package(duckdb_build):
    project, _ = duckdb_build
    results = _results(project)
    models = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}
    assert models == {node.model for node in nodes().values()}
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    assert tests and all(r["status"] == "pass" for r in tests), [
        r["unique_id"] for r in tests if r["status"] != "pass"
    ]
    names = {t["unique_id"].split(".")[2] for t in tests}
    assert any(n.startswith("unique_stg_braze_currents__email_") and "event_id" in n for n in names)
    assert any(n.startswith("not_null_braze_currents__retention_daily_cohorts_") for n in names)


@SLOW
def test_every_duckdb_mart_equals_currents_run(duckdb_build):
    _, database = duckdb_build
    warehouse = connect(database, read_only=True)
    try:
        differ = []
        for name in MODELS:
            cursor = warehouse.connection.execute(
                f'SELECT * FROM analytics."braze_currents__{name}"'
            )
            built = _rows([d[0] for d in cursor.description], cursor.fetchall(), name)
            ours = run(warehouse, name)
            assert ours.rows or name.startswith("sending_ips"), f"{name}: no rows to compare"
            if not _same(ours, built):
                differ.append(name)
    finally:
        warehouse.close()
    assert not differ, f"dbt marts differ from `currents run`: {differ}"


@SLOW
def test_vars_are_the_model_parameters(duckdb_build):
    """Non-default vars (zone, dates, limit, a campaign name) give what `run --param` gives."""
    project, database = duckdb_build
    with connect(database, read_only=True) as warehouse:
        campaign = warehouse.query(
            'SELECT MIN("CAMPAIGN_NAME") FROM "USERS_MESSAGES_EMAIL_DELIVERY"'
        )[1][0][0]
    given = {"timezone": "UTC", "start": "2024-01-03", "end": "2024-01-15", "limit": 3}
    marts = {
        "email_messages_top_open_rate": {**given, "campaign_name": campaign},
        "retention_daily_cohorts": {k: v for k, v in given.items() if k != "limit"},
    }
    variables = {**given, "campaign_name": campaign, "braze_currents_schema": "main"}
    selected = [f"+braze_currents__{name}" for name in marts]
    result = dbt(
        project, "run", "--target", "alt", "--select", *selected, "--vars", json.dumps(variables)
    )
    assert result.returncode == 0, result.stdout[-4000:]
    with connect(database, read_only=True) as warehouse:
        for name, params in marts.items():
            cursor = warehouse.connection.execute(
                f'SELECT * FROM analytics_alt."braze_currents__{name}"'
            )
            built = _rows([d[0] for d in cursor.description], cursor.fetchall(), name)
            ours = run(warehouse, name, params)
            assert ours.rows and _same(ours, built), name
            assert not _same(run(warehouse, name), built), f"{name}: the vars changed nothing"


@SLOW
@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "is not an IANA time zone"),
        ({"start": "2024-02-01", "end": "2024-01-01"}, "is after end"),
        ({"limit": "ten"}, "is not a whole number"),
        ({"limit": 10001}, "is out of range: use 1 to 10000"),
        ({"granularity": "fortnight"}, "is not one of day, month, week"),
    ],
)
def test_a_bad_var_stops_dbt_with_a_clear_message(duckdb_build, variables, message):
    project, _ = duckdb_build
    result = dbt(
        project, "compile", "--target", "alt", "--select", "braze_currents__email_funnel",
        "braze_currents__email_messages_top_open_rate", "braze_currents__email_frequency",
        "--vars", json.dumps(variables),
    )  # fmt: skip
    assert result.returncode != 0 and message in result.stdout, result.stdout[-3000:]


@SLOW
def test_a_quote_or_backslash_in_a_name_is_text_not_sql(duckdb_build):
    project, database = duckdb_build
    name = "O'Brien \\' OR 1=1 --"
    variables = {"campaign_name": name, "braze_currents_schema": "main"}
    result = dbt(project, "run", "--target", "alt", "--select", "+braze_currents__email_funnel",
                 "--vars", json.dumps(variables))  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    with connect(database, read_only=True) as warehouse:
        sent = warehouse.query('SELECT "sent" FROM analytics_alt."braze_currents__email_funnel"')
    assert sent[1] == [(0,)]


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_build(dbt_installed, generated_currents, postgres_url, tmp_path_factory):
    """(package folder, raw schema, dbt schema) after one `dbt build` on PostgreSQL."""
    raw = f"t_dbt_{uuid.uuid4().hex[:10]}"
    built = f"{raw}_marts"
    report = load_with_audience(generated_currents[0], f"{postgres_url}?schema={raw}")
    assert report.succeeded and not report.failed, report.failed
    project = tmp_path_factory.mktemp("dbt-postgres") / "package"
    write_package(project, "postgres")
    parts = urlsplit(postgres_url)
    output = {
        "type": "postgres",
        "host": parts.hostname,
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password or "",
        "dbname": parts.path.lstrip("/"),
        "schema": built,
        "threads": 2,
    }
    _profile(project, {"main": output})
    try:
        result = dbt(project, "build", "--vars", json.dumps({"braze_currents_schema": raw}))
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        yield project, raw, built
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            for schema in (raw, built):
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@SLOW
def test_dbt_build_on_postgres_passes_and_marts_equal_currents_run(postgres_build, postgres_url):
    project, raw, built = postgres_build
    tests = [r for r in _results(project) if r["unique_id"].startswith("test.")]
    assert tests and all(r["status"] == "pass" for r in tests)
    with connect(f"{postgres_url}?schema={raw}", read_only=True) as warehouse:
        for name in PG_MARTS:
            columns, rows = warehouse.query(f'SELECT * FROM "{built}"."braze_currents__{name}"')
            ours = run(warehouse, name)
            assert ours.rows and _same(ours, _rows(columns, rows, name)), name


# --- Every dialect, without a warehouse ----------------------------------------------------


def _render(sql: str, is_set: bool) -> str:
    """A model's SQL as dbt would render it, with stand-ins for refs, sources and vars."""
    env = jinja2.Environment()
    return env.from_string(sql).render(
        ref=lambda name: name,
        source=lambda source, table: table,
        braze_currents_table=lambda relation: relation,
        braze_currents_string=lambda name: "'x'",
        braze_currents_number=lambda name: "7",
        braze_currents_boolean=lambda name: "TRUE",
        braze_currents_is_set=lambda name: is_set,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """dialect -> folder of the package written for it (each written once, on first use)."""
    folders: dict[str, Path] = {}

    def folder(dialect: str) -> Path:
        if dialect not in folders:
            folders[dialect] = tmp_path_factory.mktemp(f"dbt-{dialect}")
            write_package(folders[dialect], dialect)
        return folders[dialect]

    return folder


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_model_parses_in_its_dialect(dialect, written):
    tmp_path = written(dialect)
    project = yaml.safe_load((tmp_path / "dbt_project.yml").read_text())
    assert project["name"] == "braze_currents" and project["vars"]["timezone"] == "America/New_York"
    models = sorted((tmp_path / "models").rglob("*.sql"))
    assert len(models) == len(nodes())
    for path in models:
        for is_set in (True, False):
            sqlglot.parse_one(_render(path.read_text(), is_set), read=dialect)


def test_refs_and_sources_name_what_the_package_has(written):
    tmp_path = written("snowflake")
    models = {p.stem: p.read_text() for p in (tmp_path / "models").rglob("*.sql")}
    sources = yaml.safe_load((tmp_path / "models/sources.yml").read_text())["sources"][0]
    tables = {t["name"] for t in sources["tables"]}
    assert MEMBERSHIP in tables  # `audiences export` writes it beside the Currents tables
    for name, sql in models.items():
        refs = set(_calls(sql, "ref"))
        assert refs <= set(models), f"{name} refers to {refs - set(models)}"
        for source in _calls(sql, "source"):
            assert source in tables
    marts = [n for n in nodes().values() if n.layer == MARTS]
    assert all("source(" not in models[n.model] or "UNSUBSCRIBE" in models[n.model] or
               "PUSHNOTIFICATION" in models[n.model] for n in marts)  # fmt: skip


def _calls(sql: str, function: str) -> list[str]:
    found = []
    env = jinja2.Environment()
    env.from_string(sql).render(
        ref=lambda name: found.append(name) if function == "ref" else "",
        source=lambda source, table: found.append(table) if function == "source" else "",
        braze_currents_table=lambda relation: "",
        braze_currents_string=lambda name: "",
        braze_currents_number=lambda name: "",
        braze_currents_boolean=lambda name: "",
        braze_currents_is_set=lambda name: False,
    )
    return found


def test_a_declared_layer_wins_over_the_inferred_one():
    assert layer_of("email_messages", SimpleNamespace(layer="mart")) == MARTS
    assert layer_of("email_funnel", SimpleNamespace(layer="staging")) == STAGING
    assert layer_of("stg_email", SimpleNamespace()) == STAGING  # reads raw tables
    assert layer_of("email_messages", SimpleNamespace()) == "intermediate"  # reads staging
    assert layer_of("email_cadence", SimpleNamespace()) == "intermediate"


def test_cli_writes_the_package_and_refuses_an_unknown_dialect(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        cli_app, ["currents", "dbt", str(tmp_path / "p"), "--dialect", "bigquery"]
    )
    assert result.exit_code == 0, result.output
    assert "`" in (tmp_path / "p/models/marts/braze_currents__email_funnel.sql").read_text()
    bad = runner.invoke(cli_app, ["currents", "dbt", str(tmp_path / "q"), "--dialect", "oracle"])
    assert bad.exit_code != 0 and "use one of duckdb, postgres" in bad.output
    assert not (tmp_path / "q").exists()


def test_a_new_export_removes_its_old_models_and_keeps_the_teams(tmp_path):
    stale = tmp_path / "models/marts/braze_currents__renamed_since.sql"
    own = tmp_path / "models/marts/team_model.sql"
    for path in (stale, own):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("select 1")
    write_package(tmp_path, "duckdb")
    assert not stale.exists() and own.exists()
    assert (tmp_path / "models/marts/braze_currents__email_funnel.sql").exists()


@pytest.fixture
def sql_of(monkeypatch):
    """Make the dbt tests read a given SQL as the catalogue query's assembled tree."""
    from looker_braze.currents.dbt import tests as dbt_tests

    def use(sql: str) -> None:
        tree = sqlglot.parse_one(sql, read="duckdb")
        monkeypatch.setattr(dbt_tests, "assemble", lambda name: tree.copy())
        dbt_tests._qualified.cache_clear()

    yield use
    dbt_tests._qualified.cache_clear()


def test_a_deduplicating_staging_model_gets_its_id_tested(sql_of):
    from looker_braze.currents.dbt.tests import event_id_columns

    sql_of(
        "WITH d AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY ID ORDER BY TIME) AS rn "
        "FROM USERS_MESSAGES_EMAIL_SEND) SELECT * EXCLUDE (rn) FROM d WHERE rn = 1"
    )
    assert event_id_columns("any") == ["ID"]
    sql_of("SELECT COALESCE(ID, USER_ID) AS id FROM USERS_MESSAGES_EMAIL_SEND")
    assert event_id_columns("any") == []  # not the id passed through unchanged


def test_only_keys_that_can_never_be_null_get_not_null(sql_of):
    from looker_braze.currents.dbt.tests import never_null_keys

    sql_of(
        "SELECT s.USER_ID AS user_id, o.USER_AGENT AS agent, s.CAMPAIGN_NAME AS campaign, "
        "COALESCE(o.ID, 'none') AS open_id, COUNT(*) AS n "
        "FROM USERS_MESSAGES_EMAIL_SEND AS s LEFT JOIN USERS_MESSAGES_EMAIL_OPEN AS o "
        "ON o.ID = s.ID GROUP BY s.USER_ID, o.USER_AGENT, s.CAMPAIGN_NAME, open_id ORDER BY n"
    )
    # USER_ID is not nullable in the writer schema; USER_AGENT is on the outer side of the join;
    # CAMPAIGN_NAME is nullable; COALESCE with a literal and COUNT never are.
    assert never_null_keys("any") == ["user_id", "open_id", "n"]
