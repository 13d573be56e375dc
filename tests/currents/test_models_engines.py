"""Every model gives the same result on DuckDB and PostgreSQL for the same loaded files, and
renders for every engine it is transpiled to."""

from __future__ import annotations

import math
import uuid

import psycopg
import pytest
import sqlglot

from looker_braze.currents.models import DIALECTS, MODELS, accepted_params, render, run
from looker_braze.currents.warehouse import connect
from tests.currents.conftest import load_with_audience

# Parameter sets that exercise the filters and zones on top of the defaults.
VARIANTS = [
    {},
    {"timezone": "UTC", "start": "2024-01-05", "end": "2024-01-15"},
    {"campaign_name": "Email Campaign 2", "granularity": "week"},
    {"canvas_name": "Onboarding Canvas", "granularity": "month", "limit": "3"},
    {"timezone": "Asia/Kolkata", "days": "10", "weeks": "2"},
    {"machine_events": "include", "platform": "ios", "granularity": "week"},
]


@pytest.fixture(scope="module")
def both_engines(generated_currents, currents_duckdb, postgres_url):
    """(DuckDB, PostgreSQL) warehouses holding the same generated files."""
    schema = f"t_engines_{uuid.uuid4().hex[:8]}"
    url = f"{postgres_url}?schema={schema}"
    report = load_with_audience(generated_currents[0], url)
    assert not report.failed, report.failed
    duck, pg = connect(currents_duckdb, read_only=True), connect(url)
    yield duck, pg
    duck.close()
    pg.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize("name", list(MODELS))
def test_duckdb_and_postgres_agree(both_engines, name):
    duck, pg = both_engines
    for variant in VARIANTS:
        given = {k: v for k, v in variant.items() if k in accepted_params(name)}
        left, right = run(duck, name, given), run(pg, name, given)
        assert left.columns == right.columns
        assert len(left.rows) == len(right.rows), (name, given)
        for row_l, row_r in zip(left.rows, right.rows, strict=True):
            assert all(_same(a, b) for a, b in zip(row_l, row_r, strict=True)), (
                name,
                given,
                row_l,
                row_r,
            )
    assert run(duck, name).rows, f"{name} is empty on the generated data set"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_model_renders_and_reparses(dialect):
    for name in MODELS:
        sql = render(
            name,
            dialect,
            {"campaign_name": "It's"} if "campaign_name" in accepted_params(name) else {},
        )
        sqlglot.parse_one(sql, read=dialect)  # what we write, that engine's parser reads
        assert ":" + "timezone" not in sql and "param_match" not in sql.lower()


def _squeezed(name: str, dialect: str) -> str:
    return "".join(render(name, dialect).split())


def test_engine_traps_are_fixed_per_dialect():
    snowflake = _squeezed("retention_daily_cohorts", "snowflake")
    assert "CONVERT_TIMEZONE('UTC','America/New_York'" in snowflake
    assert "ATTIMEZONE" not in snowflake
    redshift = _squeezed("email_engagement_by_hour", "redshift")
    assert "CONVERT_TIMEZONE('UTC','America/New_York'" in redshift
    assert "ATTIMEZONE" not in redshift
    bigquery = render("retention_weekly_cohorts", "bigquery")
    assert "WEEK(MONDAY)" in bigquery and "TIMESTAMP_SECONDS" in bigquery
    for dialect in DIALECTS:
        sql = render("email_funnel", dialect)
        assert "COUNT(DISTINCT" in sql and sql.count("COUNT(DISTINCT CASE") >= 4
    postgres = render("email_cadence_by_rank", "postgres")
    assert '"USERS_MESSAGES_EMAIL_DELIVERY"' in postgres  # quoted upper-case identifiers
