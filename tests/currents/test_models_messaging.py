"""SMS, WhatsApp, RCS and LINE: the messaging models recover the generator's truth on DuckDB and
PostgreSQL (the same generated files loaded into each), count suspected bot clicks beside
engagement, keep one row per channel, and the LookML view counts what the models count.

Tolerances as in test_models_truth.py: within 5 standard errors of the configured share, plus
0.002 for what sampling does not cover."""

from __future__ import annotations

import re
import uuid

import lkml
import psycopg
import pytest

from looker_braze.currents.load import load
from looker_braze.currents.lookml import write_lookml
from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import create_tables
from tests.currents.test_models_truth import assert_recovers

CHANNELS = ("sms", "whatsapp", "rcs", "line")


@pytest.fixture(scope="module")
def postgres_currents(generated_currents, postgres_url):
    """The generated files loaded into a PostgreSQL schema of this module's."""
    schema = f"t_messaging_{uuid.uuid4().hex[:8]}"
    url = f"{postgres_url}?schema={schema}"
    report = load(generated_currents[0], url)
    assert not report.failed, report.failed
    yield url
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request, currents_duckdb):
    if request.param == "duckdb":
        target = currents_duckdb
    else:
        target = request.getfixturevalue("postgres_currents")
    with connect(target, read_only=request.param == "duckdb") as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def config(generated_currents):
    return generated_currents[1]


def funnel(warehouse, channel: str, **params) -> dict:
    [row] = run(warehouse, "messaging_funnel", {"channel": channel, **params}).records()
    assert row["channel"] == channel
    return row


def _raw(warehouse, sql: str):
    _, [(value,)] = warehouse.query(sql)
    warehouse.commit()
    return value


def _per_send(row: dict, measured: str, p: float, what: str) -> None:
    assert_recovers(row[measured] / row["sent"], p, row["sent"], what)


def test_sms_recovers_its_truth(warehouse, config):
    truth, row = config["sms"], funnel(warehouse, "sms")
    rejected = truth["rejection_rate"]
    handed = 1 - rejected
    assert_recovers(row["rejection_rate"], rejected, row["sent"], "SMS rejections")
    _per_send(row, "carrier_sent", handed, "SMS carrier sends")
    assert_recovers(
        row["delivery_rate"], handed * truth["delivery_rate"], row["sent"], "SMS deliveries"
    )
    assert_recovers(
        row["failure_rate"], handed * (1 - truth["delivery_rate"]), row["sent"], "SMS failures"
    )
    assert row["carrier_sent"] + row["rejections"] == row["sent"]
    assert row["delivered"] + row["failures"] == row["carrier_sent"]
    delivered = row["delivered"]
    assert row["engagement_base"] == delivered
    assert_recovers(row["unique_click_rate"], truth["click_rate"], delivered, "SMS clicks")
    reply = (1 - truth["opt_out_rate"]) * truth["reply_rate"]
    assert_recovers(row["reply_rate"], reply, delivered, "SMS replies")
    # opt-outs: the generator's rate is per delivery, so its truth is in the event count; the
    # rate counts users (one may opt out of two messages)
    assert_recovers(
        row["opt_out_events"] / delivered, truth["opt_out_rate"], delivered, "SMS opt-outs"
    )
    assert 0 < row["opt_outs"] <= row["opt_out_events"]
    assert row["unique_reads"] is None and row["unique_read_rate"] is None  # SMS has no reads
    _per_send(row, "retries", truth["retry_rate"], "SMS retries")
    _per_send(row, "aborts", truth["abort_rate"], "SMS aborts")


def test_whatsapp_recovers_its_truth(warehouse, config):
    truth, row = config["whatsapp"], funnel(warehouse, "whatsapp")
    assert_recovers(row["delivery_rate"], truth["delivery_rate"], row["sent"], "WA deliveries")
    assert_recovers(row["failure_rate"], 1 - truth["delivery_rate"], row["sent"], "WA failures")
    assert row["rejections"] == row["carrier_sent"] == 0  # WhatsApp has neither event
    delivered = row["delivered"]
    assert_recovers(row["unique_read_rate"], truth["read_rate"], delivered, "WA reads")
    assert_recovers(row["unique_click_rate"], truth["click_rate"], delivered, "WA clicks")
    reply = (1 - truth["opt_out_rate"]) * truth["reply_rate"]
    assert_recovers(row["reply_rate"], reply, delivered, "WA replies")
    assert row["bot_clicks"] == 0  # WhatsApp clicks carry no bot flag
    _per_send(row, "retries", truth["retry_rate"], "WA retries")
    _per_send(row, "aborts", truth["abort_rate"], "WA aborts")


