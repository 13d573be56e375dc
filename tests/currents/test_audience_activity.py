"""Audience response on every channel, on hand-made Currents whose counts are worked out on
paper (DuckDB and PostgreSQL alike), and a property over random small worlds (DuckDB): no rate
passes 100% and members_engaged <= members_reached <= members, week by week.

The paper world: audience "vip" (external ids m1, m2, m3) joins on Thursday 2024-01-11 00:00 UTC,
the start of a calendar week (epoch weeks start on Thursdays), so week 0 of every member is one
calendar week; m3 leaves on 2024-01-14. The first message goes out on 2024-01-04 (week -1 is
covered from that midnight), the last on 2024-01-18 01:00 (week 1 is not covered whole).
Week -1: m2 gets an email (delivered, not opened); outsider o1 gets a push and an email.
Week 0: m1 gets an SMS (delivered) and nothing else; m2 gets an email, delivered and opened, and
converts on a Canvas; m3 unsubscribes (global email) on 2024-01-12 and gets a push on 2024-01-15,
after leaving; outsider o1 sees and clicks an in-app message; outsider o2 is sent a webhook and
converts on a campaign.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.audiences.export import export_membership
from looker_braze.currents.models import run
from looker_braze.currents.warehouse import connect
from looker_braze.state import Sent, open_store
from tests.currents.test_models_support import create_tables, epoch, message

WORKSPACE = "https://rest.iad-01.braze.com#0123456789abcdef"
JOINED, LEFT = epoch("2024-01-11 00:00"), epoch("2024-01-14 00:00")
DAY = 86_400
EMAIL, PUSH, SMS = (
    "users.messages.email.",
    "users.messages.pushnotification.",
    "users.messages.sms.",
)
IN_APP, WEBHOOK = "users.messages.inappmessage.", "users.messages.webhook."
CANVAS_CONVERSION, CAMPAIGN_CONVERSION = "users.canvas.Conversion", "users.campaigns.Conversion"
GLOBAL = "users.behaviors.subscription.GlobalStateChange"


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request, tmp_path):
    if request.param == "duckdb":
        return str(tmp_path / "w.duckdb")
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


def _user(name: str, time: int, **extra) -> dict:
    return {"user_id": f"u-{name}", "external_user_id": name, "time": time, **extra}


def _email(name: str, time: int, **ids) -> dict:
    return _user(name, time, email_address=f"{name}@x", **ids)


def paper_world() -> dict[str, list[dict]]:
    t, spring = epoch, message("Spring", "V1")
    welcome = message(canvas="Welcome", step="ST1")
    return {
        PUSH + "Send": [
            _user("o1", t("2024-01-04 10:00"), platform="ios", **spring),
            _user("m3", t("2024-01-15 10:00"), platform="ios", **spring),  # after leaving
        ],
        EMAIL + "Send": [
            _email("m2", t("2024-01-05 10:00"), **spring),
            _email("o1", t("2024-01-05 10:00"), **spring),
            _email("m2", t("2024-01-12 10:00"), **welcome),
        ],
        EMAIL + "Delivery": [
            _email("m2", t("2024-01-05 10:01"), **spring),
            _email("o1", t("2024-01-05 10:01"), **spring),
            _email("m2", t("2024-01-12 10:01"), **welcome),
        ],
        EMAIL + "Open": [_email("m2", t("2024-01-12 11:00"), **welcome)],
        SMS + "Send": [_user("m1", t("2024-01-12 09:00"), to_phone_number="+15550001", **spring)],
        SMS + "Delivery": [
            _user("m1", t("2024-01-12 09:01"), to_phone_number="+15550001", **spring)
        ],
        IN_APP + "Impression": [_user("o1", t("2024-01-12 12:00"), app_id="app", **spring)],
        IN_APP + "Click": [_user("o1", t("2024-01-12 12:01"), app_id="app", **spring)],
        WEBHOOK + "Send": [
            _user("o2", t("2024-01-13 08:00"), **spring),
            _user("o2", t("2024-01-18 01:00"), **spring),  # the last message of the data
        ],
        CANVAS_CONVERSION: [_user("m2", t("2024-01-13 09:00"), **welcome)],
        CAMPAIGN_CONVERSION: [_user("o2", t("2024-01-14 09:00"), **spring)],
        GLOBAL: [
            _user(
                "m3",
                t("2024-01-12 15:00"),
                channel="email",
                subscription_status="Unsubscribed",
                email_address="m3@x",
            )
        ],
    }


def export_audience(warehouse, label: str, members: list[str], leaving: dict[str, int]) -> None:
    """Record ``members`` (external ids) joining at JOINED through a real state store, those in
    ``leaving`` leaving at their time, and export the history into ``warehouse``."""
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/s.db") as store:
        audience = store.audience_id(WORKSPACE, "looker_export", label)
        store.record_sent(
            audience, WORKSPACE, [Sent(f"external_id:{m}", flagged=True) for m in members]
        )
        for member, at in leaving.items():
            store.remove_members(audience, [f"external_id:{member}"])
            store._conn.execute(
                "UPDATE audience_changes SET at_ms = ? WHERE joined = 0 AND member = ?",
                (at * 1000, f"external_id:{member}"),
            )
        store._conn.execute(
            "UPDATE audience_changes SET at_ms = ? WHERE joined = 1", (JOINED * 1000,)
        )
        export_membership(store, warehouse)


def test_every_channel_counts_on_paper(warehouse_url):
    with connect(warehouse_url) as warehouse:
        create_tables(warehouse, paper_world())
        export_audience(warehouse, "vip", ["m1", "m2", "m3"], {"m3": LEFT})
        weeks = {
            w["week_since_joining"]: w for w in run(warehouse, "audience_engagement").records()
        }
        [vip] = run(warehouse, "audience_summary").records()
    assert sorted(weeks) == [-1, 0]  # week 1 is not covered whole; m3's late push is not theirs
    before, after = weeks[-1], weeks[0]
    counts = ("members", "members_reached", "members_delivered", "members_engaged")
    counts += ("members_converted", "members_unsubscribed")
    assert [before[c] for c in counts] == [3, 1, 1, 0, 0, 0]
    # m1 by SMS alone is reached and delivered; m2 engaged and converted on the Canvas; m3,
    # gone before their push, is a member of week 0 (in when it began) and unsubscribed.
    assert [after[c] for c in counts] == [3, 2, 2, 1, 1, 1]
    assert after["reached_of_members"] == pytest.approx(2 / 3)
    assert after["delivered_of_reached"] == 1
    assert after["engaged_of_reached"] == 0.5
    assert after["converted_of_members"] == pytest.approx(1 / 3)
    assert after["unsubscribed_of_members"] == pytest.approx(1 / 3)
    # Outsiders o1 and o2 (the five known users but the three members), the same calendar
    # week: both reached (o1 shown an in-app message, o2 sent a webhook), o1 delivered and
    # engaged, o2 converted.
    figures = ("reached_of_members", "delivered_of_reached", "engaged_of_reached")
    figures += ("converted_of_members", "unsubscribed_of_members")
    assert [float(after[f"outsider_{f}"]) for f in figures] == [1, 0.5, 0.5, 0.5, 0]
    # No outsider had an email or push delivery that week: nothing to compare m2's with.
    assert after["outsider_engagement_rate"] is None
    assert after["deliveries"] == 1 and after["engaged_deliveries"] == 1  # m2's email
    assert vip["reached_of_members_before"] == pytest.approx(1 / 3)
    assert vip["reached_of_members_after"] == pytest.approx(2 / 3)
    assert float(vip["reached_lift_over_outsiders"]) == pytest.approx(-1 / 3, abs=1e-8)
    assert float(vip["reached_lift_over_before"]) == pytest.approx(1 / 3, abs=1e-8)
    assert float(vip["converted_lift_over_outsiders"]) == pytest.approx(1 / 3 - 1 / 2, abs=1e-8)
    assert float(vip["converted_lift_over_before"]) == pytest.approx(1 / 3, abs=1e-8)
    assert float(vip["unsubscribed_lift_over_before"]) == pytest.approx(1 / 3, abs=1e-8)
    assert float(vip["engaged_lift_over_outsiders"]) == pytest.approx(0, abs=1e-8)
    assert vip["engaged_of_reached_before"] == 0


KINDS = {  # what one drawn event writes: (event type, extra columns) pairs
    "email": ((EMAIL + "Send", {}), (EMAIL + "Delivery", {})),
    "email_open": ((EMAIL + "Open", {}),),
    "sms": ((SMS + "Send", {}), (SMS + "Delivery", {})),
    "sms_click": ((SMS + "ShortLinkClick", {}),),
    "push_open": ((PUSH + "Send", {"platform": "ios"}), (PUSH + "Open", {"platform": "ios"})),
    "in_app": ((IN_APP + "Impression", {"app_id": "a"}), (IN_APP + "Click", {"app_id": "a"})),
    "webhook": ((WEBHOOK + "Send", {}),),
    "canvas_conversion": ((CANVAS_CONVERSION, message(canvas="C", step="S")),),
    "campaign_conversion": ((CAMPAIGN_CONVERSION, {}),),
    "unsubscribe": ((GLOBAL, {"channel": "email", "subscription_status": "Unsubscribed"}),),
}
USERS = [f"p{n}" for n in range(6)]

events = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(sorted(KINDS)),
        st.integers(-14 * DAY, 14 * DAY),  # seconds from the join
    ),
    min_size=5,
    max_size=60,
)


def _world(drawn) -> dict[str, list[dict]]:
    """The drawn events, between two webhooks to an outsider that make weeks -2 to 1 covered."""
    spring = message("Spring", "V1")
    ends = (JOINED - 14 * DAY, JOINED + 14 * DAY + 3600)
    world: dict[str, list[dict]] = {WEBHOOK + "Send": [_user("x", t, **spring) for t in ends]}
    for user, kind, offset in drawn:
        for n, (event_type, extra) in enumerate(KINDS[kind]):
            ids = {**message("Spring", "V1"), **extra}
            row = _email(user, JOINED + offset + 60 * n, **ids)
            world.setdefault(event_type, []).append(row)
    return world


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn=events,
    members=st.sets(st.sampled_from(USERS), min_size=1),
    leaving=st.dictionaries(st.sampled_from(USERS), st.integers(0, 20 * DAY), max_size=3),
)
def test_no_rate_passes_100_percent_and_each_count_is_within_its_base(drawn, members, leaving):
    leaving = {m: JOINED + at for m, at in leaving.items() if m in members}
    with tempfile.TemporaryDirectory() as folder, connect(f"{folder}/w.duckdb") as warehouse:
        create_tables(warehouse, _world(drawn))
        export_audience(warehouse, "random", sorted(members), leaving)
        weeks = run(warehouse, "audience_engagement").records()
        summary = run(warehouse, "audience_summary").records()
    found = members & {user for user, _, _ in drawn}  # a member without events is not known
    # Weeks -2 and -1 of every member found, weeks 0 and 1 of those who stayed.
    assert sum(w["members"] for w in weeks) >= 2 * len(found) + 2 * len(found - set(leaving))
    for w in weeks:
        assert 0 <= w["members_engaged"] <= w["members_reached"] <= w["members"] <= len(members)
        assert w["members_delivered"] <= w["members_reached"]
        assert w["members_converted"] <= w["members"] and w["members_unsubscribed"] <= w["members"]
        assert w["engaged_deliveries"] <= w["deliveries"]
    for row in [*weeks, *summary]:
        for name, value in row.items():
            if value is None or not isinstance(value, int | float | Decimal):
                continue
            if "lift" in name:
                assert -1 <= value <= 1, (name, row)
            elif name.endswith(("_of_members", "_of_reached", "_rate", "_before", "_after")):
                assert 0 <= value <= 1, (name, row)
