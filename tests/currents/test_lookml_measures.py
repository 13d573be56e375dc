"""The LookML measures the block has and the dashboards show, run on PostgreSQL as Looker would
run them over one view's table, against hand counts on a small world and against the models:
unique opens and clicks (one per (message, recipient)), machine opens and bot clicks left out
and counted beside (the machine_events parameter puts them back), the block's totals per send,
distinct delivered addresses, push delivery and unique open rates, the in-app click rate,
distinct session ids on FirstSession and SessionEnd; and the push pressure views filtered by
platform against the models' `platform` parameter."""

from __future__ import annotations

import re

import lkml
import pytest

from looker_braze.currents.lookml import write_lookml
from looker_braze.currents.models import run
from looker_braze.currents.schemas import EVENT_TYPES
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_support import (
    CLICK,
    FIRST,
    OPEN,
    PUSH_SEND,
    create_tables,
    email,
    epoch,
    message,
    push,
    scenario,
)

IMPRESSION = "users.messages.inappmessage.Impression"
IN_APP_CLICK = "users.messages.inappmessage.Click"
END = "users.behaviors.app.SessionEnd"
AGGREGATES = {"count_distinct": "COUNT(DISTINCT {})", "sum": "SUM({})", "average": "AVG({})"}


def world() -> dict[str, list[dict]]:
    """scenario() (see test_models_support) plus: b@x makes a machine open and a suspected bot
    click of Spring V1; u2 gets PushB on android (delivered, opened three times); in-app message
    IAM1 seen by u1 (twice) and u2, clicked by u1 (twice), IAM2 seen by u1; u1 and u2's first
    sessions end (u1's end arrives twice, under two event ids). Campaign events carry a
    canvas_step_id too, as in Braze's samples (a variation count plus a step count would count
    each of their opens twice)."""
    events = scenario()
    spring1, t = message("Spring", "V1", send_id="S1"), epoch
    events[OPEN].append(email("b@x", t("2024-01-02 16:30"), machine_open="true", **spring1))
    bot = email("b@x", t("2024-01-02 16:31"), is_suspected_bot_click=True, **spring1)
    events[CLICK].append(bot)
    push_b = message("PushB", "PV2")
    android = {**push("u2", t("2024-01-05 14:00"), **push_b), "platform": "android"}
    events[PUSH_SEND].append(android)
    events["users.messages.pushnotification.Open"] += [
        {**android, "time": android["time"] + 60 * k} for k in (1, 2, 3)
    ]
    iam1, iam2 = message("IAM", "IV1"), message("IAM", "IV2")
    at = t("2024-01-03 10:00")
    events[IMPRESSION] = [
        push("u1", at, **iam1),
        push("u1", at + 60, **iam1),
        push("u2", at, **iam1),
        push("u1", at, **iam2),
    ]
    events[IN_APP_CLICK] = [push("u1", at + 10, **iam1), push("u1", at + 70, **iam1)]
    for rows in events.values():  # Braze's samples fill both ids on every message event
        for row in rows:
            if row.get("message_variation_id") and not row.get("canvas_id"):
                row["canvas_step_id"] = f"step-of-{row['message_variation_id']}"
    first_u1, first_u2 = events[FIRST][0], events[FIRST][1]
    events[END] = [
        {**first_u1, "time": first_u1["time"] + 60, "duration": 60.0},
        {**first_u1, "time": first_u1["time"] + 60, "duration": 60.0},
        {**first_u2, "time": first_u2["time"] + 120, "duration": 120.0},
    ]
    return events


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookml") / "postgres"
    write_lookml(root, "postgres")
    views = {}
    for path in (root / "views").iterdir():
        [view] = lkml.load(path.read_text())["views"]
        views[view["name"]] = view
    return views


@pytest.fixture
def warehouse(pg_schema):
    url, schema = pg_schema
    with connect(f"{url}?schema={schema}") as warehouse:
        events = world()
        # every Currents table exists, as Looker's derived tables read them (some empty)
        create_tables(warehouse, {**{e: [] for e in EVENT_TYPES if e not in events}, **events})
        yield warehouse


