"""Every model on a hand-made world (test_models_support.scenario) whose results were worked out
on paper, on DuckDB and on PostgreSQL alike."""

from __future__ import annotations

import pytest

from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from looker_braze.errors import FailRun
from tests.currents.test_models_support import (
    DELIVERY,
    NEW_YORK,
    SEND,
    create_tables,
    email,
    epoch,
    failures_world,
    message,
    scenario,
)


@pytest.fixture(params=["duckdb", "postgres"])
def make_warehouse(request, tmp_path):
    opened = []
    # Asked for now, not inside make(), so the schema outlives (is dropped after) the connections.
    pg = request.getfixturevalue("pg_schema") if request.param == "postgres" else None

    def make(events):
        if pg is None:
            warehouse = connect(tmp_path / f"w{len(opened)}.duckdb")
        else:
            warehouse = connect(f"{pg[0]}?schema={pg[1]}")
        opened.append(warehouse)
        create_tables(warehouse, events)
        return warehouse

    yield make
    for warehouse in opened:
        warehouse.close()


@pytest.fixture
def world(make_warehouse):
    return make_warehouse(scenario())


def records(warehouse, model, **params):
    return run(warehouse, model, params).records()


def test_email_funnel_counts_like_the_blocks(world):
    [total] = records(world, "email_funnel")
    assert total == {
        "sent": 7,
        "delivered": 5,
        "delivery_rate": pytest.approx(5 / 7),
        "delivered_addresses": 3,
        "total_opens": 5,
        "opens_per_send": pytest.approx(5 / 7),
        "unique_opens": 3,
        "unique_open_rate": pytest.approx(0.6),
        "machine_opens": 0,
        "total_clicks": 1,
        "clicks_per_send": pytest.approx(1 / 7),
        "unique_clicks": 1,
        "unique_click_rate": pytest.approx(0.2),
        "bot_clicks": 0,
        "bounces": 1,
        "bounce_rate": pytest.approx(1 / 7),
        "soft_bounces": 1,
        "soft_bounce_rate": pytest.approx(1 / 7),
        "spam_reports": 1,
        "spam_rate": pytest.approx(1 / 7),
        "unsubscribes": 1,
        "unsubscribe_rate": pytest.approx(1 / 7),
        "unsubscribe_events": 1,
    }


def test_unsubscribes_count_addresses_and_bounces_count_events_like_the_block(make_warehouse):
    """The message engagement block counts unsubscribes as distinct non-null addresses
    (count_distinct of EMAIL_ADDRESS) and bounces, soft bounces and spam reports as events."""
    world = make_warehouse(failures_world())

    def failures(model, **params):
        return [
            (r["bounces"], r["unsubscribes"], r["unsubscribe_events"], r["unsubscribe_rate"])
            for r in records(world, model, **params)
        ]

    # a unsubscribed from Spring twice: one address; c bounced twice: two bounces.
    assert failures("email_funnel", campaign_name="Spring") == [(2, 2, 4, pytest.approx(2 / 5))]
    assert failures("email_funnel", canvas_name="Welcome") == [(0, 1, 1, 1.0)]
    by_message = {r["message_name"]: r for r in records(world, "email_funnel_by_message")}
    assert by_message["Spring"]["sent"] == 5 and by_message["Welcome"]["sent"] == 1
    # All messages: b unsubscribed from both, still one address (per message: 2 + 1).
    assert failures("email_funnel") == [(2, 2, 5, pytest.approx(2 / 6))]
    days = [r["period_start"].isoformat() for r in records(world, "email_deliverability_daily")]
    assert list(zip(days, failures("email_deliverability_daily"), strict=True)) == [
        ("2024-01-02", (1, 2, 2, pytest.approx(2 / 3))),
        ("2024-01-03", (0, 2, 2, 1.0)),
        ("2024-01-04", (1, 0, 1, 0.0)),
    ]
    # The week counts its addresses once, not the sum of its days' (2 + 2 + 0).
    assert failures("email_deliverability_weekly") == [(2, 2, 5, pytest.approx(2 / 6))]
    [ip] = records(world, "sending_ips_top_bounces")  # the block's tile counts bounce events
    assert (ip["sending_ip"], ip["bounces"], ip["bounce_rate"]) == ("10.0.0.9", 2, 1.0)


