"""The cross-channel overview adds up to each channel's own models, counts a user once across
channels, and keeps every share within 100% (DuckDB here; test_models_engines.py shows
PostgreSQL gives the same rows)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect

CHANNELS = {"email", "push", "sms", "whatsapp", "rcs", "line", "in_app", "content_card",
            "banner", "webhook"}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(currents_duckdb):
    with connect(currents_duckdb, read_only=True) as warehouse:
        yield warehouse


@pytest.fixture(scope="module")
def weeks(warehouse):
    return run(warehouse, "cross_channel_weekly").records()


def test_every_channel_is_there(weeks):
    assert {row["channel"] for row in weeks} == CHANNELS | {"all channels"}


def test_messages_sent_add_up_to_the_channels_own_funnels(warehouse, weeks):
    sent = defaultdict(int)
    for row in weeks:
        sent[row["channel"]] += row["messages_sent"]
    [email] = run(warehouse, "email_funnel").records()
    [push] = run(warehouse, "push_funnel").records()
    assert sent["email"] == email["sent"]
    assert sent["push"] == push["sent"]
    messaging = {r["channel"]: r["sent"] for r in run(warehouse, "messaging_funnel").records()}
    for channel in ("sms", "whatsapp", "rcs", "line"):
        assert sent[channel] == messaging[channel], channel
    assert sent["all channels"] == sum(n for c, n in sent.items() if c != "all channels")


def test_all_channels_count_a_user_once(weeks):
    by_week = defaultdict(dict)
    for row in weeks:
        by_week[row["week_start"]][row["channel"]] = row
    for week, rows in by_week.items():
        total = rows.pop("all channels")
        reached = [r["users_reached"] for r in rows.values()]
        assert max(reached) <= total["users_reached"] <= sum(reached), week
        assert total["users_engaged"] <= sum(r["users_engaged"] for r in rows.values()), week


def test_shares_stay_within_100_percent_and_webhooks_never_engage(weeks):
    for row in weeks:
        assert 0 <= row["users_engaged"] <= row["users_reached"] <= row["messages_sent"]
        assert 0 <= row["engaged_share"] <= 1
        if row["channel"] == "webhook":
            assert row["users_engaged"] == 0


def test_machine_events_put_back_engage_more_email_users(warehouse, weeks):
    included = run(warehouse, "cross_channel_weekly", {"machine_events": "include"}).records()
    engaged = sum(r["users_engaged"] for r in weeks if r["channel"] == "email")
    with_machines = sum(r["users_engaged"] for r in included if r["channel"] == "email")
    assert with_machines > engaged
