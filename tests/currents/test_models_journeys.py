"""Journeys and outcomes recover the generator's truth (currents-config.json), on DuckDB and on
PostgreSQL loaded from the same files: Canvas entries, control share and conversions against
control, step progression and exits by reason, experiment path shares and conversion rates, the
campaign lift planted between treatment and control, and subscription changes.

Tolerances as in test_models_truth.py: 5 standard errors plus 0.002."""

from __future__ import annotations

import itertools
import math

import lkml
import pytest

from looker_braze.currents.lookml import write_lookml
from looker_braze.currents.models import run
from tests.currents.test_lookml import _looker_would_run
from tests.currents.test_models_truth import assert_recovers


@pytest.fixture(scope="module")
def warehouse(generated_warehouse):
    return generated_warehouse


@pytest.fixture(scope="module")
def config(generated_currents):
    return generated_currents[1]


def _sum(rows: list[dict], key: str) -> int:
    return sum(r[key] for r in rows)


def _difference_recovers(measured, p, q, n, m, what) -> None:
    """A difference of two proportions (p of n, q of m) within 5 standard errors."""
    bound = 5 * math.sqrt(p * (1 - p) / n + q * (1 - q) / m) + 0.002
    assert abs(measured - (p - q)) <= bound, f"{what}: {measured:.4f} vs {p - q} (±{bound:.4f})"


def test_canvas_entries_control_and_conversions_against_control(warehouse, config):
    truth = config["canvas_journeys"]
    rows = {r["canvas_name"]: r for r in run(warehouse, "canvas_journeys").records()}
    journeys = [rows[name] for name in truth["canvases"]]
    entered, control = _sum(journeys, "entered_users"), _sum(journeys, "control_users")
    treated = _sum(journeys, "treatment_users")
    assert entered == control + treated
    assert_recovers(entered / config["users"], truth["entry_rate"], config["users"], "entries")
    assert_recovers(control / entered, truth["control_share"], entered, "control share")
    rate = _sum(journeys, "converted_users") / treated
    control_rate = _sum(journeys, "control_converted_users") / control
    p, q = truth["canvas_conversion_rate"], truth["control_conversion_rate"]
    assert_recovers(rate, p, treated, "Canvas conversion rate")
    assert_recovers(control_rate, q, control, "Canvas control conversion rate")
    for row in journeys:
        _difference_recovers(
            row["conversion_lift"],
            p,
            q,
            row["treatment_users"],
            row["control_users"],
            row["canvas_name"],
        )
        assert row["lift_note"] is None
    # The email canvases have no control group: no lift, and the row says why.
    for name in config["email"]["canvases"]:
        assert rows[name]["control_users"] == 0 and rows[name]["conversion_lift"] is None
        assert rows[name]["lift_note"] == "no control group"


def test_canvas_weeks_add_up_to_the_canvases(warehouse):
    weekly = run(warehouse, "canvas_weekly").records()
    for canvas in run(warehouse, "canvas_journeys").records():
        weeks = [w for w in weekly if w["canvas_name"] == canvas["canvas_name"]]
        for key in ("entered_users", "control_users", "converted_users"):
            assert _sum(weeks, key) == canvas[key], (canvas["canvas_name"], key)
    assert len({w["week_start"] for w in weekly}) >= 3


def test_step_progression_and_exits_by_reason(warehouse, config):
    truth = config["canvas_journeys"]
    exits = truth["exit_rates"]
    moved = (1 - sum(exits.values())) * truth["progression_rate"]
    canvases = {r["canvas_name"]: r for r in run(warehouse, "canvas_journeys").records()}
    steps = run(warehouse, "canvas_steps").records()
    for name in truth["canvases"]:
        mine = [s for s in steps if s["canvas_name"] == name]
        assert len(mine) == truth["steps"]
        assert mine[0]["users_reached"] == canvases[name]["treatment_users"]
        for step in mine:
            n = step["users_reached"]
            for reason, key in (
                ("MatchedAudience", "matched_audience_exit_rate"),
                ("PerformedEvent", "performed_event_exit_rate"),
            ):
                assert_recovers(step[key], exits[reason], n, f"{name} {step['canvas_step_name']}")
        for step, following in itertools.pairwise(mine):
            assert step["users_moved_on"] == following["users_reached"]  # a linear journey
            assert_recovers(step["progression_rate"], moved, step["users_reached"], "progression")
        assert mine[-1]["progression_rate"] is None  # the last step has no next step