def test_email_funnel_filters_campaign_and_canvas_separately(world):
    [spring] = records(world, "email_funnel", campaign_name="Spring")
    [welcome] = records(world, "email_funnel", canvas_name="Welcome")
    assert (spring["sent"], spring["delivered"], spring["unique_opens"]) == (5, 3, 2)
    assert (welcome["sent"], welcome["delivered"], welcome["unique_opens"]) == (2, 2, 1)
    assert welcome["spam_reports"] == 1 and spring["spam_reports"] == 0


def test_email_funnel_by_message(world):
    rows = [
        (
            r["message_type"],
            r["message_name"],
            r["sent"],
            r["delivered"],
            r["unique_opens"],
            r["unique_clicks"],
        )
        for r in records(world, "email_funnel_by_message")
    ]
    assert rows == [("campaign", "Spring", 5, 3, 2, 1), ("canvas", "Welcome", 2, 2, 1, 0)]


def test_deliverability_buckets_by_local_day_and_monday_week(world):
    daily = [
        (
            r["period_start"].isoformat(),
            r["sent"],
            r["delivered"],
            r["bounces"],
            r["soft_bounces"],
            r["spam_reports"],
            r["unsubscribes"],
        )
        for r in records(world, "email_deliverability_daily")
    ]
    assert daily == [
        ("2024-01-02", 4, 2, 1, 1, 0, 0),
        ("2024-01-03", 2, 2, 0, 0, 1, 1),
        ("2024-01-09", 1, 1, 0, 0, 0, 0),
    ]
    weekly = [
        (r["period_start"].isoformat(), r["sent"], r["delivered"])
        for r in records(world, "email_deliverability_weekly")
    ]
    assert weekly == [("2024-01-01", 6, 4), ("2024-01-08", 1, 1)]


def test_weekly_performance(world):
    rows = [
        (
            r["period_start"].isoformat(),
            r["delivered"],
            r["unique_opens"],
            r["unique_open_rate"],
            r["unique_clicks"],
        )
        for r in records(world, "email_performance_weekly")
    ]
    assert rows == [("2024-01-01", 4, 2, 0.5, 1), ("2024-01-08", 1, 1, 1.0, 0)]


def test_sunday_night_in_new_york_is_monday_in_utc(make_warehouse):
    sunday_night = epoch("2024-01-07 22:00", NEW_YORK)
    warehouse = make_warehouse({DELIVERY: [email("a@x", sunday_night, **message("C", "V"))]})
    [local] = records(warehouse, "email_performance_weekly")
    [utc] = records(warehouse, "email_performance_weekly", timezone="UTC")
    assert local["period_start"].isoformat() == "2024-01-01"
    assert utc["period_start"].isoformat() == "2024-01-08"


def test_sending_ips(world):
    top = [
        (r["sending_ip"], r["deliveries"], r["bounces"], r["soft_bounces"])
        for r in records(world, "sending_ips_top_deliveries")
    ]
    assert top == [("10.0.0.2", 3, 0, 0), ("10.0.0.1", 2, 1, 0), ("10.0.0.3", 0, 0, 1)]
    [bouncing] = records(world, "sending_ips_top_bounces")
    assert bouncing["sending_ip"] == "10.0.0.1"
    assert bouncing["bounce_rate"] == pytest.approx(1 / 3)


def test_top_and_bottom_messages(world):
    def names(model, **params):
        return [r["message_name"] for r in records(world, model, **params)]

    assert names("email_messages_top_open_rate") == ["Spring", "Welcome"]
    assert names("email_messages_bottom_open_rate") == ["Welcome", "Spring"]
    assert names("email_messages_top_click_rate", limit=1) == ["Spring"]
    assert names("email_messages_bottom_click_rate", limit=1) == ["Welcome"]
    assert names("push_messages_top_open_rate") == ["PushB", "PushA"]
    assert names("push_messages_bottom_open_rate", limit="1") == ["PushA"]


