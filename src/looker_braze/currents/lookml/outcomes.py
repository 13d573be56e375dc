"""Views over derived tables for journeys and outcomes: Canvas users, steps and experiment paths,
campaign audiences (treatment and control) and subscription changes. Each derived table is the
row-level fragment the report's models aggregate (models/sql), so a measure here counts what the
model counts: users of a group, not events, and rates over the same cohort (never above 100%).
"""

from __future__ import annotations

from looker_braze.currents.lookml.sqltext import LiquidBinder, column, derived_sql
from looker_braze.currents.lookml.views import rate

CANVAS_USERS, CANVAS_STEPS = "canvas_journey_users", "canvas_step_users"
CANVAS_PATHS, CAMPAIGN_AUDIENCE = "canvas_experiment_paths", "campaign_audience"
SUBSCRIPTIONS = "subscription_changes"
PERCENT = {"value_format_name": "percent_2"}
# Model parameter -> the view's templated filter (a filter cannot share a dimension's name).
FILTERS = {"canvas_name": "canvas_filter", "campaign_name": "campaign_filter"}
# Raw event views the derived tables read: explored as they are, so the models include them.
CANVAS_EVENTS = (
    ("users_canvasstep_progression", "Canvas Step Progressions"),
    ("users_canvas_exit_matchedaudience", "Canvas Exits: Matched Audience"),
    ("users_canvas_exit_performedevent", "Canvas Exits: Performed Event"),
    ("users_canvas_experimentstep_splitentry", "Canvas Experiment Split Entries"),
    ("users_canvas_experimentstep_conversion", "Canvas Experiment Conversions"),
)
SUBSCRIPTION_EVENTS = (
    ("users_behaviors_subscriptiongroup_statechange", "Subscription Group Changes"),
    ("users_behaviors_subscription_globalstatechange", "Global Subscription Changes"),
)


def _field(name: str, type_: str, sql: str, description: str, **extra) -> dict:
    """A dimension or measure; a plain count (no SQL) counts the derived table's rows."""
    field = {"name": name, "type": type_, "sql": sql, "description": description, **extra}
    return field if sql else {k: v for k, v in field.items() if k != "sql"}


def _strings(d: str, *names: str) -> list[dict]:
    return [
        _field(name, "string", column(name, d), f"{name.replace('_', ' ').capitalize()}")
        for name in names
    ]


def _key(d: str, *parts: str) -> dict:
    joined = " || '|' || ".join(f"COALESCE({column(p, d)}, '')" for p in parts)
    return _field("row_key", "string", joined, "One row", primary_key="yes", hidden="yes")


def _when(condition: str, value: str) -> str:
    return f"CASE WHEN {condition} THEN {value} ELSE 0 END"


def _lift(treated: str, converted: str, control: str, control_converted: str) -> str:
    """Treatment rate minus control rate, empty (NULL) without a control group."""
    return (
        f"CASE WHEN {control} > 0 AND {treated} > 0 THEN 1.0 * {converted} / {treated}"
        f" - 1.0 * {control_converted} / {control} END"
    )


def _view(name: str, fragment: str, d: str, dimensions: list[dict], measures: list[dict]) -> dict:
    """A view over ``fragment``; its canvas or campaign filter (a templated filter) narrows the
    derived table before it groups users, as the models' parameters do."""
    binder = LiquidBinder()
    match = binder.match
    binder.match = lambda column_, param, dialect: match(column_, FILTERS[param], dialect)
    view: dict = {"name": name, "derived_table": {"sql": derived_sql(fragment, d, binder)}}
    used = {param for param in FILTERS if f"{{% condition {FILTERS[param]} %}}" in str(view)}
    if used:
        view["filters"] = [
            {
                "name": FILTERS[param],
                "type": "string",
                "description": f"Only users of this {param.removesuffix('_name')} "
                "(applied before users are counted)",
            }
            for param in sorted(used)
        ]
    return {**view, "dimensions": dimensions, "measures": measures}


def _entry_time(d: str, sql_column: str, description: str) -> dict:
    return {
        "name": "entry" if sql_column == "entry_time" else "event",
        "type": "time",
        "datatype": "epoch",
        "timeframes": ["raw", "date", "week", "month"],
        "sql": column(sql_column, d),
        "description": description,
    }