def test_rcs_recovers_its_truth(warehouse, config):
    truth, row = config["rcs"], funnel(warehouse, "rcs")
    assert_recovers(row["rejection_rate"], truth["rejection_rate"], row["sent"], "RCS rejections")
    delivered_share = (1 - truth["rejection_rate"]) * truth["delivery_rate"]
    assert_recovers(row["delivery_rate"], delivered_share, row["sent"], "RCS deliveries")
    delivered = row["delivered"]
    assert_recovers(row["unique_read_rate"], truth["read_rate"], delivered, "RCS reads")
    assert_recovers(row["unique_click_rate"], truth["click_rate"], delivered, "RCS clicks")
    reply = (1 - truth["opt_out_rate"]) * truth["reply_rate"]
    assert_recovers(row["reply_rate"], reply, delivered, "RCS replies")
    assert row["retries"] == 0  # RCS has no retry event
    _per_send(row, "aborts", truth["abort_rate"], "RCS aborts")


def test_line_rates_are_per_send(warehouse, config):
    """LINE reports no delivery: no delivered count, and clicks and replies per send."""
    truth, row = config["line"], funnel(warehouse, "line")
    assert row["delivered"] is None and row["delivery_rate"] is None
    assert row["engagement_base"] == row["sent"] > 0
    assert_recovers(row["unique_click_rate"], truth["click_rate"], row["sent"], "LINE clicks")
    assert_recovers(row["reply_rate"], truth["reply_rate"], row["sent"], "LINE replies")
    _per_send(row, "retries", truth["retry_rate"], "LINE retries")
    _per_send(row, "aborts", truth["abort_rate"], "LINE aborts")


@pytest.mark.parametrize(
    ("channel", "table"),
    [("sms", "USERS_MESSAGES_SMS_SHORTLINKCLICK"), ("rcs", "USERS_MESSAGES_RCS_CLICK")],
)
def test_bot_clicks_are_left_out_counted_beside_and_put_back(warehouse, config, channel, table):
    """Checked against the raw click rows (read here without the models)."""
    flagged = f'FROM "{table}" WHERE "IS_SUSPECTED_BOT_CLICK"'
    clicks = _raw(warehouse, f'SELECT COUNT(*) FROM "{table}"')
    bots = _raw(warehouse, f"SELECT COUNT(*) {flagged}")
    default, everything = funnel(warehouse, channel), funnel(warehouse, channel, machine_events=1)
    assert default["bot_clicks"] == everything["bot_clicks"] == bots > 0
    assert (default["total_clicks"], everything["total_clicks"]) == (clicks - bots, clicks)
    assert_recovers(bots / clicks, config[channel]["bot_click_share"], clicks, "bot share")
    # bots follow links people clicked: the unique clicks only grow by clicks on messages no
    # person clicked, which the generator never makes
    assert everything["unique_clicks"] == default["unique_clicks"]


def test_weeks_and_messages_add_up_to_the_funnel(warehouse):
    funnels = {row["channel"]: row for row in run(warehouse, "messaging_funnel").records()}
    assert list(funnels) == list(CHANNELS)  # one row per channel, in the dashboards' order
    weeks = run(warehouse, "messaging_by_week").records()
    messages = run(warehouse, "messaging_by_message").records()
    for channel, row in funnels.items():
        for rows in (weeks, messages):
            mine = [r for r in rows if r["channel"] == channel]
            for key in ("sent", "unique_clicks", "bot_clicks", "unique_replies"):
                assert sum(r[key] for r in mine) == row[key], (channel, key)
            if row["delivered"] is not None:
                assert sum(r["delivered"] for r in mine) == row["delivered"]
    names = {r["message_name"] for r in messages if r["channel"] == "sms"}
    assert names == {"SMS Campaign 1", "SMS Campaign 2"}


def test_the_channel_parameter_narrows_every_model(warehouse):
    for model in ("messaging_by_week", "messaging_by_message"):
        rows = run(warehouse, model, {"channel": "rcs"}).records()
        assert rows and {r["channel"] for r in rows} == {"rcs"}


def test_the_lookml_view_counts_what_the_models_count(tmp_path, postgres_currents):
    """The messaging_events view's derived table, run on PostgreSQL as Looker would (its time
    zone and the machine_events parameter filled in), aggregated with the view's measures'
    definitions, gives the funnel's figures."""
    write_lookml(tmp_path, "postgres")
    [view] = lkml.load((tmp_path / "views/messaging_events.view.lkml").read_text())["views"]
    sql = view["derived_table"]["sql"].replace("{{ _query._query_timezone }}", "UTC")
    sql = sql.replace("{% parameter machine_events %}", "'exclude'")
    sql = _tables(sql)
    with connect(postgres_currents) as warehouse:
        _, rows = warehouse.query(
            "SELECT channel, COUNT(DISTINCT CASE WHEN event_type = 'Send' THEN event_id END), "
            "COUNT(DISTINCT CASE WHEN event_type = 'Click' AND engaged = 1 THEN pair END), "
            "COUNT(DISTINCT CASE WHEN is_base = 1 THEN event_id END) "
            f"FROM ({sql}) AS t GROUP BY channel ORDER BY channel"
        )
        warehouse.commit()
        expected = run(warehouse, "messaging_funnel").records()
    got = {channel: tuple(counts) for channel, *counts in rows}
    assert got == {
        r["channel"]: (r["sent"], r["unique_clicks"], r["engagement_base"]) for r in expected
    }


