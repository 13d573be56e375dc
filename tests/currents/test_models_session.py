"""A Session computes shared fragments once (temporary tables) and gives exactly the results of
running each model on its own, on DuckDB and PostgreSQL; it leaves nothing behind."""

from __future__ import annotations

import pytest

from looker_braze.currents.models import run
from looker_braze.currents.models.session import Session
from looker_braze.currents.report.queries import dashboard_queries
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables, scenario


@pytest.fixture(params=["duckdb", "postgres"])
def world(request, tmp_path):
    if request.param == "duckdb":
        url = tmp_path / "w.duckdb"
    else:
        postgres, schema = request.getfixturevalue("pg_schema")
        url = f"{postgres}?schema={schema}"
    with connect(url) as warehouse:
        create_tables(warehouse, scenario())
        yield warehouse


def test_session_matches_single_runs_and_cleans_up(world):
    plan = [
        (model, {**fixed, "timezone": "UTC"} if model.startswith("retention") else fixed)
        for _, model, fixed in dashboard_queries()
    ]
    before = world.tables()
    with Session(world, plan) as session:
        together = [session.run(model, given) for model, given in plan]
        made = list(session.computed)
        assert not session.made  # each table went with its last planned reader
        again = session.run(*plan[0])  # unplanned: what it reads is made again
    assert len(made) >= 8  # attributed deliveries, cadence, messages, retention activity, ...
    assert len(set(made)) == len(made)  # none made twice while the plan ran
    assert again.rows == together[0].rows
    alone = [run(world, model, given) for model, given in plan]
    assert [r.rows for r in together] == [r.rows for r in alone]
    assert world.tables() == before
    _, rows = world.query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'lb\\_%' ESCAPE '\\'"
    )
    assert rows[0][0] == 0


def test_a_reader_caps_duckdb_memory_and_spills_away_from_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    with connect(path) as warehouse:
        create_tables(warehouse, scenario())
    with connect(path, read_only=True) as reader:
        _, rows = reader.query(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        )
    limit, spill = rows[0]
    assert limit == "488.2 MiB"  # 512 MB
    assert not spill.startswith(str(tmp_path))  # DuckDB's default: <file>.tmp beside it
    with connect(path) as writer:  # the loader keeps its own settings
        _, rows = writer.query("SELECT current_setting('memory_limit')")
    assert rows[0][0] != limit
