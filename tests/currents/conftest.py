"""Shared Currents fixtures: one generated data set (with its known truth) per test session, and
the same data loaded into a DuckDB file. Shared by the generate/load and the analytics tests."""

from __future__ import annotations

import json

import pytest

from looker_braze.currents.generate import CONFIG_FILE, GeneratorConfig, generate
from looker_braze.currents.load import load
from tests.currents.audience_fixture import export_fixture_audience

# A few thousand users over three weeks: enough for rates to be recovered within a few percent,
# small enough to generate in a few seconds. Small files so that files roll within an hour.
FIXTURE_CONFIG = {"seed": 11, "users": 3000, "days": 21, "events_per_file": 400}


@pytest.fixture(scope="session")
def generated_currents(tmp_path_factory):
    """(folder, config dict as written to currents-config.json) of a generated data set."""
    out = tmp_path_factory.mktemp("currents")
    generate(out, FIXTURE_CONFIG)
    return out, json.loads((out / CONFIG_FILE).read_text())


def load_with_audience(folder, warehouse_url):
    """Load the generated files, and export the fixture's Looker audience beside them."""
    report = load(folder, warehouse_url)
    config = GeneratorConfig.model_validate(FIXTURE_CONFIG)
    export_fixture_audience(
        warehouse_url, config.seed, config.users, config.start_date, config.days
    )
    return report


@pytest.fixture(scope="session")
def currents_duckdb(generated_currents, tmp_path_factory):
    """Path of a DuckDB file holding the generated data set, loaded once."""
    path = tmp_path_factory.mktemp("warehouse") / "currents.duckdb"
    report = load_with_audience(generated_currents[0], path)
    assert report.succeeded and not report.failed, report.failed
    return path


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def generated_warehouse(request, generated_currents, currents_duckdb):
    """The generated Currents, loaded: the session's DuckDB file (read-only), then a fresh
    PostgreSQL schema loaded for this test module and dropped after it."""
    import uuid

    import psycopg

    from looker_braze.currents.warehouse import connect

    if request.param == "duckdb":
        with connect(currents_duckdb, read_only=True) as duck:
            yield duck
        return
    postgres_url = request.getfixturevalue("postgres_url")
    schema = f"t_{request.module.__name__.rsplit('.', 1)[-1][:20]}_{uuid.uuid4().hex[:8]}"
    url = f"{postgres_url}?schema={schema}"
    report = load(generated_currents[0], url)
    assert not report.failed, report.failed
    try:
        with connect(url) as pg:
            yield pg
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
