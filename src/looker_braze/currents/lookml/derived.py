"""Views over derived tables: the marketing pressure views (cadence and frequency, email and
push; the blocks had them for Snowflake only) and the retention grids. Their SQL is the models'
own fragments (models/sql), transpiled for the dialect, with Looker filling in the query's time
zone, the frequency granularity and the campaign/canvas templated filters, so Looker and
`looker-braze currents run` compute the same thing."""

from __future__ import annotations

from looker_braze.currents.lookml.audiences import audience_views
from looker_braze.currents.lookml.messaging import messaging_view
from looker_braze.currents.lookml.outcomes import outcome_views
from looker_braze.currents.lookml.overview import overview_view
from looker_braze.currents.lookml.sqltext import LiquidBinder, column, derived_sql, expression
from looker_braze.currents.lookml.surfaces import surface_views
from looker_braze.currents.lookml.views import SEND, rate
from looker_braze.currents.models.binding import literal

DAY_TIERS = [str(n) for n in range(1, 15)] + ["28"]
WEEK_TIERS = [str(n) for n in range(1, 14)] + ["23", "33", "52"]
TIMEFRAMES = ["raw", "time", "date", "hour_of_day", "day_of_week", "week", "month"]
# Model parameters the derived tables keep at their default: machine opens and suspected bot
# clicks are not engagement (as in Braze's dashboards).
MODEL_DEFAULTS = {"machine_events": "exclude"}
# The frequency views' templated filters (the blocks filtered canvas_step_id with canvas_name).
FREQUENCY_FILTERS = ("campaign_name", "canvas_name", "message_variation_id", "canvas_step_id")
PLATFORM = "Platform of the device (ios, android, web ...)"
CHANNELS = {  # channel -> (fragment prefix, recipient label, explore for filter suggestions)
    "email": ("email", "email_address", SEND),
    "push": ("push", "user_id", "users_messages_pushnotification_send"),
}


def derived_views(dialect: str) -> list[dict]:
    views = []
    for channel in CHANNELS:
        views += [cadence_view(channel, dialect), frequency_view(channel, dialect)]
    views.append(send_cadence_view(dialect))
    views += [retention_view("daily", dialect), retention_view("weekly", dialect)]
    return [
        *views,
        messaging_view(dialect),
        *outcome_views(dialect),
        *surface_views(dialect),
        *audience_views(dialect),
        overview_view(dialect),
    ]


def _dim(name: str, type_: str, sql: str, description: str, **extra) -> dict:
    return {"name": name, "type": type_, "sql": sql, "description": description, **extra}


def _measure(name: str, type_: str, sql: str, description: str, **extra) -> dict:
    return {"name": name, "type": type_, "sql": sql, "description": description, **extra}


def _engagement_measures(channel: str, d: str) -> list[dict]:
    c = column("delivery_id", d)
    measures = [
        _measure("deliveries", "count_distinct", c, "Deliveries (distinct delivery ids)"),
        _measure("recipients", "count_distinct", column("recipient", d), "Distinct recipients"),
        _measure(
            "unique_opens",
            "sum",
            column("opened", d),
            "Deliveries with at least one open attributed to them",
        ),
        _measure(
            "unique_open_rate",
            "number",
            rate("${unique_opens}", "${deliveries}"),
            "Unique opens per delivery",
            value_format_name="percent_2",
        ),
    ]
    if channel == "email":
        measures += [
            _measure(
                "unique_clicks",
                "sum",
                column("clicked", d),
                "Deliveries with at least one click attributed to them",
            ),
            _measure(
                "unique_click_rate",
                "number",
                rate("${unique_clicks}", "${deliveries}"),
                "Unique clicks per delivery",
                value_format_name="percent_2",
            ),
        ]
    return measures


def _message_dimensions(d: str) -> list[dict]:
    return [
        _dim(name, "string", column(name, d), f"{name.replace('_', ' ')} of the message")
        for name in ("campaign_name", "canvas_name", "message_variation_id", "canvas_step_id")
    ]