def test_email_cadence_ranks_and_gaps(world):
    by_rank = [
        (
            r["delivery_rank"],
            r["deliveries"],
            r["avg_days_since_previous"],
            r["unique_opens"],
            r["unique_clicks"],
        )
        for r in records(world, "email_cadence_by_rank")
    ]
    assert by_rank == [(1, 3, None, 1, 1), (2, 1, 1.0, 1, 0), (3, 1, 6.0, 1, 0)]
    days = [
        (r["gap_tier"], r["deliveries"], r["unique_opens"])
        for r in records(world, "email_cadence_by_day_gap")
    ]
    assert days == [("1", 1, 1), ("6", 1, 1)]
    weeks = [(r["gap_tier"], r["deliveries"]) for r in records(world, "email_cadence_by_week_gap")]
    assert weeks == [("0", 1), ("1", 1)]


def test_cadence_filter_keeps_each_delivery_rank_in_the_whole_history(world):
    ranks = [
        (r["delivery_rank"], r["deliveries"])
        for r in records(world, "email_cadence_by_rank", campaign_name="Spring")
    ]
    assert ranks == [(1, 2), (3, 1)]


def test_email_frequency(world):
    def rows(**params):
        return [
            (
                r["frequency"],
                r["occasions"],
                r["recipients"],
                r["deliveries"],
                r["unique_opens"],
                r["unique_clicks"],
            )
            for r in records(world, "email_frequency", **params)
        ]

    assert rows() == [(1, 5, 3, 5, 3, 1)]
    assert rows(granularity="week") == [(1, 3, 3, 3, 1, 0), (2, 1, 1, 2, 2, 1)]
    assert rows(granularity="week", campaign_name="Spring") == [(1, 3, 2, 3, 2, 1)]


def test_engagement_by_hour_and_weekday(world):
    hours = [
        (r["hour_of_day"], r["deliveries"], r["unique_opens"])
        for r in records(world, "email_engagement_by_hour")
    ]
    assert hours == [(7, 2, 1), (10, 3, 2)]
    utc_hours = [
        r["hour_of_day"] for r in records(world, "email_engagement_by_hour", timezone="UTC")
    ]
    assert utc_hours == [12, 15]
    days = [
        (r["day_of_week"], r["deliveries"]) for r in records(world, "email_engagement_by_weekday")
    ]
    assert days == [("Tuesday", 3), ("Wednesday", 2)]


def test_push_funnel(world):
    [total] = records(world, "push_funnel")
    assert total == {
        "sent": 4,
        "bounces": 1,
        "bounce_rate": 0.25,
        "delivered": 3,
        "delivery_rate": 0.75,
        "opens": 3,  # a count: PushB's repeat open makes it equal the deliveries
        "unique_opens": 2,
        "unique_open_rate": pytest.approx(2 / 3),
        "unique_recipients": 2,
        "bounced_recipients": 1,
    }
    rows = [
        (
            r["message_name"],
            r["sent"],
            r["delivered"],
            r["opens"],
            r["unique_opens"],
            r["unique_recipients"],
        )
        for r in records(world, "push_funnel_by_message")
    ]
    assert rows == [("PushA", 3, 2, 1, 1, 2), ("PushB", 1, 1, 2, 1, 1)]


def test_push_cadence_skips_bounced_sends(world):
    rows = [
        (
            r["delivery_rank"],
            r["deliveries"],
            r["avg_days_since_previous"],
            r["unique_opens"],
            r["unique_click_rate"],
        )
        for r in records(world, "push_cadence_by_rank")
    ]
    assert rows == [(1, 2, None, 1, None), (2, 1, 2.0, 1, None)]


def test_daily_retention(world):
    grid = {
        (r["cohort_date"].isoformat(), r["days_since_first"]): (
            r["cohort_users"],
            r["active_users"],
        )
        for r in records(world, "retention_daily_cohorts")
    }
    assert grid[("2024-01-01", 0)] == (2, 2)
    assert grid[("2024-01-01", 1)] == (2, 2)  # u2's Jan 1 23:30 first session is Jan 1 here
    assert grid[("2024-01-01", 2)] == (2, 0)  # unobserved activity still shows as 0
    assert grid[("2024-01-01", 3)] == (2, 1)
    assert grid[("2024-01-01", 14)] == (2, 1)
    assert ("2024-01-01", 15) not in grid  # after the last day in the data
    assert grid[("2024-01-02", 7)] == (1, 1)
    assert ("2024-01-02", 14) not in grid
    assert len(grid) == 15 + 14


