"""`currents run` and `currents report` on a PostgreSQL schema that does not exist: refused with
one line naming the schema and how to load it (never created, never a report of zeros);
`currents load` still creates it."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from typer.testing import CliRunner

from looker_braze.cli import app

pytestmark = pytest.mark.services


def schema_exists(url: str, schema: str) -> bool:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        return found.fetchone() is not None


@pytest.fixture
def missing(postgres_url):
    schema = f"t_missing_{uuid.uuid4().hex[:10]}"
    yield postgres_url, schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize(
    "command", [["run", "email_funnel"], ["report", "--out", "REPORT"]], ids=["run", "report"]
)
def test_readers_refuse_a_schema_that_does_not_exist(missing, tmp_path, command):
    url, schema = missing
    report = tmp_path / "report.html"
    args = [str(report) if a == "REPORT" else a for a in command]
    result = CliRunner().invoke(app, ["currents", *args, "--db", f"{url}?schema={schema}"])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"looker-braze currents {command[0]}: ")
    assert f"the schema '{schema}' does not exist" in line and "looker-braze currents load" in line
    assert not schema_exists(url, schema) and not report.exists()


def test_load_still_creates_its_schema(missing, generated_currents):
    url, schema = missing
    result = CliRunner().invoke(
        app, ["currents", "load", str(generated_currents[0]), "--db", f"{url}?schema={schema}",
              "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert schema_exists(url, schema)
    ran = CliRunner().invoke(
        app, ["currents", "run", "email_funnel", "--db", f"{url}?schema={schema}", "--format",
              "json"],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
