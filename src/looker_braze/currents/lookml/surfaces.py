"""Views over the staging models of the in-product surfaces (in-app messages, content cards,
banners), webhooks, feature flags and live activities: each view's derived table is its staging
model's SQL (one row per event id, names and types as the models read them), and its measures
count what the models count, so a Looker tile and `looker-braze currents run` agree. Unique
counts are distinct (message, user) pairs, one per event, and every rate is a count of pairs
(or activities) over a count of pairs that contains it: never above 100%."""

from __future__ import annotations

from looker_braze.currents.lookml.sqltext import LiquidBinder, column, derived_sql, expression
from looker_braze.currents.lookml.views import rate

IN_APP = "in_app_message_events"
CARDS = "content_card_events"
BANNERS = "banner_events"
WEBHOOKS = "webhook_events"
FLAGS = "feature_flag_events"
LIVE = "live_activity_events"
TIMEFRAMES = ["raw", "time", "date", "week", "month"]
# (view, staging model, explore label, extra dimensions: (column, LookML type, description))
_MESSAGE_DIMENSIONS = (
    ("campaign_name", "string", "Campaign of the message"),
    ("canvas_name", "string", "Canvas of the message"),
    ("message_variation_id", "string", "Campaign variation of the message"),
    ("canvas_step_id", "string", "Canvas step of the message"),
)
_APP = (("app_id", "string", "App"), ("platform", "string", "Platform of the device"))
VIEWS = (
    (IN_APP, "stg_in_app", "In-App Messages", (*_MESSAGE_DIMENSIONS, *_APP)),
    (CARDS, "stg_content_cards", "Content Cards", (*_MESSAGE_DIMENSIONS, *_APP)),
    (
        BANNERS,
        "stg_banners",
        "Banners",
        (
            *_MESSAGE_DIMENSIONS,
            *_APP,
            ("placement_id", "string", "Where in the app the banner showed"),
        ),
    ),
    (
        WEBHOOKS,
        "stg_webhooks",
        "Webhooks",
        (
            *_MESSAGE_DIMENSIONS,
            ("http_status_code", "number", "HTTP status of a failed attempt (empty: none)"),
        ),
    ),
    (
        FLAGS,
        "stg_feature_flags",
        "Feature Flags",
        (
            ("flag", "string", "The feature flag's id name"),
            *_APP,
            ("campaign_name", "string", "Experiment campaign the flag was part of, if any"),
        ),
    ),
    (
        LIVE,
        "stg_live_activities",
        "Live Activities",
        (
            ("app_id", "string", "App"),
            ("activity_id", "string", "The live activity"),
            ("activity_type", "string", "The activity's attributes type"),
            ("outcome", "string", "Outcome of an update (Success ...; outcome events)"),
            ("token_change_type", "string", "What happened to the token (token changes)"),
        ),
    ),
)


def surface_explores() -> list[dict]:
    return [{"name": view, "label": label} for view, _, label, _ in VIEWS]


def surface_views(dialect: str) -> list[dict]:
    return [_view(view, staging, extra, dialect) for view, staging, _, extra in VIEWS]


def _view(name: str, staging: str, extra: tuple, d: str) -> dict:
    dimensions = [
        _dim("event_id", "string", "Event id", d, primary_key="yes", hidden="yes"),
        _dim("event_type", "string", "Kind of event (Impression, Click, Send ...)", d),
        _dim("user_id", "string", "Braze id of the user", d),
        *(_dim(c, t, text, d) for c, t, text in extra),
    ]
    if name not in (FLAGS, LIVE):
        dimensions.append(_dim("message_key", "string", "The message: step or variation", d))
        dimensions[-1]["hidden"] = "yes"
    return {
        "name": name,
        "derived_table": {"sql": derived_sql(staging, d, LiquidBinder())},
        "dimensions": dimensions,
        "dimension_groups": [
            {
                "name": "event",
                "type": "time",
                "datatype": "epoch",
                "timeframes": TIMEFRAMES,
                "sql": column("event_time", d),
                "description": "When the event happened",
            }
        ],
        "measures": [
            _measure("users", "count_distinct", "${user_id}", "Distinct users"),
            *MEASURES[name](d),
        ],
    }


def _dim(name: str, type_: str, description: str, d: str, **extra) -> dict:
    sql = column(name, d)
    return {"name": name, "type": type_, "sql": sql, "description": description, **extra}


def _measure(name: str, type_: str, sql: str, description: str, **extra) -> dict:
    return {"name": name, "type": type_, "sql": sql, "description": description, **extra}


def _events(name: str, event_type: str, description: str, d: str, when: str = "") -> dict:
    condition = f"${{event_type}} = '{event_type}'" + (f" AND {when}" if when else "")
    sql = expression(f"CASE WHEN {condition} THEN ${{event_id}} END", d)
    return _measure(name, "count_distinct", sql, description)