def _liquid(sql: str, machine_events: str) -> str:
    return sql.replace("{% parameter machine_events %}", f"'{machine_events}'")


def measure_sql(views: dict, view: str, name: str, machine_events: str = "exclude") -> str:
    """Scalar SQL of a measure over its view's whole table, as Looker computes it with no
    filter and no join; a number measure's references are measures of their own views."""
    [measure] = [m for m in views[view]["measures"] if m["name"] == name]
    sql = _liquid(measure.get("sql", ""), machine_events)
    if measure["type"] == "number":

        def referenced(match: re.Match) -> str:
            other, _, field = match.group(1).rpartition(".")
            return f"({measure_sql(views, other or view, field, machine_events)})"

        return "SELECT " + re.sub(r"\$\{([\w.]+)\}", referenced, sql)
    table = views[view]["sql_table_name"]
    aggregate = AGGREGATES[measure["type"]].format(sql.replace("${TABLE}", "t"))
    return f"SELECT {aggregate} FROM {table} AS t"


def value(warehouse, views, view, name, machine_events="exclude"):
    _, [[result]] = warehouse.query(measure_sql(views, view, name, machine_events))
    return float(result) if result is not None and not isinstance(result, int) else result


def test_email_engagement_leaves_machine_events_out_and_counts_them_beside(project, warehouse):
    open_, click = "users_messages_email_open", "users_messages_email_click"
    measured = {
        machine: {
            name: value(warehouse, project, view, name, machine)
            for view, names in (
                (open_, ("total_opens", "unique_opens", "machine_opens", "opens_per_send")),
                (click, ("total_clicks", "unique_clicks", "bot_clicks", "clicks_per_send")),
                ("users_messages_email_delivery", ("delivered_addresses",)),
            )
            for name in names
        }
        for machine in ("exclude", "include")
    }
    # by hand: a's opens of V1 (2), V2, ST1 and one without a message: 5 events, 3 pairs (the
    # one without a message has no pair); b's machine open is left out, then put back
    assert measured["exclude"] == {
        "total_opens": 5,
        "unique_opens": 3,
        "machine_opens": 1,
        "opens_per_send": pytest.approx(5 / 7),
        "total_clicks": 1,
        "unique_clicks": 1,
        "bot_clicks": 1,
        "clicks_per_send": pytest.approx(1 / 7),
        "delivered_addresses": 3,
    }
    assert measured["include"] == {
        **measured["exclude"],
        "total_opens": 6,
        "unique_opens": 4,
        "opens_per_send": pytest.approx(6 / 7),
        "total_clicks": 2,
        "unique_clicks": 2,
        "clicks_per_send": pytest.approx(2 / 7),
    }
    for machine in ("exclude", "include"):
        [funnel] = run(warehouse, "email_funnel", {"machine_events": machine}).records()
        assert {k: funnel[k] for k in measured[machine]} == measured[machine]


def test_push_rates_are_unique_and_delivery_is_sent_minus_bounced(project, warehouse):
    bounce, open_ = "users_messages_pushnotification_bounce", "users_messages_pushnotification_open"
    measured = {
        "pushes_delivered": value(warehouse, project, bounce, "pushes_delivered"),
        "push_delivery_rate": value(warehouse, project, bounce, "push_delivery_rate"),
        "push_opens": value(warehouse, project, open_, "push_opens"),
        "unique_opens": value(warehouse, project, open_, "unique_opens"),
        "push_unique_open_rate": value(warehouse, project, open_, "push_unique_open_rate"),
    }
    # by hand: 5 sends, 1 bounce; 6 open events (u2's android PushB three times) of 3 (user,
    # message) pairs: the block's opens / delivered would be 150%
    assert measured == {
        "pushes_delivered": 4,
        "push_delivery_rate": pytest.approx(4 / 5),
        "push_opens": 6,
        "unique_opens": 3,
        "push_unique_open_rate": pytest.approx(3 / 4),
    }
    [funnel] = run(warehouse, "push_funnel").records()
    assert (funnel["delivered"], funnel["opens"], funnel["unique_opens"]) == (4, 6, 3)
    assert funnel["delivery_rate"] == pytest.approx(measured["push_delivery_rate"])
    assert funnel["unique_open_rate"] == pytest.approx(measured["push_unique_open_rate"])


