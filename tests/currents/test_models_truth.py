"""The models recover the truth the generator was configured with (currents-config.json):
funnel, bounce and engagement rates, cadence, daily and weekly retention. DuckDB only here;
test_models_engines.py shows PostgreSQL gives identical results on the same files.

Tolerances are statistical: an estimate of p from n trials must land within 5 standard errors
(sqrt(p(1-p)/n)), plus 0.002 for what the sampling bound does not cover (events at the edges of
the window)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect


@pytest.fixture(scope="module")
def warehouse(currents_duckdb):
    with connect(currents_duckdb, read_only=True) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def config(generated_currents):
    return generated_currents[1]


def one(warehouse, model, **params) -> dict:
    [row] = run(warehouse, model, params).records()
    return row


def assert_recovers(measured: float, p: float, n: int, what: str) -> None:
    bound = 5 * math.sqrt(p * (1 - p) / n) + 0.002
    assert abs(measured - p) <= bound, (
        f"{what}: measured {measured:.4f}, configured {p} (±{bound:.4f})"
    )


def test_email_funnel_rates(warehouse, config):
    # The generator's open and click rates are people's: machine opens and bot clicks come on
    # top of them, so the default (machine events left out) recovers them.
    rates, funnel = config["email"], one(warehouse, "email_funnel")
    sent, delivered = funnel["sent"], funnel["delivered"]
    assert_recovers(funnel["bounce_rate"], rates["bounce_rate"], sent, "hard bounce rate")
    assert_recovers(funnel["soft_bounce_rate"], rates["soft_bounce_rate"], sent, "soft bounces")
    assert_recovers(
        funnel["delivery_rate"],
        1 - rates["bounce_rate"] - rates["soft_bounce_rate"],
        sent,
        "delivery rate",
    )
    assert_recovers(funnel["unique_open_rate"], rates["open_rate"], delivered, "unique opens")
    assert_recovers(funnel["unique_click_rate"], rates["click_rate"], delivered, "unique clicks")
    # Spam reports are events, as the block counts them; the generator's rate is per delivery.
    assert_recovers(funnel["spam_reports"] / delivered, rates["spam_rate"], delivered, "spam")
    # Unsubscribes are distinct addresses (the block's count) and the generator's rate is per
    # delivery, so the truth is recovered from the event count; an address unsubscribing from
    # two deliveries is one unsubscribe but two events.
    unsubscribed = funnel["unsubscribe_events"]
    assert_recovers(unsubscribed / delivered, rates["unsubscribe_rate"], delivered, "unsubscribes")
    assert 0 < funnel["unsubscribes"] <= unsubscribed
    assert funnel["total_opens"] > funnel["unique_opens"]  # repeat opens exist and are not unique


def test_every_campaign_and_canvas_recovers_the_rates(warehouse, config):
    rates = config["email"]
    rows = run(warehouse, "email_funnel_by_message").records()
    assert {r["message_name"] for r in rows} == set(rates["campaigns"]) | set(rates["canvases"])
    for row in rows:
        assert_recovers(
            row["unique_open_rate"], rates["open_rate"], row["delivered"], row["message_name"]
        )


def test_push_funnel_rates(warehouse, config):
    rates, funnel = config["push"], one(warehouse, "push_funnel")
    assert_recovers(funnel["bounce_rate"], rates["bounce_rate"], funnel["sent"], "push bounces")
    assert_recovers(
        funnel["unique_open_rate"], rates["open_rate"], funnel["delivered"], "push opens"
    )


def test_weekly_rates_recover_the_truth_every_week(warehouse, config):
    rates = config["email"]
    for week in run(warehouse, "email_deliverability_weekly").records():
        if week["sent"] >= 1000:  # the partial first and last weeks are too small to judge
            assert_recovers(
                week["bounce_rate"],
                rates["bounce_rate"],
                week["sent"],
                f"bounces, week of {week['period_start']}",
            )


def test_attributed_opens_match_the_funnel(warehouse, config):
    """Pressure views attribute each open to one delivery; with no re-sent variation in the
    generated data every opened delivery is one unique open, so the two must agree (the
    blocks' join over-counted here)."""
    by_rank = run(warehouse, "email_cadence_by_rank").records()
    funnel = one(warehouse, "email_funnel")
    assert sum(r["deliveries"] for r in by_rank) == funnel["delivered"]
    assert sum(r["unique_opens"] for r in by_rank) == funnel["unique_opens"]
    assert sum(r["unique_clicks"] for r in by_rank) == funnel["unique_clicks"]
    pressure_rate = sum(r["unique_opens"] for r in by_rank) / funnel["delivered"]
    assert_recovers(pressure_rate, config["email"]["open_rate"], funnel["delivered"], "pressure")


def test_machine_opens_and_bot_clicks_are_left_out_and_counted_beside(warehouse):
    """Machine opens (MACHINE_OPEN = "true") and suspected bot clicks are not engagement by
    default; machine_events=include puts them back. Checked against the raw rows (read here
    without the models)."""
    _, opens = warehouse.query(
        'SELECT "EMAIL_ADDRESS", COALESCE("MESSAGE_VARIATION_ID", "CANVAS_STEP_ID"), '
        '"MACHINE_OPEN" FROM "USERS_MESSAGES_EMAIL_OPEN"'
    )
    _, [(clicks, bots)] = warehouse.query(
        'SELECT COUNT(*), COUNT(CASE WHEN "IS_SUSPECTED_BOT_CLICK" THEN 1 END) '
        'FROM "USERS_MESSAGES_EMAIL_CLICK"'
    )
    machine = sum(1 for *_, flag in opens if flag == "true")
    default = one(warehouse, "email_funnel")
    everything = one(warehouse, "email_funnel", machine_events="include")
    assert default["machine_opens"] == everything["machine_opens"] == machine > 0
    assert (default["total_opens"], everything["total_opens"]) == (len(opens) - machine, len(opens))
    assert default["unique_opens"] == len({(a, m) for a, m, f in opens if f != "true"})
    assert everything["unique_opens"] == len({(a, m) for a, m, _ in opens})
    assert default["bot_clicks"] == everything["bot_clicks"] == bots > 0
    assert (default["total_clicks"], everything["total_clicks"]) == (clicks - bots, clicks)
    # (the generator's shares are not recovered here: files of the 2018 schema drop the flags)
    # the pressure views leave them out alike
    by_rank = run(warehouse, "email_cadence_by_rank").records()
    assert sum(r["unique_opens"] for r in by_rank) == default["unique_opens"]
    by_rank = run(warehouse, "email_cadence_by_rank", {"machine_events": "include"}).records()
    assert sum(r["unique_opens"] for r in by_rank) == everything["unique_opens"]


def test_push_and_email_block_measures(warehouse):
    """The block's measures beside the funnels: push delivery rate and bounced recipients,
    distinct delivered addresses, opens and clicks per send."""
    push = one(warehouse, "push_funnel")
    assert push["delivery_rate"] == pytest.approx(push["delivered"] / push["sent"])
    _, [(bounced,)] = warehouse.query(
        'SELECT COUNT(DISTINCT "USER_ID") FROM "USERS_MESSAGES_PUSHNOTIFICATION_BOUNCE"'
    )
    assert push["bounced_recipients"] == bounced > 0
    email = one(warehouse, "email_funnel")
    _, [(addresses,)] = warehouse.query(
        'SELECT COUNT(DISTINCT "EMAIL_ADDRESS") FROM "USERS_MESSAGES_EMAIL_DELIVERY"'
    )
    assert email["delivered_addresses"] == addresses
    assert email["opens_per_send"] == pytest.approx(email["total_opens"] / email["sent"])
    assert email["clicks_per_send"] == pytest.approx(email["total_clicks"] / email["sent"])


def _expected_mean_gap(per_week: float, success: float, days: int) -> float:
    """Mean days between consecutive deliveries to one recipient when each recipient gets a
    Poisson(per_week * days / 7 * success) number of deliveries at uniform times in the window:
    n points span on average days * (n - 1) / (n + 1), split into n - 1 gaps."""
    mean = per_week * days / 7 * success
    span = gaps = 0.0
    for n in range(2, 200):
        p = math.exp(-mean + n * math.log(mean) - math.lgamma(n + 1))
        span += p * days * (n - 1) / (n + 1)
        gaps += p * (n - 1)
    return span / gaps


def test_cadence_recovers_the_sending_rhythm(warehouse, config):
    rates = config["email"]
    by_rank = [
        r for r in run(warehouse, "email_cadence_by_rank").records() if r["delivery_rank"] > 1
    ]
    gaps = sum(r["deliveries"] for r in by_rank)
    measured = sum(r["avg_days_since_previous"] * r["deliveries"] for r in by_rank) / gaps
    success = 1 - rates["bounce_rate"] - rates["soft_bounce_rate"]
    expected = _expected_mean_gap(rates["sends_per_user_per_week"], success, config["days"])
    assert measured == pytest.approx(expected, rel=0.05), (measured, expected)


def test_frequency_accounts_for_every_delivery(warehouse):
    funnel = one(warehouse, "email_funnel")
    for granularity in ("day", "week", "month"):
        rows = run(warehouse, "email_frequency", {"granularity": granularity}).records()
        assert sum(r["deliveries"] for r in rows) == funnel["delivered"]
        assert all(r["deliveries"] == r["frequency"] * r["occasions"] for r in rows)


def test_daily_retention_curve(warehouse, config):
    truth = config["retention"]["day"]
    curve = run(warehouse, "retention_daily_curve").records()
    assert curve[0]["retention_rate"] == 1.0
    for row in curve[1:]:
        day = row["days_since_first"]
        assert_recovers(row["retention_rate"], truth[day], row["cohort_users"], f"day {day}")


def test_weekly_retention_curve(warehouse, config):
    """Expected weekly activity from the daily truth: a user whose first session fell on
    weekday k (Monday = 0) is active in Monday-week w if active on any day 7w - k ... 7w - k + 6
    after it (days are independent in the generator)."""
    truth = config["retention"]["day"]
    sizes = {
        r["cohort_date"]: r["cohort_users"]
        for r in run(warehouse, "retention_daily_cohorts").records()
        if r["days_since_first"] == 0
    }
    for row in run(warehouse, "retention_weekly_curve").records()[1:]:
        week = row["weeks_since_first"]
        expected = 0.0
        for cohort_date, size in sizes.items():
            if _week_complete(cohort_date, week, config):
                expected += size * _p_active_in_week(truth, cohort_date.weekday(), week)
        p = expected / row["cohort_users"]
        assert_recovers(row["retention_rate"], p, row["cohort_users"], f"week {week}")


def _week_complete(cohort_date: dt.date, week: int, config: dict) -> bool:
    last = dt.date.fromisoformat(config["start_date"]) + dt.timedelta(days=config["days"] - 1)
    monday = cohort_date - dt.timedelta(days=cohort_date.weekday())
    return monday + dt.timedelta(days=7 * week + 6) <= last


def _p_active_in_week(truth: list[float], weekday: int, week: int) -> float:
    inactive = 1.0
    for day in range(7 * week - weekday, 7 * week - weekday + 7):
        if day >= 1:
            inactive *= 1 - truth[min(day, len(truth) - 1)]
    return 1 - inactive


def test_retention_cohorts_use_the_configured_zone(warehouse, config):
    """Sessions were placed in local days of the configured zone: in that zone every cohort's
    day 0 is its whole size; in another zone late-evening sessions move to the next day."""
    rows = run(warehouse, "retention_daily_cohorts", {"timezone": config["timezone"]}).records()
    first_days = {r["cohort_date"] for r in rows}
    start = dt.date.fromisoformat(config["start_date"])
    assert min(first_days) == start
    assert max(first_days) == start + dt.timedelta(days=config["days"] - 1)
    tokyo = run(warehouse, "retention_daily_cohorts", {"timezone": "Asia/Tokyo"}).records()
    assert {r["cohort_date"] for r in tokyo} != first_days


def _raw(warehouse, sql: str):
    _, [(value,)] = warehouse.query(sql)
    return value


def test_in_app_click_rate_counts_users_per_message(warehouse):
    funnel = one(warehouse, "in_app_funnel")
    pair = '"USER_ID" || \'|\' || COALESCE("MESSAGE_VARIATION_ID", "CANVAS_STEP_ID")'
    viewers = _raw(
        warehouse, f'SELECT COUNT(DISTINCT {pair}) FROM "USERS_MESSAGES_INAPPMESSAGE_IMPRESSION"'
    )
    clickers = _raw(
        warehouse, f'SELECT COUNT(DISTINCT {pair}) FROM "USERS_MESSAGES_INAPPMESSAGE_CLICK"'
    )
    clicks = _raw(warehouse, 'SELECT COUNT(*) FROM "USERS_MESSAGES_INAPPMESSAGE_CLICK"')
    assert (funnel["in_app_viewers"], funnel["in_app_clickers"]) == (viewers, clickers)
    assert funnel["in_app_clicks"] == clicks > 0
    assert funnel["in_app_click_rate"] == pytest.approx(clickers / viewers)
    assert 0 < funnel["card_click_rate"] <= 1


def test_sessions_count_distinct_session_ids(warehouse, config):
    sessions = one(warehouse, "app_sessions")
    for column, table in (
        ("first_sessions", "USERS_BEHAVIORS_APP_FIRSTSESSION"),
        ("sessions", "USERS_BEHAVIORS_APP_SESSIONSTART"),
        ("ended_sessions", "USERS_BEHAVIORS_APP_SESSIONEND"),
    ):
        assert sessions[column] == _raw(
            warehouse, f'SELECT COUNT(DISTINCT "SESSION_ID") FROM "{table}"'
        ), column
    assert sessions["first_sessions"] <= config["users"]
    assert sessions["average_duration"] > 0


def test_push_send_cadence_accounts_for_every_send_and_bounce(warehouse, config):
    by_rank = run(warehouse, "push_send_cadence").records()
    funnel = one(warehouse, "push_funnel")
    assert [r["send_rank"] for r in by_rank] == list(range(1, len(by_rank) + 1))
    assert sum(r["sends"] for r in by_rank) == funnel["sent"]
    assert sum(r["bounces"] for r in by_rank) == funnel["bounces"]
    assert all(r["bounced_recipients"] <= r["bounces"] for r in by_rank)
    first = by_rank[0]
    assert_recovers(first["bounce_rate"], config["push"]["bounce_rate"], first["sends"], "rank 1")