def test_retention_curve_pools_only_cohorts_that_reached_the_day(world):
    curve = {
        r["days_since_first"]: (r["cohorts"], r["cohort_users"], r["active_users"])
        for r in records(world, "retention_daily_curve")
    }
    assert curve[0] == (2, 3, 3)
    assert curve[3] == (2, 3, 1)
    assert curve[14] == (1, 2, 1)
    assert max(curve) == 14


def test_retention_zone_moves_users_between_cohorts(world):
    def sizes(**params):
        return {
            r["cohort_date"].isoformat(): r["cohort_users"]
            for r in records(world, "retention_daily_cohorts", **params)
            if r["days_since_first"] == 0
        }

    assert sizes() == {"2024-01-01": 2, "2024-01-02": 1}
    assert sizes(timezone="UTC") == {"2024-01-01": 1, "2024-01-02": 2}


def test_weekly_retention_shows_complete_weeks_only(world):
    rows = [
        (r["cohort_week"].isoformat(), r["weeks_since_first"], r["cohort_users"], r["active_users"])
        for r in records(world, "retention_weekly_cohorts")
    ]
    assert rows == [("2024-01-01", 0, 3, 3), ("2024-01-01", 1, 3, 1)]
    [week0, week1] = records(world, "retention_weekly_curve")
    assert (week0["retention_rate"], week1["retention_rate"]) == (1.0, pytest.approx(1 / 3))


def test_date_range_is_in_local_days(world):
    [jan2] = records(world, "email_funnel", start="2024-01-02", end="2024-01-02")
    assert jan2["sent"] == 4
    [later] = records(world, "email_funnel", start="2024-01-03")
    assert later["sent"] == 3
    cohorts = {
        r["cohort_date"].isoformat()
        for r in records(world, "retention_daily_cohorts", start="2024-01-02")
    }
    assert cohorts == {"2024-01-02"}


def test_missing_tables_read_as_empty(make_warehouse):
    warehouse = make_warehouse(
        {SEND: [email("a@x", epoch("2024-01-02 15:00"), **message("C", "V"))]}
    )
    [total] = records(warehouse, "email_funnel")
    assert (total["sent"], total["delivered"], total["delivery_rate"]) == (1, 0, 0.0)
    assert records(warehouse, "retention_daily_cohorts") == []
    assert records(warehouse, "push_cadence_by_rank") == []


def test_parameters_are_values_never_sql(make_warehouse):
    odd = 'Bob\'s "Spring" sale; DROP TABLE x --'
    warehouse = make_warehouse(
        {SEND: [email("a@x", epoch("2024-01-02 15:00"), **message(odd, "V"))]}
    )
    [match] = records(warehouse, "email_funnel", campaign_name=odd)
    [other] = records(warehouse, "email_funnel", campaign_name="x' OR '1'='1")
    assert (match["sent"], other["sent"]) == (1, 0)


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        ("no_such_model", {}, "currents run --list"),
        ("email_funnel", {"color": "red"}, "accepts: timezone, start, end"),
        ("email_funnel", {"start": "02/01/2024"}, "YYYY-MM-DD"),
        ("email_funnel", {"start": "2024-02-01", "end": "2024-01-01"}, "after end"),
        ("email_frequency", {"granularity": "year"}, "day, week, month"),
        ("email_frequency", {"timezone": "Mars/Olympus"}, "IANA"),
        ("email_messages_top_open_rate", {"limit": "0"}, "1 to"),
        ("email_performance_weekly", {"granularity": "day"}, "accepts"),
    ],
)
def test_bad_parameters_say_what_to_fix(tmp_path, model, params, message):
    with connect(tmp_path / "empty.duckdb") as warehouse, pytest.raises(FailRun, match=message):
        run(warehouse, model, params)