def canvas_users_view(d: str) -> dict:
    control, converted = column("in_control", d), column("converted", d)
    treated = f"(1 - {control})"
    measures = [
        _field("entered_users", "count", "", "Users who entered the Canvas"),
        _field("control_users", "sum", control, "Entered users held in the control group"),
        _field("treatment_users", "sum", treated, "Entered users not held out"),
        _field(
            "converted_users",
            "sum",
            _when(f"{control} = 0", converted),
            "Treatment users who converted",
        ),
        _field(
            "control_converted_users",
            "sum",
            _when(f"{control} = 1", converted),
            "Control users who converted",
        ),
        _field(
            "conversion_rate",
            "number",
            rate("${converted_users}", "${treatment_users}"),
            "Converted over treatment users",
            **PERCENT,
        ),
        _field(
            "control_conversion_rate",
            "number",
            rate("${control_converted_users}", "${control_users}"),
            "Converted over control users",
            **PERCENT,
        ),
        _field(
            "conversion_lift",
            "number",
            _lift(
                "${treatment_users}",
                "${converted_users}",
                "${control_users}",
                "${control_converted_users}",
            ),
            "Conversion rate minus control conversion rate; empty without a control group",
            **PERCENT,
        ),
    ]
    for reason, label in (
        ("matched_audience", "matched the exit audience"),
        ("performed_event", "performed the exit event"),
    ):
        measures += [
            _field(
                f"exited_{reason}",
                "sum",
                _when(f"{control} = 0", column(f"exited_{reason}", d)),
                f"Treatment users who exited because they {label}",
            ),
            _field(
                f"{reason}_exit_rate",
                "number",
                rate(f"${{exited_{reason}}}", "${treatment_users}"),
                f"Users who exited because they {label}, over treatment users",
                **PERCENT,
            ),
        ]
    return {
        **_view(
            CANVAS_USERS,
            "canvas_users",
            d,
            [_key(d, "canvas_id", "user_id"), *_strings(d, "canvas_name", "user_id")],
            measures,
        ),
        "dimension_groups": [_entry_time(d, "entry_time", "The user's first entry")],
    }


def canvas_steps_view(d: str) -> dict:
    def share(name: str, numerator: str, description: str) -> dict:
        return _field(name, "number", rate(numerator, "${users_reached}"), description, **PERCENT)

    return _view(
        CANVAS_STEPS,
        "canvas_step_users",
        d,
        [
            _key(d, "canvas_id", "canvas_step_id", "user_id"),
            *_strings(d, "canvas_name", "canvas_step_name", "canvas_step_id"),
        ],
        [
            _field("users_reached", "count", "", "Users who progressed into the step"),
            _field(
                "step_entries",
                "sum",
                column("entries", d),
                "Progressions into the step (a re-entry counts again, as in Braze's analytics)",
            ),
            _field("users_moved_on", "sum", column("moved_on", d), "Went on to the next step"),
            share("progression_rate", "${users_moved_on}", "Moved on over users reached"),
            _field(
                "exited_matched_audience",
                "sum",
                column("matched_audience", d),
                "Exited at the step: matched the exit audience",
            ),
            share(
                "matched_audience_exit_rate",
                "${exited_matched_audience}",
                "Exited (matched audience) over users reached",
            ),
            _field(
                "exited_performed_event",
                "sum",
                column("performed_event", d),
                "Exited at the step: performed the exit event",
            ),
            share(
                "performed_event_exit_rate",
                "${exited_performed_event}",
                "Exited (performed event) over users reached",
            ),
        ],
    )


def canvas_paths_view(d: str) -> dict:
    return _view(
        CANVAS_PATHS,
        "canvas_path_users",
        d,
        [
            _key(d, "canvas_id", "experiment_split_id", "user_id"),
            *_strings(d, "canvas_name", "step_name", "path_name"),
        ],
        [
            _field("path_users", "count", "", "Users who entered the path"),
            _field("converted_users", "sum", column("converted", d), "Path users who converted"),
            _field(
                "conversion_rate",
                "number",
                rate("${converted_users}", "${path_users}"),
                "Converted over path users",
                **PERCENT,
            ),
        ],
    )