def test_in_app_click_rate_and_session_ids(project, warehouse):
    click = "users_messages_inappmessage_click"
    rate = value(warehouse, project, click, "in_app_click_rate")
    # by hand: (IAM1, u1), (IAM1, u2), (IAM2, u1) seen; (IAM1, u1) clicked
    assert rate == pytest.approx(1 / 3)
    [funnel] = run(warehouse, "in_app_funnel").records()
    assert funnel["in_app_click_rate"] == pytest.approx(rate)
    first = value(warehouse, project, "users_behaviors_app_firstsession", "sessions")
    ends = value(warehouse, project, "users_behaviors_app_sessionend", "sessions")
    length = value(warehouse, project, "users_behaviors_app_sessionend", "average_duration")
    assert (first, ends, length) == (3, 2, pytest.approx(80.0))  # u1's end twice: one session
    [sessions] = run(warehouse, "app_sessions").records()
    assert (sessions["first_sessions"], sessions["ended_sessions"]) == (first, ends)
    assert sessions["average_duration"] == pytest.approx(length)


def _derived(views: dict, view: str, granularity: str = "day") -> str:
    """The derived table's SQL as Looker sends it with no filter set, in New York time."""
    sql = views[view]["derived_table"]["sql"]
    sql = re.sub(r"\{% condition \w+ %\}.*?\{% endcondition %\}", "TRUE", sql, flags=re.S)
    sql = sql.replace("{% parameter date_granularity %}", f"'{granularity}'")
    sql = sql.replace("{{ _query._query_timezone }}", "America/New_York")
    return re.sub(r"\$\{(\w+)\.SQL_TABLE_NAME\}", lambda m: f'"{m.group(1).upper()}"', sql)


@pytest.mark.parametrize("platform", [None, "ios", "android"])
def test_push_pressure_views_filter_by_platform_as_the_models_do(project, warehouse, platform):
    where = f"WHERE platform = '{platform}'" if platform else ""
    params = {"platform": platform} if platform else {}
    sends = _derived(project, "push_messaging_send_cadence")
    _, rows = warehouse.query(
        f"SELECT send_rank, COUNT(DISTINCT send_id), SUM(bounced), COUNT(DISTINCT CASE WHEN "
        f"bounced = 1 THEN recipient END) FROM ({sends}) AS t {where} GROUP BY 1 ORDER BY 1"
    )
    expected = run(warehouse, "push_send_cadence", params).records()
    assert [tuple(r) for r in rows] == [
        (r["send_rank"], r["sends"], r["bounces"], r["bounced_recipients"]) for r in expected
    ]
    cadence = _derived(project, "push_messaging_cadence")
    _, rows = warehouse.query(
        f"SELECT delivery_rank, COUNT(*), SUM(opened) FROM ({cadence}) AS t {where} "
        "GROUP BY 1 ORDER BY 1"
    )
    expected = run(warehouse, "push_cadence_by_rank", params).records()
    assert [tuple(r) for r in rows] == [
        (r["delivery_rank"], r["deliveries"], r["unique_opens"]) for r in expected
    ]
    frequency = _derived(project, "push_messaging_frequency")
    _, rows = warehouse.query(
        f"SELECT frequency, COUNT(*), SUM(opened) FROM ({frequency}) AS t {where} "
        "GROUP BY 1 ORDER BY 1"
    )
    expected = run(warehouse, "push_frequency", params).records()
    assert [tuple(r) for r in rows] == [
        (r["frequency"], r["deliveries"], r["unique_opens"]) for r in expected
    ]
    if platform == "android":  # u2's android push: rank 2 of u2's sends, one a day
        assert [tuple(r) for r in rows] == [(1, 1, 1)]


def test_push_send_cadence_counts_by_hand(warehouse):
    """u1: PushA then PushB; u2: PushA then PushB (android); u3: PushA, which bounced."""
    rows = [
        (r["send_rank"], r["sends"], r["bounces"], r["bounced_recipients"])
        for r in run(warehouse, "push_send_cadence").records()
    ]
    assert rows == [(1, 3, 1, 1), (2, 2, 0, 0)]