def _tables(sql: str) -> str:
    """`${users_messages_sms_send.SQL_TABLE_NAME}` -> the loaded table, as Looker resolves it."""
    return re.sub(r"\$\{(\w+)\.SQL_TABLE_NAME\}", lambda m: f'"{m.group(1).upper()}"', sql)


def test_an_empty_warehouse_still_has_a_row_per_channel(tmp_path):
    with connect(tmp_path / "empty.duckdb") as warehouse:
        rows = run(warehouse, "messaging_funnel").records()
    assert [r["channel"] for r in rows] == list(CHANNELS)
    assert all(r["sent"] == 0 and r["unique_click_rate"] is None for r in rows)


def test_staging_drops_duplicates_and_reads_an_absent_bot_flag_as_none(tmp_path):
    """Another loader's tables: a send delivered twice (same id), and a click table of a schema
    without is_suspected_bot_click."""
    sms = "users.messages.sms."
    who = {"user_id": "u1", "to_phone_number": "+1555", "time": 1_704_100_000}
    ids = {"campaign_id": "c1", "campaign_name": "Spring", "message_variation_id": "v1"}
    with connect(tmp_path / "w.duckdb") as warehouse:
        create_tables(
            warehouse,
            {
                sms + "Send": [{"id": "s1", **who, **ids}, {"id": "s1", **who, **ids}],
                sms + "Delivery": [{"id": "d1", **who, **ids}],
            },
        )
        warehouse.execute(
            'CREATE TABLE "USERS_MESSAGES_SMS_SHORTLINKCLICK" ("ID" VARCHAR, "USER_ID" VARCHAR, '
            '"TIME" BIGINT, "CAMPAIGN_ID" VARCHAR, "CAMPAIGN_NAME" VARCHAR, '
            '"MESSAGE_VARIATION_ID" VARCHAR)'
        )
        for n in range(2):
            warehouse.execute(
                'INSERT INTO "USERS_MESSAGES_SMS_SHORTLINKCLICK" VALUES (?, ?, ?, ?, ?, ?)',
                [f"k{n}", "u1", 1_704_100_100 + n, "c1", "Spring", "v1"],
            )
        row = funnel(warehouse, "sms")
    assert (row["sent"], row["delivered"], row["delivery_rate"]) == (1, 1, 1.0)
    assert (row["total_clicks"], row["unique_clicks"], row["bot_clicks"]) == (2, 1, 0)
    assert row["unique_click_rate"] == 1.0


def test_report_sections_show_the_models_rates_over_the_bases_they_name(tmp_path):
    """SMS: 4 sent, 1 rejected, 3 delivered, 2 of them clicked (one also by a bot): click rate
    2 / 3 of delivered, on the card and the funnel bar alike; LINE: 2 sent, 1 clicked, 50%
    of sent."""
    from looker_braze.currents.report.queries import run_queries
    from looker_braze.currents.report.sections import build_sections

    sms, line = "users.messages.sms.", "users.messages.line."
    ids = {"campaign_id": "c1", "campaign_name": "Spring", "message_variation_id": "v1"}

    def event(n: int, user: str, minute: int = 0, **extra) -> dict:
        return {"id": f"e{n}", "user_id": user, "time": 1_704_200_000 + minute * 60, **ids, **extra}

    users = ("u1", "u2", "u3", "u4")
    with connect(tmp_path / "w.duckdb") as warehouse:
        create_tables(
            warehouse,
            {
                sms + "Send": [event(n, u) for n, u in enumerate(users)],
                sms + "Rejection": [event(10, "u4", 1)],
                sms + "Delivery": [event(20 + n, u, 2) for n, u in enumerate(users[:3])],
                sms + "ShortLinkClick": [
                    event(30, "u1", 3),
                    event(31, "u2", 3),
                    event(32, "u2", 4, is_suspected_bot_click=True),
                ],
                line + "Send": [event(40, "u1"), event(41, "u2")],
                line + "Click": [event(42, "u1", 3)],
            },
        )
        sections = {s.id: s for s in build_sections(run_queries(warehouse))}
    sms_cards = dict(sections["sms-messaging"].kpis)
    assert sms_cards["Messages sent"] == "4"
    assert sms_cards["Delivery rate (of sent)"] == "75.0%"
    assert sms_cards["Click rate (of delivered)"] == "66.7%"
    assert sms_cards["Rejection rate (of sent)"] == "25.0%"
    assert sms_cards["Suspected bot clicks"] == "1"
    [(_, sms_funnel), _weekly] = sections["sms-messaging"].charts
    assert any("66.7% of delivered" in text for text in sms_funnel.texts), sms_funnel.texts
    line_cards = dict(sections["line-messaging"].kpis)
    assert line_cards["Click rate (of sent)"] == "50.0%"
    assert "Delivery rate (of sent)" not in line_cards  # LINE reports no delivery
    assert "Read rate (of sent)" not in line_cards