def _platform(channel: str, d: str) -> list[dict]:
    """Push deliveries have a platform (the Push Marketing Pressure dashboard's filter); email
    has none."""
    if channel != "push":
        return []
    return [_dim("platform", "string", column("platform", d), PLATFORM)]


def cadence_view(channel: str, d: str) -> dict:
    prefix, recipient, _ = CHANNELS[channel]
    return {
        "name": f"{channel}_messaging_cadence",
        "derived_table": {
            "sql": derived_sql(f"{prefix}_cadence", d, _with_defaults(LiquidBinder()))
        },
        "dimensions": [
            _dim(
                "delivery_id",
                "string",
                column("delivery_id", d),
                "Delivery id",
                primary_key="yes",
                hidden="yes",
            ),
            _dim(recipient, "string", column("recipient", d), "The recipient"),
            *_message_dimensions(d),
            *_platform(channel, d),
            _dim(
                "delivery_rank",
                "number",
                column("delivery_rank", d),
                "1 = the recipient's first delivery, 2 = second, ...",
            ),
            _dim(
                "days_since_previous",
                "number",
                column("days_since_previous", d),
                "Local days since the recipient's previous delivery (empty for the first)",
            ),
            _dim(
                "days_since_previous_tier",
                "tier",
                column("days_since_previous", d),
                "Days since the previous delivery, in tiers",
                tiers=DAY_TIERS,
                style="integer",
            ),
            _dim(
                "weeks_since_previous",
                "number",
                column("weeks_since_previous", d),
                "Monday weeks since the recipient's previous delivery",
            ),
            _dim(
                "weeks_since_previous_tier",
                "tier",
                column("weeks_since_previous", d),
                "Weeks since the previous delivery, in tiers",
                tiers=WEEK_TIERS,
                style="integer",
            ),
        ],
        "dimension_groups": [
            {
                "name": "delivery",
                "type": "time",
                "datatype": "epoch",
                "timeframes": TIMEFRAMES,
                "sql": column("delivered_time", d),
                "description": "When the message was delivered",
            }
        ],
        "measures": [
            *_engagement_measures(channel, d),
            _measure(
                "average_days_since_previous",
                "average",
                column("days_since_previous", d),
                "Average local days between consecutive deliveries",
                value_format_name="decimal_1",
            ),
        ],
    }


def frequency_view(channel: str, d: str) -> dict:
    prefix, recipient, suggest = CHANNELS[channel]
    binder = _with_defaults(LiquidBinder({"granularity": "date_granularity"}))
    occasion = expression("${TABLE}.recipient || '|' || CAST(${TABLE}.period_start AS VARCHAR)", d)
    return {
        "name": f"{channel}_messaging_frequency",
        "derived_table": {"sql": derived_sql(f"{prefix}_frequency_rows", d, binder)},
        "filters": [
            {
                "name": name,
                "type": "string",
                "suggest_explore": suggest,
                "suggest_dimension": name,
                "description": "Only messages of this "
                + name.replace("_", " ").removesuffix(" name"),
            }
            for name in FREQUENCY_FILTERS
        ],
        "parameters": [
            {
                "name": "date_granularity",
                "type": "string",
                "default_value": "day",
                "description": "Count deliveries per local day, week (Monday) or month",
                "allowed_values": [{"value": v} for v in ("day", "week", "month")],
            }
        ],
        "dimensions": [
            _dim(
                "delivery_id",
                "string",
                column("delivery_id", d),
                "Delivery id",
                primary_key="yes",
                hidden="yes",
            ),
            _dim(recipient, "string", column("recipient", d), "The recipient"),
            _dim(
                "period_start",
                "date",
                column("period_start", d),
                "First local day of the day, week or month counted",
            ),
            _dim(
                "frequency",
                "number",
                column("frequency", d),
                "Deliveries the recipient got in that day, week or month",
            ),
            # filtering on it keeps the frequency of all the recipient's pushes (the
            # pressure) and measures the platform's deliveries, as the push_frequency model
            *_platform(channel, d),
        ],
        "dimension_groups": [
            {
                "name": "delivery",
                "type": "time",
                "datatype": "epoch",
                "timeframes": TIMEFRAMES,
                "sql": column("delivered_time", d),
                "description": "When the message was delivered",
            }
        ],
        "measures": [
            *_engagement_measures(channel, d),
            _measure(
                "occasions",
                "count_distinct",
                occasion,
                "How many (recipient, period) had this frequency",
            ),
        ],
    }


