"""The in-product surfaces (in-app messages, content cards, banners), webhooks, feature flags
and live activities recover the truth the generator was configured with
(currents-config.json), on DuckDB and on PostgreSQL loaded from the same files.

Unique counts are (user, message) pairs, so the rates are the generator's per-message
probabilities; content cards are seen more than once, so their impressions exceed their unique
impressions and only the unique count recovers the impression and click rates. Tolerances as in
test_models_truth: 5 standard errors plus 0.002."""

from __future__ import annotations

import math
import re

import lkml
import pytest

from looker_braze.currents.lookml import validate_lookml, write_lookml
from looker_braze.currents.models import run
from looker_braze.currents.report import render_report
from looker_braze.currents.report.page import fmt
from looker_braze.currents.warehouse import connect
from tests.currents.test_models_truth import assert_recovers


@pytest.fixture(scope="module")
def warehouse(generated_warehouse):
    return generated_warehouse


@pytest.fixture(scope="module")
def config(generated_currents):
    return generated_currents[1]


def one(warehouse, model: str, **params) -> dict:
    [row] = run(warehouse, model, params).records()
    return row


def raw(warehouse, sql: str):
    _, [(value,)] = warehouse.query(sql)
    return value


def test_in_app_messages(warehouse, config):
    truth, funnel = config["in_app"], one(warehouse, "in_app_funnel")
    viewers = funnel["in_app_viewers"]
    assert_recovers(funnel["in_app_click_rate"], truth["click_rate"], viewers, "in-app clicks")
    impressions = funnel["in_app_impressions"]
    aborts = funnel["in_app_aborts"]
    assert_recovers(aborts / impressions, truth["abort_rate"], impressions, "in-app aborts")
    rows = run(warehouse, "in_app_by_message").records()
    assert {r["message_name"] for r in rows} == set(truth["campaigns"])
    for row in rows:
        what = f"in-app clicks, {row['message_name']}"
        assert_recovers(row["click_rate"], truth["click_rate"], row["unique_impressions"], what)
    _adds_up(rows, funnel, {"impressions": "in_app_impressions", "aborts": "in_app_aborts"})
    weeks = run(warehouse, "in_app_weekly").records()
    _adds_up(weeks, funnel, {"impressions": "in_app_impressions", "clicks": "in_app_clicks"})


def _adds_up(rows: list[dict], total: dict, columns: dict[str, str]) -> None:
    for column, total_column in columns.items():
        assert sum(r[column] for r in rows) == total[total_column] > 0, column


def test_content_cards_count_each_user_once_per_card(warehouse, config):
    truth, funnel = config["content_cards"], one(warehouse, "content_card_funnel")
    sent, seen = funnel["unique_sends"], funnel["unique_impressions"]
    assert funnel["sends"] == sent  # one send per (user, card)
    assert_recovers(funnel["impression_rate"], truth["impression_rate"], sent, "card views")
    assert_recovers(funnel["click_rate"], truth["click_rate"], seen, "card clicks")
    assert_recovers(funnel["dismiss_rate"], truth["dismiss_rate"], seen, "card dismissals")
    assert_recovers(funnel["aborts"] / sent, truth["abort_rate"], sent, "card aborts")
    # cards are seen again: the event count overshoots, the unique count does not
    repeats = funnel["impressions"] / seen - 1
    assert repeats == pytest.approx(truth["repeat_impressions"], abs=5 * math.sqrt(0.5 / seen))
    # as the raw rows say, with the message key of the staging models
    pair = '"USER_ID" || \'|\' || COALESCE("MESSAGE_VARIATION_ID", "CANVAS_STEP_ID")'
    table = '"USERS_MESSAGES_CONTENTCARD_IMPRESSION"'
    assert seen == raw(warehouse, f"SELECT COUNT(DISTINCT {pair}) FROM {table}")
    legacy = one(warehouse, "in_app_funnel")
    assert legacy["card_click_rate"] == pytest.approx(funnel["click_rate"])
    assert (legacy["card_sends"], legacy["card_dismissals"]) == (
        funnel["sends"],
        funnel["dismissals"],
    )
    rows = run(warehouse, "content_card_by_message").records()
    assert {r["message_name"] for r in rows} == set(truth["campaigns"])
    _adds_up(rows, funnel, {"unique_impressions": "unique_impressions", "sends": "sends"})