def _pairs(name: str, event_type: str, description: str, d: str, when: str = "") -> dict:
    condition = f"${{event_type}} = '{event_type}' AND ${{user_id}} IS NOT NULL"
    condition += f" AND {when}" if when else ""
    pair = "${message_key} || '|' || ${user_id}"
    sql = expression(f"CASE WHEN {condition} THEN {pair} END", d)
    return _measure(name, "count_distinct", sql, f"{description}: one per user and message")


def _rate(name: str, numerator: str, denominator: str, description: str) -> dict:
    return _measure(
        name,
        "number",
        rate(f"${{{numerator}}}", f"${{{denominator}}}"),
        description,
        value_format_name="percent_2",
    )


def _seen(d: str) -> list[dict]:
    return [
        _events("impressions", "Impression", "Impressions, repeats included", d),
        _pairs("unique_impressions", "Impression", "Users shown a message", d),
    ]


def _clicked(d: str) -> list[dict]:
    return [
        _events("clicks", "Click", "Clicks, repeats included", d),
        _pairs("unique_clicks", "Click", "Users who clicked a message", d),
        _rate("click_rate", "unique_clicks", "unique_impressions", "Unique clicks per user shown"),
    ]


def _dismissed(d: str) -> list[dict]:
    return [
        _events("dismissals", "Dismiss", "Dismissals, repeats included", d),
        _pairs("unique_dismissals", "Dismiss", "Users who dismissed a message", d),
        _rate(
            "dismiss_rate",
            "unique_dismissals",
            "unique_impressions",
            "Unique dismissals per user shown",
        ),
    ]


def _aborted(d: str) -> list[dict]:
    return [_events("aborts", "Abort", "Messages Braze aborted (never shown or sent)", d)]


def _in_app(d: str) -> list[dict]:
    return [*_seen(d), *_clicked(d), *_aborted(d)]


def _cards(d: str) -> list[dict]:
    return [
        _events("sends", "Send", "Content cards sent", d),
        _pairs("unique_sends", "Send", "Users sent a card", d),
        *_seen(d),
        _rate("impression_rate", "unique_impressions", "unique_sends", "Users shown per user sent"),
        *_clicked(d),
        *_dismissed(d),
        *_aborted(d),
    ]


def _banners(d: str) -> list[dict]:
    return [*_seen(d), *_clicked(d), *_dismissed(d), *_aborted(d)]


def _webhooks(d: str) -> list[dict]:
    # the column itself: there is no yesno dimension (Looker writes those as 'Yes'/'No' text)
    terminal = "${TABLE}.is_terminal"
    return [
        _events("sends", "Send", "Webhooks sent", d),
        _pairs("unique_sends", "Send", "Webhooks sent", d),
        _events("failures", "Failure", "Failed attempts (a retried webhook may fail again)", d),
        _pairs("failed_sends", "Failure", "Webhooks with a failed attempt", d),
        _rate("failure_rate", "failed_sends", "unique_sends", "Webhooks with a failure per sent"),
        _pairs("given_up", "Failure", "Webhooks Braze gave up on", d, when=terminal),
        _rate("give_up_rate", "given_up", "unique_sends", "Webhooks given up per webhook sent"),
        _events("retries", "Retry", "Retries", d),
        *_aborted(d),
    ]


def _flags(d: str) -> list[dict]:
    return [
        _measure("impressions", "count_distinct", "${event_id}", "Feature flag impressions"),
        _measure("users_exposed", "count_distinct", "${user_id}", "Users with an impression"),
        _measure("flags", "count_distinct", "${flag}", "Flags seen"),
        _measure(
            "impressions_per_user",
            "number",
            rate("${impressions}", "${users_exposed}"),
            "Impressions per exposed user",
            value_format_name="decimal_2",
        ),
    ]


def _live(d: str) -> list[dict]:
    success = "LOWER(${outcome}) = 'success'"
    activity = "${activity_id}"

    def activities(name: str, event_type: str, description: str, when: str = "") -> dict:
        condition = f"${{event_type}} = '{event_type}'" + (f" AND {when}" if when else "")
        sql = expression(f"CASE WHEN {condition} THEN {activity} END", d)
        return _measure(name, "count_distinct", sql, description)

    decided = activities("decided_activities", "Outcome", "Activities with an outcome")
    decided["hidden"] = "yes"
    return [
        _events("sends", "Send", "Live activity updates sent", d),
        activities("activities", "Send", "Activities sent to"),
        _events("outcomes", "Outcome", "Outcome events", d),
        activities("successful_activities", "Outcome", "Activities with a success", success),
        decided,
        _rate(
            "success_rate",
            "successful_activities",
            "decided_activities",
            "Activities with a success per activity with an outcome",
        ),
        _events("push_to_start_tokens", "PushToStartTokenChange", "Push-to-start tokens", d),
        _events("update_token_changes", "UpdateTokenChange", "Update token changes", d),
    ]


MEASURES = {
    IN_APP: _in_app,
    CARDS: _cards,
    BANNERS: _banners,
    WEBHOOKS: _webhooks,
    FLAGS: _flags,
    LIVE: _live,
}
