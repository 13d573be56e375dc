"""`looker-braze currents run`: list, run in each format, print SQL, refuse bad input clearly."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from looker_braze.cli import app
from looker_braze.currents.models import MODELS
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables, scenario


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "world.duckdb"
    with connect(path) as warehouse:
        create_tables(warehouse, scenario())
    return str(path)


def invoke(*args: str):
    return CliRunner().invoke(app, ["currents", "run", *args])


def test_list_names_every_model_and_parameter():
    result = invoke("--list")
    assert result.exit_code == 0
    for name in MODELS:
        assert name in result.output
    assert "granularity" in result.output and "America/New_York" in result.output


def test_every_model_is_on_the_dashboards_that_read_it_and_nowhere_else():
    """The dashboards (currents/dashboards) are the one record of which dashboard shows which
    model: every catalogue model is read by some tile, every model a tile reads is in the
    catalogue, and --list files each model under the first dashboard reading it."""
    from looker_braze.currents.dashboards import DASHBOARDS, dashboards_of
    from looker_braze.currents.models import Query

    read = {m for board in DASHBOARDS for tile in board.tiles for m in (tile.model, *tile.context)}
    assert read == set(MODELS)
    assert all(dashboards_of(name) for name in MODELS)
    heading, listed = None, {}
    for line in invoke("--list").output.splitlines():
        if line and not line.startswith(" "):
            heading = line
        elif line.startswith("  ") and line.split()[0] in MODELS:
            listed[line.split()[0]] = heading
    assert listed == {name: dashboards_of(name)[0] for name in MODELS}
    with pytest.raises(TypeError, match="comes from the dashboard definitions"):
        Query("sms_funnel", "sms_funnel", "SMS funnel", "SMS")  # a catalogue entry of old


def test_json_and_csv(db):
    as_json = invoke("email_funnel", "--db", db, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    [row] = json.loads(as_json.output)
    assert (row["sent"], row["unique_opens"]) == (7, 3)
    as_csv = invoke("email_frequency", "--db", db, "--format", "csv", "-p", "granularity=week")
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [(r["frequency"], r["deliveries"]) for r in rows] == [("1", "3"), ("2", "2")]


def test_table_output(db):
    result = invoke("email_funnel_by_message", "--db", db)
    assert result.exit_code == 0 and "Spring" in result.output and "Welcome" in result.output


def test_sql_for_another_engine():
    result = invoke(
        "retention_weekly_cohorts", "--sql", "--dialect", "bigquery", "-p", "timezone=Europe/Paris"
    )
    assert result.exit_code == 0
    assert "WEEK(MONDAY)" in result.output and "'Europe/Paris'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name a model"),
        (("nope", "--db", "x.duckdb"), "no model named 'nope'"),
        (("email_funnel", "--db", "/nonexistent/w.duckdb"), "no DuckDB file"),
        (("email_funnel", "--format", "xml"), "--format 'xml'"),
        (("email_funnel", "-p", "start"), "name=value"),
        (("email_funnel", "--db", "postgresql://u:hunter2@127.0.0.1:9/x"), "u:***@127.0.0.1:9"),
    ],
)
def test_mistakes_say_what_to_fix(args, message):
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output