def test_banners(warehouse, config):
    truth, funnel = config["banners"], one(warehouse, "banner_funnel")
    seen = funnel["unique_impressions"]
    assert funnel["sends"] == 0 and funnel["impression_rate"] is None  # banners are not sent
    assert_recovers(funnel["click_rate"], truth["click_rate"], seen, "banner clicks")
    assert_recovers(funnel["dismiss_rate"], truth["dismiss_rate"], seen, "banner dismissals")
    impressions = funnel["impressions"]
    assert_recovers(funnel["aborts"] / impressions, truth["abort_rate"], impressions, "aborts")
    weeks = run(warehouse, "banner_weekly").records()
    _adds_up(weeks, funnel, {"impressions": "impressions", "dismissals": "dismissals"})


def test_webhooks(warehouse, config):
    truth, funnel = config["webhooks"], one(warehouse, "webhook_funnel")
    sent, failed = funnel["unique_sends"], funnel["failed_sends"]
    assert_recovers(funnel["failure_rate"], truth["failure_rate"], sent, "webhook failures")
    given_up = truth["failure_rate"] * truth["terminal_share"]
    assert_recovers(funnel["give_up_rate"], given_up, sent, "webhooks given up")
    assert funnel["retries"] == failed - funnel["given_up"]  # each non-terminal failure retried
    assert_recovers(funnel["aborts"] / sent, truth["abort_rate"], sent, "webhook aborts")
    statuses = run(warehouse, "webhook_failures_by_status").records()
    assert sum(r["failures"] for r in statuses) == funnel["failures"]
    assert sum(r["given_up"] for r in statuses) == funnel["given_up"] > 0
    rows = run(warehouse, "webhook_by_message").records()
    assert {r["message_name"] for r in rows} == set(truth["campaigns"])
    weeks = run(warehouse, "webhook_weekly").records()
    _adds_up(weeks, funnel, {"sends": "sends", "failures": "failures", "retries": "retries"})


def test_feature_flags_reach(warehouse, config):
    """Each user gets a Poisson number of impressions over the window, each of a flag drawn
    uniformly: P(exposed to a given flag) = 1 - exp(-mean / flags)."""
    truth, users = config["feature_flags"], config["users"]
    mean = truth["impressions_per_user_per_week"] * config["days"] / 7
    total = one(warehouse, "feature_flag_totals")
    assert abs(total["impressions"] - mean * users) <= 5 * math.sqrt(mean * users)
    reach = 1 - math.exp(-mean)
    assert_recovers(total["users_exposed"] / users, reach, users, "users exposed to a flag")
    rows = run(warehouse, "feature_flags_by_flag").records()
    assert {r["flag"] for r in rows} == set(truth["flags"])
    per_flag = 1 - math.exp(-mean / len(truth["flags"]))
    for row in rows:
        assert_recovers(row["users_exposed"] / users, per_flag, users, f"reach of {row['flag']}")
        assert row["impressions_per_user"] >= 1
    weeks = run(warehouse, "feature_flags_weekly").records()
    assert sum(r["impressions"] for r in weeks) == total["impressions"]
    assert {r["flag"] for r in weeks} == set(truth["flags"])


def test_live_activities(warehouse, config):
    truth, summary = config["live_activities"], one(warehouse, "live_activity_summary")
    activities = summary["activities"]
    assert summary["outcomes"] == summary["sends"] == activities > 0  # one outcome per send
    assert_recovers(summary["success_rate"], truth["success_rate"], activities, "successes")
    # one update token per activity, one push-to-start token per user who gets activities
    assert summary["update_token_changes"] == activities
    assert summary["push_to_start_tokens"] == summary["users"]
    outcomes = {r["outcome"]: r for r in run(warehouse, "live_activity_outcomes").records()}
    assert set(outcomes) == {"Success", "Failure"}
    assert outcomes["Success"]["outcome_rate"] == pytest.approx(summary["success_rate"])
    assert sum(r["outcomes"] for r in outcomes.values()) == summary["outcomes"]
    weeks = run(warehouse, "live_activity_weekly").records()
    assert sum(r["sends"] for r in weeks) == summary["sends"]
    assert sum(r["successful_activities"] for r in weeks) == summary["successful_activities"]


# --- Looker and the report show the same figures --------------------------------------------

