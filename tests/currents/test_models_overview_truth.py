"""The cross-channel overview reports exactly the generator's counts (currents-overview-truth.json,
counted from the events as drawn, not by any of the models' SQL), on DuckDB and on PostgreSQL
loaded from the same files: per channel and local week, messages sent, users reached and users
engaged among them, and the all-channels row, with machine events left out (the default) and
put back.

No tolerance: these are counts of events and distinct users the generator knows exactly, and
the load's deduplication gives back each event once, so any difference is a fault."""

from __future__ import annotations

import pytest

from looker_braze.currents.generate import read_overview_truth
from looker_braze.currents.generate.reach import ALL_CHANNELS, CHANNELS
from looker_braze.currents.models import run


@pytest.fixture(scope="module")
def warehouse(generated_warehouse):
    return generated_warehouse


@pytest.fixture(scope="module")
def truth(generated_currents):
    return read_overview_truth(generated_currents[0])


def overview(warehouse, truth, machine_events: str) -> dict:
    """(week, channel) -> (sent, reached, engaged) as the model reports them; its shares
    checked against its own counts on the way."""
    params = {"timezone": truth["timezone"], "machine_events": machine_events}
    rows = run(warehouse, "cross_channel_weekly", params).records()
    for row in rows:
        assert row["engaged_share"] == pytest.approx(row["users_engaged"] / row["users_reached"])
    return {
        (str(r["week_start"]), r["channel"]): (
            r["messages_sent"],
            r["users_reached"],
            r["users_engaged"],
        )
        for r in rows
    }


def expected(truth, engaged: str) -> dict:
    return {
        (t["week_start"], t["channel"]): (t["messages_sent"], t["users_reached"], t[engaged])
        for t in truth["rows"]
    }


def assert_same(got: dict, want: dict) -> None:
    """Equal, or a list of the (week, channel) rows that differ: (model, truth)."""
    differ = {key: (got.get(key), want.get(key)) for key in got.keys() | want.keys()
              if got.get(key) != want.get(key)}  # fmt: skip
    assert not differ, sorted(differ.items(), key=lambda kv: (kv[0][0], kv[0][1]))


def test_the_truth_covers_what_the_overview_must_get_right(truth):
    """The data set exercises every rule: every channel in each whole week, users reached by
    several channels, engaged users, and machine events that would engage more email users
    (only where the data flags them: schema version 2, from the third week on)."""
    rows = truth["rows"]
    totals = {r["week_start"]: r for r in rows if r["channel"] == ALL_CHANNELS}
    whole = {week for week, r in totals.items() if r["users_reached"] > 1000}
    assert len(whole) == 3
    for week in whole:
        mine = [r for r in rows if r["week_start"] == week and r["channel"] != ALL_CHANNELS]
        assert {r["channel"] for r in mine} == set(CHANNELS)
        assert totals[week]["users_reached"] < sum(r["users_reached"] for r in mine)
        assert 0 < totals[week]["users_engaged"] < totals[week]["users_reached"]
    email = [r for r in rows if r["channel"] == "email"]
    assert any(r["users_engaged_with_machine_events"] > r["users_engaged"] for r in email)


def test_the_overview_reports_the_generators_counts(warehouse, truth):
    assert_same(overview(warehouse, truth, "exclude"), expected(truth, "users_engaged"))


def test_with_machine_events_the_overview_reports_the_generators_counts(warehouse, truth):
    got = overview(warehouse, truth, "include")
    assert_same(got, expected(truth, "users_engaged_with_machine_events"))
