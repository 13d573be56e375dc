"""The closed loop with a known truth: an audience recorded by the state store and exported to
the warehouse; Currents generated with a planted response for its members (their emails are
opened `open_lift` more often after they joined; each week after joining they make a Canvas
conversion with probability `conversion_lift` and unsubscribe with probability
`unsubscribe_lift`, on top of everyone's conversions and unsubscribes); loaded into the same
warehouse. The models recover the planted lifts against outsiders and against the members
before they joined, on DuckDB and PostgreSQL, for an audience of each identifier kind Currents
can be joined on: external ids, Braze ids, email addresses and phone numbers (found through the
numbers their SMS, WhatsApp and RCS messages went to). Alias audiences say they cannot be
joined."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from looker_braze.audiences.export import export_membership
from looker_braze.currents.generate import generate
from looker_braze.currents.generate.audience import plant_from_warehouse
from looker_braze.currents.generate.users import make_users
from looker_braze.currents.load import load
from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from looker_braze.state import Sent, open_store

WORKSPACE = "https://rest.iad-01.braze.com#0123456789abcdef"
LABEL, LIFT, OPEN_RATE = "churn risk", 0.2, 0.35
CONVERSION_LIFT, UNSUBSCRIBE_LIFT = 0.3, 0.15  # per member-week after joining
SEED, USERS = 5, 2000
_USERS = make_users(SEED, 0, USERS)
# Every other generated user, by each identifier the generator shares with the simulator.
MEMBERS = {
    "external_id": _USERS.external_id[::2],
    "braze_id": _USERS.braze_id[::2],
    "email": _USERS.email[::2],
    "phone": _USERS.phone[::2],
}
# Texted often enough that every member's number is in the Currents.
TEXTS = {"sms": {"sends_per_user_per_week": 3}}


# Every kind on DuckDB; on PostgreSQL the kinds whose join differs most (a column of the
# events; a number found through another model), as each run takes a minute and a half there.
CASES = [("duckdb", kind) for kind in MEMBERS] + [
    ("postgres", "external_id"),
    ("postgres", "phone"),
]


@pytest.fixture
def warehouse_url(request, tmp_path, engine):
    if engine == "duckdb":
        return str(tmp_path / "loop.duckdb")
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


def _record_audience(state_url: str, kind: str) -> None:
    with open_store(state_url) as store:
        audience = store.audience_id(WORKSPACE, "looker_export", LABEL)
        store.record_sent(audience, WORKSPACE, [Sent(f"{kind}:{m}", flagged=True)
                                                for m in MEMBERS[kind]])  # fmt: skip
        aliases = store.audience_id(WORKSPACE, "looker_export", "by alias")
        store.record_sent(aliases, WORKSPACE, [Sent("user_alias:crm\x1falias-1", flagged=True)])


def _bound(p: float, n: int) -> float:
    return 5 * math.sqrt(p * (1 - p) / n) + 0.01


@pytest.mark.parametrize(("engine", "kind"), CASES)
def test_the_planted_lift_is_recovered(tmp_path, warehouse_url, kind):
    members = MEMBERS[kind]
    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    _record_audience(state_url, kind)  # the members join now
    with open_store(state_url) as store, connect(warehouse_url) as warehouse:
        export_membership(store, warehouse)
        plant = plant_from_warehouse(warehouse, LABEL, LIFT, CONVERSION_LIFT, UNSUBSCRIBE_LIFT)
    assert sorted(plant.joined) == sorted(members)
    # Four weeks of Currents around the join: two before it, two after.
    start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=14)
    config = {"seed": SEED, "users": USERS, "days": 28, "start_date": start.isoformat(),
              "email": {"open_rate": OPEN_RATE}, "push": {"sends_per_user_per_week": 0},
              "audience": plant.model_dump(), **TEXTS}  # fmt: skip
    generate(tmp_path / "currents", config)
    assert load(tmp_path / "currents", warehouse_url).succeeded
    with connect(warehouse_url) as warehouse:
        summary = {r["audience"]: r for r in run(warehouse, "audience_summary", {}).records()}
        weeks = run(warehouse, "audience_engagement", {}).records()
    churn = summary[LABEL]
    assert (churn["members_ever"], churn["members_now"]) == (len(members), len(members))
    assert churn["spells_in_currents"] == len(members)
    assert churn["note"] is None
    after = [w for w in weeks if w["audience"] == LABEL and w["week_since_joining"] >= 0]
    before = [w for w in weeks if w["audience"] == LABEL and w["week_since_joining"] < 0]
    n_after, n_before = sum(w["deliveries"] for w in after), sum(w["deliveries"] for w in before)
    assert n_after > 1000 and n_before > 1000
    assert abs(churn["engagement_rate_after"] - (OPEN_RATE + LIFT)) <= _bound(0.55, n_after)
    assert abs(churn["engagement_rate_before"] - OPEN_RATE) <= _bound(OPEN_RATE, n_before)
    assert abs(churn["outsider_engagement_rate"] - OPEN_RATE) <= _bound(OPEN_RATE, n_after)
    assert abs(churn["lift_over_outsiders"] - LIFT) <= 2 * _bound(0.5, n_after)
    assert abs(churn["lift_over_before"] - LIFT) <= 2 * _bound(0.5, n_before)
    assert all(0 <= w["engagement_rate"] <= 1 for w in weeks)
    alias = summary["by alias"]
    assert "cannot be joined" in alias["note"] and alias["spells_in_currents"] == 0
    assert alias["engagement_rate_after"] is None  # not a zero
    _planted_weekly_rates_are_recovered(
        churn, [w for w in weeks if w["audience"] == LABEL], len(members)
    )


def _planted_weekly_rates_are_recovered(churn: dict, weeks: list[dict], members: int) -> None:
    """A member-week after joining converts (unsubscribes) at everyone's weekly rate b plus the
    planted lift on the rest: b + lift * (1 - b); outsiders, and the members before joining, at
    b. Outsiders are measured over the same calendar weeks, so they give b."""
    n_after = sum(w["members"] for w in weeks if w["week_since_joining"] >= 0)
    n_before = sum(w["members"] for w in weeks if w["week_since_joining"] < 0)
    assert n_after >= members and n_before >= members  # whole weeks on both sides
    for figure, lift in (("converted", CONVERSION_LIFT), ("unsubscribed", UNSUBSCRIBE_LIFT)):
        after, before = churn[f"{figure}_of_members_after"], churn[f"{figure}_of_members_before"]
        base = float(churn[f"outsider_{figure}_of_members"])
        expected = base + lift * (1 - base)
        assert abs(after - expected) <= _bound(expected, n_after), figure
        assert abs(before - base) <= _bound(base, n_before) + _bound(base, n_after), figure
        assert abs(float(churn[f"{figure}_lift_over_outsiders"]) - lift * (1 - base)) <= _bound(
            expected, n_after
        ), figure
    for w in weeks:
        assert 0 <= w["members_engaged"] <= w["members_reached"] <= w["members"]