def test_experiment_paths_split_and_convert_as_planted(warehouse, config):
    truth = config["canvas_journeys"]
    paths = run(warehouse, "canvas_experiments").records()
    steps = run(warehouse, "canvas_steps").records()
    shares = dict(zip(truth["splits"], truth["split_shares"], strict=True))
    rates = dict(zip(truth["splits"], truth["conversion_rates"], strict=True))
    for name in truth["canvases"]:
        mine = [p for p in paths if p["canvas_name"] == name]
        assert {p["path_name"] for p in mine} == set(truth["splits"])
        second = [s for s in steps if s["canvas_name"] == name][1]
        total = _sum(mine, "path_users")
        assert total == second["users_reached"]  # the experiment is the second step
        assert sum(p["path_share"] for p in mine) == pytest.approx(1.0)
        for path in mine:
            assert_recovers(path["path_share"], shares[path["path_name"]], total, "path share")
    for split in truth["splits"]:  # conversion rates pooled over the canvases
        mine = [p for p in paths if p["path_name"] == split]
        n = _sum(mine, "path_users")
        assert_recovers(_sum(mine, "converted_users") / n, rates[split], n, f"{split} converts")


def test_campaign_lift_recovers_the_planted_lift(warehouse, config):
    truth = config["campaign_conversions"]
    p, q = truth["conversion_rate"], truth["control_conversion_rate"]
    rows = {r["campaign_name"]: r for r in run(warehouse, "campaign_lift").records()}
    email = [rows[name] for name in config["email"]["campaigns"]]
    treated, control = _sum(email, "treatment_users"), _sum(email, "control_users")
    assert_recovers(control / (treated + control), truth["control_share"], treated, "control")
    for row in email:
        what = row["campaign_name"]
        assert_recovers(row["conversion_rate"], p, row["treatment_users"], what)
        assert_recovers(row["control_conversion_rate"], q, row["control_users"], what)
        _difference_recovers(
            row["absolute_lift"], p, q, row["treatment_users"], row["control_users"], what
        )
    pooled = run(warehouse, "campaign_lift_total").records()[0]
    assert (pooled["treatment_users"], pooled["control_users"]) == (treated, control)
    assert_recovers(pooled["conversion_rate"], p, treated, "pooled treatment")
    assert_recovers(pooled["control_conversion_rate"], q, control, "pooled control")
    _difference_recovers(pooled["absolute_lift"], p, q, treated, control, "pooled lift")
    # relative lift by the delta method: SE(r_t / r_c) ~ (p/q) sqrt(var_t/p^2 + var_c/q^2)
    spread = (p / q) * math.sqrt((1 - p) / (p * treated) + (1 - q) / (q * control))
    assert abs(pooled["relative_lift"] - (p / q - 1)) <= 5 * spread
    # Campaigns of the other channels (each channel's sends are treatment) have no control
    # group: no lift, and the row says so.
    others = [r for name, r in rows.items() if name not in config["email"]["campaigns"]]
    reached = {config[c]["campaigns"][0] for c in ("push", "sms", "whatsapp", "rcs", "line")}
    assert reached <= set(rows)
    assert others and all(r["lift_note"] == "no control group" for r in others)
    assert all(r["absolute_lift"] is None and r["relative_lift"] is None for r in others)
    assert pooled["campaigns_without_control"] == len(others)