def campaign_audience_view(d: str) -> dict:
    group, converted = column("audience_group", d), column("converted", d)
    treatment, control = f"{group} = 'treatment'", f"{group} = 'control'"
    return _view(
        CAMPAIGN_AUDIENCE,
        "campaign_audience",
        d,
        [
            _key(d, "campaign_id", "user_id"),
            *_strings(d, "campaign_name", "audience_group"),
        ],
        [
            _field("treatment_users", "sum", _when(treatment, "1"), "Users the campaign reached"),
            _field(
                "treatment_converted",
                "sum",
                _when(treatment, converted),
                "Treatment users who converted",
            ),
            _field(
                "conversion_rate",
                "number",
                rate("${treatment_converted}", "${treatment_users}"),
                "Converted over treatment users",
                **PERCENT,
            ),
            _field("control_users", "sum", _when(control, "1"), "Users held in control"),
            _field(
                "control_converted", "sum", _when(control, converted), "Control users converted"
            ),
            _field(
                "control_conversion_rate",
                "number",
                rate("${control_converted}", "${control_users}"),
                "Converted over control users",
                **PERCENT,
            ),
            _field(
                "absolute_lift",
                "number",
                _lift(
                    "${treatment_users}",
                    "${treatment_converted}",
                    "${control_users}",
                    "${control_converted}",
                ),
                "Conversion rate minus control conversion rate; empty without a control group",
                **PERCENT,
            ),
            _field(
                "relative_lift",
                "number",
                "CASE WHEN ${control_converted} > 0 AND ${treatment_users} > 0 THEN "
                "(1.0 * ${treatment_converted} / ${treatment_users}) / "
                "(1.0 * ${control_converted} / ${control_users}) - 1 END",
                "Absolute lift over the control conversion rate; empty without control conversions",
                **PERCENT,
            ),
        ],
    )


def subscriptions_view(d: str) -> dict:
    kind, status, user = column("event_type", d), column("status", d), column("user_id", d)

    def users(name: str, event_type: str, state: str, description: str) -> dict:
        sql = f"CASE WHEN {kind} = '{event_type}' AND {status} = '{state}' THEN {user} END"
        return _field(name, "count_distinct", sql, description)

    group, whole = "GroupStateChange", "GlobalStateChange"
    return {
        **_view(
            SUBSCRIPTIONS,
            "stg_subscriptions",
            d,
            [
                _field(
                    "event_id",
                    "string",
                    column("event_id", d),
                    "Event id",
                    primary_key="yes",
                    hidden="yes",
                ),
                *_strings(d, "event_type", "channel", "subscription_group_id"),
                *_strings(d, "subscription_status", "state_change_source"),
            ],
            [
                users("group_subscribed_users", group, "subscribed", "Subscribed to the group"),
                users("group_unsubscribed_users", group, "unsubscribed", "Left the group"),
                _field(
                    "group_net_change",
                    "number",
                    "${group_subscribed_users} - ${group_unsubscribed_users}",
                    "Subscribed minus unsubscribed users",
                ),
                users("global_opted_in_users", whole, "optedin", "Global state: opted in"),
                users("global_subscribed_users", whole, "subscribed", "Global state: subscribed"),
                users("global_unsubscribed_users", whole, "unsubscribed", "Global: unsubscribed"),
                _field(
                    "global_net_change",
                    "number",
                    "${global_opted_in_users} + ${global_subscribed_users}"
                    " - ${global_unsubscribed_users}",
                    "Opted in plus subscribed, minus unsubscribed users",
                ),
            ],
        ),
        "dimension_groups": [_entry_time(d, "event_time", "When the state changed")],
    }


def outcome_views(dialect: str) -> list[dict]:
    return [
        canvas_users_view(dialect),
        canvas_steps_view(dialect),
        canvas_paths_view(dialect),
        campaign_audience_view(dialect),
        subscriptions_view(dialect),
    ]


def outcome_explores() -> list[dict]:
    """Explores of the engagement model (the subscription one is the behaviour model's)."""
    return [
        {"name": CANVAS_USERS, "label": "Canvas Journeys"},
        {"name": CANVAS_STEPS, "label": "Canvas Steps"},
        {"name": CANVAS_PATHS, "label": "Canvas Experiment Paths"},
        {"name": CAMPAIGN_AUDIENCE, "label": "Campaign Conversions and Lift"},
        *({"name": name, "label": label} for name, label in CANVAS_EVENTS),
    ]


def subscription_explores() -> list[dict]:
    return [
        {"name": SUBSCRIPTIONS, "label": "Subscriptions by Week"},
        *({"name": name, "label": label} for name, label in SUBSCRIPTION_EVENTS),
    ]