# (LookML view, model, {view measure: model column}) of each dashboard's headline figures.
AGREEMENT = [
    (
        "in_app_message_events",
        "in_app_funnel",
        {
            "impressions": "in_app_impressions",
            "unique_impressions": "in_app_viewers",
            "unique_clicks": "in_app_clickers",
            "click_rate": "in_app_click_rate",
            "aborts": "in_app_aborts",
        },
    ),
    (
        "content_card_events",
        "content_card_funnel",
        {
            m: m
            for m in (
                "sends",
                "unique_sends",
                "impressions",
                "unique_impressions",
                "impression_rate",
                "unique_clicks",
                "click_rate",
                "dismissals",
                "dismiss_rate",
                "aborts",
            )
        },
    ),
    (
        "banner_events",
        "banner_funnel",
        {m: m for m in ("impressions", "unique_impressions", "click_rate", "dismiss_rate")},
    ),
    (
        "webhook_events",
        "webhook_funnel",
        {
            m: m
            for m in (
                "sends",
                "failures",
                "failed_sends",
                "failure_rate",
                "given_up",
                "give_up_rate",
                "retries",
                "aborts",
            )
        },
    ),
    (
        "feature_flag_events",
        "feature_flag_totals",
        {m: m for m in ("impressions", "users_exposed", "flags")},
    ),
    (
        "live_activity_events",
        "live_activity_summary",
        {
            m: m
            for m in (
                "sends",
                "activities",
                "outcomes",
                "successful_activities",
                "success_rate",
                "push_to_start_tokens",
                "update_token_changes",
            )
        },
    ),
]
_REF = re.compile(r"\$\{([^}]+)\}")


def _looker_sql(view: dict, measures: list[str]) -> str:
    """The query Looker writes for ``measures`` of ``view`` with no filter: the derived table
    as a subquery, every `${...}` replaced by what it names."""
    dimensions = {d["name"]: d["sql"] for d in view["dimensions"]}
    found = {m["name"]: m for m in view["measures"]}

    def resolve(sql: str) -> str:
        def one(match: re.Match) -> str:
            ref = match.group(1)
            if ref == "TABLE":
                return "t"
            return f"({resolve(dimensions[ref])})" if ref in dimensions else f"({measure(ref)})"

        return _REF.sub(one, sql)

    def measure(name: str) -> str:
        kind, sql = found[name]["type"], resolve(found[name]["sql"])
        return {"count_distinct": f"COUNT(DISTINCT {sql})", "number": sql}[kind]

    derived = re.sub(
        r"\$\{(\w+)\.SQL_TABLE_NAME\}",
        lambda m: f'"{m.group(1).upper()}"',
        view["derived_table"]["sql"],
    )
    return f"SELECT {', '.join(measure(m) for m in measures)} FROM ({derived}) AS t"


@pytest.fixture(scope="module")
def postgres_lookml(tmp_path_factory):
    root = tmp_path_factory.mktemp("lookml")
    write_lookml(root, "postgres")
    assert validate_lookml(root, "postgres") == []
    return root


@pytest.mark.parametrize(("view", "model", "measures"), AGREEMENT)
def test_looker_measures_equal_the_models(warehouse, postgres_lookml, view, model, measures):
    if warehouse.dialect != "postgres":
        pytest.skip("the LookML is written for PostgreSQL here")
    text = (postgres_lookml / "views" / f"{view}.view.lkml").read_text()
    [parsed] = lkml.load(text)["views"]
    _, [row] = warehouse.query(_looker_sql(parsed, list(measures)))
    expected = one(warehouse, model)
    for value, (name, column) in zip(row, measures.items(), strict=True):
        value = float(value)  # PostgreSQL's 1.0 * a / b is numeric
        assert value == pytest.approx(expected[column]), (view, name, value, expected[column])
        assert expected[column], f"{model}.{column} is empty on the generated data"


def test_report_sections_show_the_models(currents_duckdb, tmp_path):
    with connect(currents_duckdb, read_only=True) as duck:
        html = render_report(duck, tmp_path / "report.html").html.read_text()
        figures = {
            "in-app-messages": fmt(one(duck, "in_app_funnel")["in_app_click_rate"], "pct"),
            "content-cards-and-banners": fmt(one(duck, "banner_funnel")["click_rate"], "pct"),
            "webhooks": fmt(one(duck, "webhook_funnel")["failure_rate"], "pct"),
            "feature-flags-and-live-activities": fmt(
                one(duck, "live_activity_summary")["success_rate"], "pct"
            ),
        }
    ids = re.findall(r'<section[^>]*id="([^"]+)"', html)
    for section, figure in figures.items():
        start = html.index(f'id="{section}"')
        following = ids[ids.index(section) + 1 :]
        end = html.index(f'id="{following[0]}"') if following else len(html)
        part = html[start:end]
        assert f">{figure}<" in part, (section, figure)
        assert "Nothing in the data" not in part, section