def test_subscription_group_and_global_changes(warehouse, config):
    users, accounts = config["users"], config["accounts"]
    groups = run(warehouse, "subscription_changes").records()
    assert all(r["net_change"] == r["subscribed_users"] - r["unsubscribed_users"] for r in groups)
    # each user opts in (and opts out of email) at most once: weekly users add up to users
    subscribed = _sum(groups, "subscribed_users")
    assert_recovers(subscribed / users, accounts["subscription_group_opt_in_rate"], users, "in")
    email_out = _sum([r for r in groups if r["channel"] == "email"], "unsubscribed_users")
    assert_recovers(email_out / users, accounts["subscription_group_opt_out_rate"], users, "out")
    sms_out = _sum([r for r in groups if r["channel"] == "sms"], "unsubscribed_users")
    assert sms_out > 0  # STOP replies leave the group SMS opt-ins joined: one group per channel
    assert len({(r["channel"], r["subscription_group_id"]) for r in groups}) == 2
    states = run(warehouse, "global_subscription_changes").records()
    push = [r for r in states if r["channel"] == "push"]
    email = [r for r in states if r["channel"] == "email"]
    assert_recovers(_sum(push, "opted_in_users") / users, accounts["push_opt_in_rate"], users, "p")
    rate = accounts["push_unsubscribe_rate"]
    assert_recovers(_sum(push, "unsubscribed_users") / users, rate, users, "push unsubscribes")
    rate = accounts["email_opt_in_rate"]
    assert_recovers(_sum(email, "opted_in_users") / users, rate, users, "email opt-ins")
    # email unsubscribes come with email Unsubscribe events: between the distinct addresses and
    # the events of the email funnel
    funnel = run(warehouse, "email_funnel").records()[0]
    unsubscribed = _sum(email, "unsubscribed_users")
    assert funnel["unsubscribes"] <= unsubscribed <= funnel["unsubscribe_events"]
    assert all(
        r["net_change"] == r["opted_in_users"] + r["subscribed_users"] - r["unsubscribed_users"]
        for r in states
    )


def test_lookml_derived_tables_count_what_the_models_count(warehouse, tmp_path_factory):
    """The LookML views' derived tables (PostgreSQL SQL, as Looker would send it with no filter
    set) grouped as the dashboards group them give the models' figures."""
    if warehouse.dialect != "postgres":
        pytest.skip("the LookML is run on PostgreSQL")
    project = tmp_path_factory.mktemp("lookml")
    write_lookml(project, "postgres")

    def derived(view: str) -> str:
        parsed = lkml.load((project / f"views/{view}.view.lkml").read_text())
        return _looker_would_run(parsed["views"][0]["derived_table"]["sql"])

    def grouped(view: str, select: str, by: str) -> list[tuple]:
        _, rows = warehouse.query(f"SELECT {by}, {select} FROM ({derived(view)}) AS t GROUP BY 1")
        return sorted(tuple(r) for r in rows)

    lift = run(warehouse, "campaign_lift").records()
    keys = ("treatment_users", "treatment_converted", "control_users", "control_converted")
    assert grouped(
        "campaign_audience",
        "SUM(CASE WHEN audience_group = 'treatment' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN audience_group = 'treatment' THEN converted ELSE 0 END), "
        "SUM(CASE WHEN audience_group = 'control' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN audience_group = 'control' THEN converted ELSE 0 END)",
        "campaign_name",
    ) == sorted((r["campaign_name"], *(r[k] for k in keys)) for r in lift)
    canvases = run(warehouse, "canvas_journeys").records()
    assert grouped(
        "canvas_journey_users",
        "COUNT(*), SUM(in_control), SUM(CASE WHEN in_control = 0 THEN converted ELSE 0 END)",
        "canvas_name",
    ) == sorted(
        (r["canvas_name"], r["entered_users"], r["control_users"], r["converted_users"])
        for r in canvases
    )
    steps = run(warehouse, "canvas_steps").records()
    assert grouped("canvas_step_users", "COUNT(*), SUM(moved_on)", "canvas_step_id") == sorted(
        (r["canvas_step_id"], r["users_reached"], r["users_moved_on"]) for r in steps
    )
    paths = run(warehouse, "canvas_experiments").records()
    assert grouped(
        "canvas_experiment_paths", "COUNT(*), SUM(converted)", "canvas_name || path_name"
    ) == sorted(
        (r["canvas_name"] + r["path_name"], r["path_users"], r["converted_users"]) for r in paths
    )