def send_cadence_view(d: str) -> dict:
    """The block's push cadence counts over sends: sends, bounces and bounced recipients by a
    send's rank among its user's sends (push_send_ranks)."""
    bounced = column("bounced", d)
    return {
        "name": "push_messaging_send_cadence",
        "derived_table": {"sql": derived_sql("push_send_ranks", d, _with_defaults(LiquidBinder()))},
        "dimensions": [
            _dim(
                "send_id",
                "string",
                column("send_id", d),
                "Push send id",
                primary_key="yes",
                hidden="yes",
            ),
            _dim("user_id", "string", column("recipient", d), "The user sent the push"),
            *_message_dimensions(d),
            _dim("platform", "string", column("platform", d), PLATFORM),
            _dim(
                "send_rank",
                "number",
                column("send_rank", d),
                "1 = the user's first push sent, 2 = second, ...",
            ),
        ],
        "dimension_groups": [
            {
                "name": "send",
                "type": "time",
                "datatype": "epoch",
                "timeframes": TIMEFRAMES,
                "sql": column("sent_time", d),
                "description": "When the push was sent",
            }
        ],
        "measures": [
            _measure("pushes_sent", "count_distinct", column("send_id", d), "Pushes sent"),
            _measure("push_bounces", "sum", bounced, "Pushes sent that bounced"),
            _measure(
                "bounced_recipients",
                "count_distinct",
                expression("CASE WHEN ${TABLE}.bounced = 1 THEN ${TABLE}.recipient END", d),
                "Distinct users with a bounced push",
            ),
            _measure(
                "push_bounce_rate",
                "number",
                rate("${push_bounces}", "${pushes_sent}"),
                "Bounces per push sent",
                value_format_name="percent_2",
            ),
        ],
    }


def retention_view(grain: str, d: str) -> dict:
    unit, limit = ("days", 31) if grain == "daily" else ("weeks", 12)
    cohort = "cohort_date" if grain == "daily" else "cohort_week"
    binder = _with_defaults(LiquidBinder(constants={unit: limit}))
    binder.match = _app_filter(binder.match)
    return {
        "name": f"{grain}_retention",
        "derived_table": {"sql": derived_sql(f"retention_{grain}", d, binder)},
        "filters": [
            {
                "name": "app_id",
                "type": "string",
                "description": "Only this app",
                "suggest_explore": "users_behaviors_app_sessionstart",
                "suggest_dimension": "app_id",
            }
        ],
        "dimensions": [
            _dim(cohort, "date", column(cohort, d), "Local date (week) of the first session"),
            _dim(
                f"{unit}_since_first",
                "number",
                column(f"{unit}_since_first", d),
                f"Local {unit} after the first session",
            ),
        ],
        "measures": [
            _measure("cohort_users", "sum", column("cohort_users", d), "Users in the cohorts"),
            _measure(
                "active_users",
                "sum",
                column("active_users", d),
                f"Cohort users active that many {unit} later",
            ),
            _measure(
                "retention_rate",
                "number",
                rate("${active_users}", "${cohort_users}"),
                "Active users over cohort users",
                value_format_name="percent_2",
            ),
        ],
    }


def _app_filter(match):
    return lambda column_, name, dialect: match(column_, "app_id", dialect)


def _with_defaults(binder: LiquidBinder) -> LiquidBinder:
    """``binder`` binding the parameters of MODEL_DEFAULTS to their default values."""
    value = binder.value
    binder.value = lambda name: (
        literal(MODEL_DEFAULTS[name]) if name in MODEL_DEFAULTS else value(name)
    )
    return binder
