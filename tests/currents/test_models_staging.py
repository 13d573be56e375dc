"""Staging: only staging models read raw Currents tables; each reads one event family and keeps
one row per event id; a column a loaded table lacks (an older schema version) reads as NULL."""

from __future__ import annotations

from importlib import resources

import pytest
import sqlglot
from sqlglot import exp

from looker_braze.currents.models import FRAGMENTS, MODELS, run
from looker_braze.currents.models.catalog import STAGING, STAGING_MODELS
from looker_braze.currents.models.macros import SOURCE_DIALECT
from looker_braze.currents.tables import RAW_TABLES
from looker_braze.currents.warehouse import connect

ALL = {**FRAGMENTS, **MODELS}


def _raw_tables_read(stem: str) -> set[str]:
    text = resources.files("looker_braze.currents.models").joinpath(f"sql/{stem}.sql").read_text()
    tree = sqlglot.parse_one(text, read=SOURCE_DIALECT)
    return {t.name.upper() for t in tree.find_all(exp.Table) if t.name.upper() in RAW_TABLES}


@pytest.mark.parametrize("name", sorted(n for n, q in ALL.items() if q.layer != STAGING))
def test_no_mart_reads_a_raw_table(name):
    assert _raw_tables_read(ALL[name].sql) == set(), f"{name} must read staging models"


@pytest.mark.parametrize("name", sorted(STAGING_MODELS))
def test_a_staging_model_reads_raw_tables_of_one_family(name):
    read = _raw_tables_read(STAGING_MODELS[name].sql)
    assert read, f"{name} reads no raw table"
    assert STAGING_MODELS[name].layer == STAGING


def test_every_raw_table_a_mart_uses_is_read_by_one_staging_model():
    owners: dict[str, list[str]] = {}
    for name, query in STAGING_MODELS.items():
        for table in _raw_tables_read(query.sql):
            owners.setdefault(table, []).append(name)
    assert all(len(names) == 1 for names in owners.values()), owners


def test_the_layer_is_checked():
    from looker_braze.currents.models.catalog import Query

    with pytest.raises(ValueError, match="layer"):
        Query("x", "x", "x", layer="marts")


def _event(table_id: str, **extra) -> dict:
    base = {
        "ID": table_id,
        "USER_ID": "u1",
        "EXTERNAL_USER_ID": None,
        "EMAIL_ADDRESS": "a@example.com",
        "TIME": 1_700_000_000,
        "TIMEZONE": None,
        "CAMPAIGN_ID": "c1",
        "CAMPAIGN_NAME": "Spring",
        "MESSAGE_VARIATION_ID": "v1",
        "CANVAS_ID": None,
        "CANVAS_NAME": None,
        "CANVAS_VARIATION_ID": None,
        "CANVAS_STEP_ID": None,
        "SEND_ID": None,
    }
    return {**base, **extra}


def _create(warehouse, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    kinds = {"TIME": "BIGINT"}
    spec = ", ".join(f'"{c}" {kinds.get(c, "VARCHAR")}' for c in columns)
    warehouse.execute(f'CREATE TABLE "{table}" ({spec})')
    marks = ", ".join("?" for _ in columns)
    for row in rows:
        warehouse.execute(f'INSERT INTO "{table}" VALUES ({marks})', list(row.values()))


def test_duplicates_are_dropped_and_absent_columns_read_as_null(tmp_path):
    """Tables written by another loader: a send delivered twice (same id), and an Open table
    from a 2018 schema (no MACHINE_OPEN column), a Click table without IS_SUSPECTED_BOT_CLICK."""
    with connect(tmp_path / "w.duckdb") as warehouse:
        _create(warehouse, "USERS_MESSAGES_EMAIL_SEND", [_event("s1"), _event("s1")])
        _create(warehouse, "USERS_MESSAGES_EMAIL_DELIVERY", [_event("d1", SENDING_IP="1.2.3.4")])
        _create(warehouse, "USERS_MESSAGES_EMAIL_OPEN", [_event("o1"), _event("o2")])
        _create(warehouse, "USERS_MESSAGES_EMAIL_CLICK", [_event("k1")])
        [funnel] = run(warehouse, "email_funnel").records()
    assert (funnel["sent"], funnel["delivered"]) == (1, 1)
    assert (funnel["total_opens"], funnel["unique_opens"], funnel["machine_opens"]) == (2, 1, 0)
    assert (funnel["total_clicks"], funnel["unique_clicks"], funnel["bot_clicks"]) == (1, 1, 0)


def test_any_machine_open_value_but_false_is_a_machine_open(tmp_path):
    """Braze's glossary: machine_open is "true" or null today and may later name the process that
    opened (Apple, Google ...): every non-empty value other than "false" is a machine open."""
    opens = [
        _event(f"o{n}", MACHINE_OPEN=value)
        for n, value in enumerate(["true", "Apple", "GOOGLE", None, "false", ""])
    ]
    with connect(tmp_path / "w.duckdb") as warehouse:
        _create(warehouse, "USERS_MESSAGES_EMAIL_SEND", [_event("s1")])
        _create(warehouse, "USERS_MESSAGES_EMAIL_DELIVERY", [_event("d1", SENDING_IP="1.2.3.4")])
        _create(warehouse, "USERS_MESSAGES_EMAIL_OPEN", opens)
        [funnel] = run(warehouse, "email_funnel").records()
    assert (funnel["total_opens"], funnel["machine_opens"]) == (3, 3)
