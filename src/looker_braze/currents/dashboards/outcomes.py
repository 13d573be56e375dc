"""Journeys and outcomes: Canvas journeys (entries, steps, exits, experiment paths,
conversions against control), campaign conversions against control (lift), and subscription
changes. Every figure counts users (one per Canvas, step, path or campaign), so every rate is
users over users of the same group and stays within 100%."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import BEHAVIOR_MODEL, ENGAGEMENT_MODEL
from looker_braze.currents.lookml.outcomes import (
    CAMPAIGN_AUDIENCE,
    CANVAS_PATHS,
    CANVAS_STEPS,
    CANVAS_USERS,
    SUBSCRIPTIONS,
)

NO_CONTROL = "Lift is shown only against a control group: a campaign without one says so."


def _f(label: str, key: str, kind: str, view: str, name: str = "") -> Field:
    """A field the report reads from ``key`` and Looker shows as ``view.name`` (default key)."""
    return Field(label, key, kind, (f"{view}.{name or key}",))


def _canvas_name(view: str) -> Field:
    return _f("Canvas", "canvas_name", "text", view)


def _canvas_filter(view: str) -> tuple[Filter, ...]:
    return (Filter("Canvas Name", view, f"{view}.canvas_name"),)


def _canvases() -> Tile:
    v = CANVAS_USERS
    return Tile(
        "Canvases: Entries, Exits and Conversions",
        "canvas_journeys",
        "table",
        (
            _canvas_name(v),
            _f("Entered", "entered_users", "int", v),
            _f("In control", "control_users", "int", v),
            Field("Control share (of entered)", "control_share", "pct"),
            _f("Exited: matched audience", "exited_matched_audience", "int", v),
            _f("Exited: performed event", "exited_performed_event", "int", v),
            _f("Converted", "converted_users", "int", v),
            _f("Conversion rate (of treatment)", "conversion_rate", "pct", v),
            _f("Control conversion rate", "control_conversion_rate", "pct", v),
            _f("Lift (percentage points)", "conversion_lift", "pct", v),
            Field("Note", "lift_note", "text"),
        ),
        Looker(
            v,
            "looker_grid",
            24,
            8,
            sorts=(f"{v}.canvas_name",),
            listen={"Canvas Name": f"{v}.canvas_name"},
        ),
        note="Users, not events: one per Canvas. Exits and conversions count the users who did "
        "not sit in the control group; the control group's conversions are the baseline.",
        wide=True,
    )


def _weekly() -> Tile:
    v = CANVAS_USERS
    return Tile(
        "Canvas Entries and Conversions by Week",
        "canvas_weekly",
        "table",
        (
            Field("Week of entry", "week_start", "date", (f"{v}.entry_week",)),
            _canvas_name(v),
            _f("Entered", "entered_users", "int", v),
            _f("In control", "control_users", "int", v),
            _f("Converted", "converted_users", "int", v),
            _f("Conversion rate (of treatment)", "conversion_rate", "pct", v),
            _f("Control conversion rate", "control_conversion_rate", "pct", v),
        ),
        Looker(
            v,
            "looker_grid",
            24,
            8,
            sorts=(f"{v}.entry_week desc",),
            listen={"Canvas Name": f"{v}.canvas_name"},
        ),
        note="Each user in the week of their first entry (local Monday weeks).",
        wide=True,
    )


def _steps() -> Tile:
    v = CANVAS_STEPS
    return Tile(
        "Step Progression and Exits",
        "canvas_steps",
        "table",
        (
            _canvas_name(v),
            _f("Step", "canvas_step_name", "text", v),
            _f("Entries", "step_entries", "int", v),
            _f("Users reached", "users_reached", "int", v),
            _f("Moved on", "users_moved_on", "int", v),
            _f("Progression rate (of reached)", "progression_rate", "pct", v),
            _f("Exit rate: matched audience", "matched_audience_exit_rate", "pct", v),
            _f("Exit rate: performed event", "performed_event_exit_rate", "pct", v),
        ),
        Looker(
            v,
            "looker_grid",
            24,
            8,
            sorts=(f"{v}.canvas_name", f"{v}.users_reached desc"),
            listen={"Canvas Name": f"{v}.canvas_name"},
        ),
        note="Entries count each re-entry, as Braze's step analytics do; the rest count users. "
        "Moved on: users who reached the step and then its next step. The last step has no "
        "next step, so no progression rate.",
        wide=True,
    )


def _experiments() -> Tile:
    v = CANVAS_PATHS
    return Tile(
        "Experiment Paths",
        "canvas_experiments",
        "table",
        (
            _canvas_name(v),
            _f("Experiment step", "step_name", "text", v),
            _f("Path", "path_name", "text", v),
            _f("Users", "path_users", "int", v),
            Field("Share of the step", "path_share", "pct"),
            _f("Converted", "converted_users", "int", v),
            _f("Conversion rate (of path users)", "conversion_rate", "pct", v),
        ),
        Looker(
            v,
            "looker_grid",
            24,
            6,
            sorts=(f"{v}.canvas_name", f"{v}.path_name"),
            listen={"Canvas Name": f"{v}.canvas_name"},
        ),
        wide=True,
    )


def canvas_journeys() -> Dashboard:
    return Dashboard(
        "canvas_journeys",
        "Canvas Journeys",
        "Per Canvas: users who entered, held in control, exited by reason and converted "
        "(against the control group), by week of entry; step progression; experiment paths "
        "and their conversion rates.",
        ENGAGEMENT_MODEL,
        (_canvases(), _weekly(), _steps(), _experiments()),
        _canvas_filter(CANVAS_USERS),
    )


def _lift_fields(v: str) -> tuple[Field, ...]:
    return (
        _f("Treatment users", "treatment_users", "int", v),
        _f("Treatment converted", "treatment_converted", "int", v),
        _f("Conversion rate (of treatment)", "conversion_rate", "pct", v),
        _f("Control users", "control_users", "int", v),
        _f("Control converted", "control_converted", "int", v),
        _f("Control conversion rate", "control_conversion_rate", "pct", v),
        _f("Absolute lift (percentage points)", "absolute_lift", "pct", v),
        _f("Relative lift", "relative_lift", "pct", v),
    )


def conversions_and_lift() -> Dashboard:
    v = CAMPAIGN_AUDIENCE
    listen = {"Campaign Name": f"{v}.campaign_name"}
    return Dashboard(
        "conversions_and_lift",
        "Conversions and Lift",
        "Campaign conversions against control: users a campaign reached (treatment) and users "
        "Braze held in its control group, how many of each converted, and the lift.",
        ENGAGEMENT_MODEL,
        (
            Tile(
                "Campaigns with a Control Group, Pooled",
                "campaign_lift_total",
                "kpis",
                _lift_fields(v),
                Looker(v, "looker_single_record", 24, 4, listen=listen),
            ),
            Tile(
                "Conversions and Lift by Campaign",
                "campaign_lift",
                "table",
                (
                    _f("Campaign", "campaign_name", "text", v),
                    *_lift_fields(v),
                    Field("Note", "lift_note", "text"),
                ),
                Looker(
                    v,
                    "looker_grid",
                    24,
                    10,
                    sorts=(f"{v}.campaign_name",),
                    listen=listen,
                ),
                note=f"Treatment: users sent (or shown) the campaign. {NO_CONTROL}",
                wide=True,
            ),
        ),
        (Filter("Campaign Name", v, f"{v}.campaign_name"),),
    )


def subscriptions() -> Dashboard:
    v = SUBSCRIPTIONS
    week = Field("Week", "week_start", "date", (f"{v}.event_week",))
    return Dashboard(
        "subscriptions",
        "Subscriptions",
        "Subscription groups by week: users who subscribed and unsubscribed, and the net "
        "change; global email and push subscription states by week.",
        BEHAVIOR_MODEL,
        (
            Tile(
                "Subscription Group Changes by Week",
                "subscription_changes",
                "table",
                (
                    week,
                    _f("Group", "subscription_group_id", "text", v),
                    _f("Channel", "channel", "text", v),
                    _f("Subscribed", "subscribed_users", "int", v, "group_subscribed_users"),
                    _f("Unsubscribed", "unsubscribed_users", "int", v, "group_unsubscribed_users"),
                    _f("Net change", "net_change", "int", v, "group_net_change"),
                ),
                Looker(
                    v,
                    "looker_grid",
                    12,
                    8,
                    sorts=(f"{v}.event_week desc",),
                    filters={f"{v}.event_type": "GroupStateChange"},
                    listen={"Date": f"{v}.event_date"},
                ),
                note="Users, once per week and state.",
            ),
            Tile(
                "Global Subscription States by Week",
                "global_subscription_changes",
                "table",
                (
                    week,
                    _f("Channel", "channel", "text", v),
                    _f("Opted in", "opted_in_users", "int", v, "global_opted_in_users"),
                    _f("Subscribed", "subscribed_users", "int", v, "global_subscribed_users"),
                    _f("Unsubscribed", "unsubscribed_users", "int", v, "global_unsubscribed_users"),
                    _f("Net change", "net_change", "int", v, "global_net_change"),
                ),
                Looker(
                    v,
                    "looker_grid",
                    12,
                    8,
                    sorts=(f"{v}.event_week desc",),
                    filters={f"{v}.event_type": "GlobalStateChange"},
                    listen={"Date": f"{v}.event_date"},
                ),
                note="Net change: opted in plus subscribed, minus unsubscribed users.",
            ),
        ),
        (Filter("Date", v, f"{v}.event_date", "12 weeks"),),
    )
