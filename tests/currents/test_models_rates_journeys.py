"""Property test: on any set of Canvas, campaign conversion and subscription events (not only
the shape Braze promises: conversions and exits of users who never entered, control users who
were also sent the campaign, repeated entries, rows delivered twice), every rate of the journey
and outcome models lies in [0, 1], path shares add up to 1 per experiment step, and the lift is
empty exactly when there is no control group. The models count users of one cohort over users
of the same cohort, which is what keeps the rates bounded whatever arrives."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.currents.dashboards import dashboards_of
from looker_braze.currents.models import MODELS, bound_values
from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.compiler import compile_sql
from looker_braze.currents.schemas import EVENT_TYPES, table_name
from looker_braze.currents.warehouse import Warehouse
from tests.currents.test_models_support import create_tables

START = 1_704_067_200  # 2024-01-01 00:00 UTC
DAY = 86_400
OUTCOME_MODELS = [
    name
    for name in MODELS
    if set(dashboards_of(name)) & {"Canvas Journeys", "Conversions and Lift", "Subscriptions"}
]
CANVAS_TYPES = {
    "Entry": "users.canvas.Entry",
    "Progression": "users.canvasstep.Progression",
    "MatchedAudience": "users.canvas.exit.MatchedAudience",
    "PerformedEvent": "users.canvas.exit.PerformedEvent",
    "SplitEntry": "users.canvas.experimentstep.SplitEntry",
    "ExperimentConversion": "users.canvas.experimentstep.Conversion",
    "Conversion": "users.canvas.Conversion",
}
CAMPAIGN_TYPES = {
    "EmailSend": "users.messages.email.Send",
    "PushSend": "users.messages.pushnotification.Send",
    "EnrollInControl": "users.campaigns.EnrollInControl",
    "Conversion": "users.campaigns.Conversion",
}
SUBSCRIPTION_TYPES = {
    "group": "users.behaviors.subscriptiongroup.StateChange",
    "global": "users.behaviors.subscription.GlobalStateChange",
}

# One user's story in one Canvas or campaign; every part is drawn independently, so stories
# Braze would not send (a conversion without an entry, a control user who was also sent the
# campaign) come up as often as the usual ones.
canvas_story = st.fixed_dictionaries(
    {
        "user": st.sampled_from(["u1", "u2", "u3"]),
        "canvas": st.integers(0, 1),
        "entries": st.lists(st.booleans(), max_size=2),  # True = held in control
        "steps": st.lists(st.integers(0, 2), max_size=3),  # steps progressed into
        "linear": st.booleans(),  # next_step_id = the following step (else none)
        "exits": st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=2),
        "paths": st.lists(st.integers(0, 1), max_size=2),  # experiment paths entered
        "path_converted": st.lists(st.integers(0, 1), max_size=2),
        "converted": st.booleans(),
        "day": st.integers(0, 20),
        "duplicate": st.booleans(),
    }
)
campaign_story = st.fixed_dictionaries(
    {
        "user": st.sampled_from(["u1", "u2", "u3"]),
        "campaign": st.integers(0, 1),
        "sent": st.sampled_from([None, "email", "push"]),
        "enrolled": st.booleans(),
        "converted": st.booleans(),
        "day": st.integers(0, 20),
        "duplicate": st.booleans(),
    }
)
subscription_event = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(sorted(SUBSCRIPTION_TYPES)),
        "user": st.sampled_from(["u1", "u2", "u3"]),
        "channel": st.sampled_from(["email", "push", "sms"]),
        "status": st.sampled_from(["Subscribed", "Unsubscribed", "Opted In", "opted_in"]),
        "day": st.integers(0, 20),
    }
)


def _add(rows: dict, event_type: str, row: dict, duplicate: bool) -> None:
    row = {"id": f"{event_type}-{len(rows[event_type])}", **row}
    rows[event_type].append(row)
    if duplicate:
        rows[event_type].append(dict(row))


def _canvas_event(rows: dict, e: dict, kind: str, step: int, offset: int, **extra) -> None:
    """One event of story ``e`` at ``step``, ``offset`` minutes into its day."""
    canvas = f"canvas-{e['canvas']}"
    row = {
        "user_id": e["user"],
        "time": START + e["day"] * DAY + offset * 60,
        "canvas_id": canvas,
        "canvas_name": f"Canvas {e['canvas']}",
        "canvas_variation_id": f"{canvas}-v",
        "canvas_step_id": f"{canvas}-step-{step}",
        "canvas_step_name": f"Step {step}",
        **extra,
    }
    _add(rows, CANVAS_TYPES[kind], row, e["duplicate"])


def _canvas_rows(stories: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in CANVAS_TYPES.values()}
    for e in stories:
        canvas = f"canvas-{e['canvas']}"
        for control in e["entries"]:
            _canvas_event(rows, e, "Entry", 0, 0, in_control_group=control)
        for step in e["steps"]:
            following = f"{canvas}-step-{step + 1}" if e["linear"] and step < 2 else None
            _canvas_event(
                rows,
                e,
                "Progression",
                step,
                1 + step,
                progression_type="advance",
                next_step_id=following,
                canvas_entry_id="entry",
            )
        for step, matched in e["exits"]:
            _canvas_event(rows, e, "MatchedAudience" if matched else "PerformedEvent", step, 5)
            _canvas_event(
                rows, e, "Progression", step, 5, progression_type="exit", canvas_entry_id="entry"
            )
        for kind, paths in (
            ("SplitEntry", e["paths"]),
            ("ExperimentConversion", e["path_converted"]),
        ):
            for path in paths:
                extra = {"in_control_group": False} if kind == "SplitEntry" else {}
                _canvas_event(
                    rows,
                    e,
                    kind,
                    1,
                    6,
                    experiment_step_id=f"{canvas}-step-1",
                    experiment_split_id=f"{canvas}-path-{path}",
                    experiment_split_name=f"Path {path}",
                    **extra,
                )
        if e["converted"]:
            _canvas_event(rows, e, "Conversion", 0, 9)
    return rows


def _campaign_rows(stories: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in CAMPAIGN_TYPES.values()}
    for e in stories:
        row = {
            "user_id": e["user"],
            "time": START + e["day"] * DAY,
            "campaign_id": f"c{e['campaign']}",
            "campaign_name": f"Campaign {e['campaign']}",
            "message_variation_id": f"v{e['campaign']}",
        }
        if e["sent"] == "email":
            row["email_address"] = f"{e['user']}@example.com"
            _add(rows, CAMPAIGN_TYPES["EmailSend"], row, e["duplicate"])
        elif e["sent"] == "push":
            _add(rows, CAMPAIGN_TYPES["PushSend"], {**row, "app_id": "app"}, e["duplicate"])
        if e["enrolled"]:
            _add(rows, CAMPAIGN_TYPES["EnrollInControl"], row, e["duplicate"])
        if e["converted"]:
            _add(rows, CAMPAIGN_TYPES["Conversion"], row, e["duplicate"])
    return rows


def _subscription_rows(events: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {t: [] for t in SUBSCRIPTION_TYPES.values()}
    for e in events:
        row = {
            "user_id": e["user"],
            "time": START + e["day"] * DAY,
            "channel": e["channel"],
            "subscription_status": e["status"],
            "subscription_group_id": f"group-{e['channel']}",
        }
        _add(rows, SUBSCRIPTION_TYPES[e["kind"]], row, False)
    return rows


def _sql(model: str) -> str:
    tables = [table_name(t) for t in EVENT_TYPES]
    return compile_sql(model, "duckdb", ValueBinder(bound_values(model, {})), tables=tables)


def _bounded(model: str, columns: list[str], row: tuple) -> None:
    record = dict(zip(columns, row, strict=True))
    for column, value in record.items():
        if (column.endswith(("_rate", "_share"))) and value is not None:
            assert 0 <= value <= 1, (model, column, value)
    if "lift_note" in record:  # lift is empty exactly when there is no control group
        control = record.get("control_users")
        lift = record.get("absolute_lift", record.get("conversion_lift"))
        assert (record["lift_note"] == "no control group") == (control == 0)
        if control == 0:
            assert lift is None


@settings(max_examples=20, deadline=None)
@given(
    canvas=st.lists(canvas_story, max_size=5),
    campaigns=st.lists(campaign_story, max_size=6),
    subscriptions=st.lists(subscription_event, max_size=6),
)
def test_every_journey_and_outcome_rate_is_between_0_and_1(canvas, campaigns, subscriptions):
    warehouse = Warehouse("duckdb", duckdb.connect(":memory:"))
    warehouse.execute("SET TimeZone = 'UTC'")
    rows = {
        **_canvas_rows(canvas),
        **_campaign_rows(campaigns),
        **_subscription_rows(subscriptions),
    }
    create_tables(warehouse, {t: [] for t in EVENT_TYPES if t not in rows})
    create_tables(warehouse, rows)
    try:
        assert len(OUTCOME_MODELS) == 8
        for model in OUTCOME_MODELS:
            columns, result = warehouse.query(_sql(model))
            for row in result:
                _bounded(model, columns, row)
            if model == "canvas_experiments":
                shares: dict = {}
                for row in result:
                    record = dict(zip(columns, row, strict=True))
                    key = (record["canvas_name"], record["step_name"])
                    shares[key] = shares.get(key, 0) + record["path_share"]
                assert all(abs(total - 1) < 1e-9 for total in shares.values())
    finally:
        warehouse.close()
