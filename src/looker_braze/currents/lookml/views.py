"""One LookML view per Currents event type, written from the writer schemas (schemas.py) so
every field Braze sends is a dimension, plus the blocks' measures, made portable:

- rates are `1.0 * a / NULLIF(b, 0)` (integer division truncates on PostgreSQL and Redshift);
- a unique open/click counts distinct (message, recipient) pairs as text, the message being the
  models' `message_key()` (canvas step for canvases, variation for campaigns: never a variation
  count plus a step count, which counts each open twice when Braze fills both ids), only when
  both parts are present (Snowflake's two-argument COUNT(DISTINCT a, b) nowhere else);
- machine opens and suspected bot clicks are left out of engagement (as Braze's dashboards do),
  counted beside it, and the views' `machine_events` parameter puts them back;
- TIME is epoch seconds: a `datatype: epoch` dimension group named after the event.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from looker_braze.currents.lookml.sqltext import LiquidBinder, column, expression, table
from looker_braze.currents.schemas import DESCRIPTIONS, EVENT_TYPES, fields, table_name

_TYPES = {
    "string": "string",
    "int": "number",
    "long": "number",
    "float": "number",
    "double": "number",
    "boolean": "yesno",
}
TIMEFRAMES = ["raw", "time", "date", "hour_of_day", "day_of_week", "week", "month", "year"]
SEND = "users_messages_email_send"
DELIVERY = "users_messages_email_delivery"
PUSH_SEND = "users_messages_pushnotification_send"
PUSH_BOUNCE = "users_messages_pushnotification_bounce"
FIRST_SESSION = "users_behaviors_app_firstsession"
IN_APP_IMPRESSION = "users_messages_inappmessage_impression"
# The open and click views' parameter: machine opens and bot clicks in engagement or not.
MACHINE_PARAMETER = {
    "name": "machine_events",
    "type": "string",
    "default_value": "exclude",
    "description": "Machine opens and suspected bot clicks in engagement: exclude (as Braze's "
    "dashboards) or include",
    "allowed_values": [{"value": "exclude"}, {"value": "include"}],
}
# The machine flag of each engagement event type, as the macro that reads it (models/macros.py).
MACHINE_FLAGS = {
    "users.messages.email.Open": "is_machine_open(${TABLE}.MACHINE_OPEN)",
    "users.messages.email.Click": "is_bot_click(${TABLE}.IS_SUSPECTED_BOT_CLICK)",
}


def view_name(event_type: str) -> str:
    return table_name(event_type).lower()


def time_group(event_type: str) -> str:
    """`users.messages.email.SoftBounce` -> `soft_bounce`: the name of the event's time group."""
    record = event_type.rpartition(".")[2]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", record).lower()


def event_views(dialect: str, schema: str | None) -> list[dict]:
    return [event_view(event_type, dialect, schema) for event_type in EVENT_TYPES]


def event_view(event_type: str, dialect: str, schema: str | None) -> dict:
    name = view_name(event_type)
    dimensions, groups = [], []
    for field in fields(event_type):
        if field.name == "time":
            groups.append(_time_group(event_type, dialect))
            dimensions.append(
                _dimension(
                    "epoch_seconds",
                    "number",
                    column("TIME", dialect),
                    "UTC epoch seconds of the event",
                    hidden=True,
                )
            )
        else:
            dimensions.append(_field_dimension(field.name, field.type, dialect))
    dimensions += EXTRA_DIMENSIONS.get(event_type, lambda d: [])(dialect)
    measures = [
        {"name": "count", "type": "count", "description": "Number of events"},
        *_counts(dialect, {field.name for field in fields(event_type)}),
        *MEASURES.get(event_type, lambda d: [])(dialect),
    ]
    view = {
        "name": name,
        "sql_table_name": table(table_name(event_type), schema, dialect),
        "dimensions": dimensions,
        "dimension_groups": groups,
        "measures": measures,
    }
    if event_type in MACHINE_FLAGS:
        view["parameters"] = [MACHINE_PARAMETER]
    return view


def _field_dimension(name: str, avro_type: str, dialect: str) -> dict:
    dimension = _dimension(
        name,
        _TYPES.get(avro_type, "string"),
        column(name.upper(), dialect),
        DESCRIPTIONS.get(name, f"Currents field {name}"),
    )
    if name == "id":
        dimension.update(primary_key="yes", hidden="yes", description="Unique id of the event")
    return dimension


def _dimension(name: str, type_: str, sql: str, description: str, hidden: bool = False) -> dict:
    dimension = {"name": name, "type": type_, "description": description, "sql": sql}
    if hidden:
        dimension["hidden"] = "yes"
    return dimension


def _time_group(event_type: str, dialect: str) -> dict:
    return {
        "name": time_group(event_type),
        "type": "time",
        "datatype": "epoch",
        "timeframes": TIMEFRAMES,
        "description": "When the event happened",
        "sql": column("TIME", dialect),
    }


def _counts(dialect: str, names: set[str]) -> list[dict]:
    counts = [_distinct("events", column("ID", dialect), "Distinct event ids (dedupe-safe count)")]
    if "user_id" in names:  # an agent's tool invocation (agentconsole) has no user
        counts.append(_distinct("users", column("USER_ID", dialect), "Distinct Braze user ids"))
    return counts


def _distinct(name: str, sql: str, description: str, hidden: bool = False) -> dict:
    measure = {"name": name, "type": "count_distinct", "sql": sql}
    if description:
        measure["description"] = description
    if hidden:
        measure["hidden"] = "yes"
    return measure


def _number(name: str, sql: str, description: str, percent: bool = False) -> dict:
    measure = {"name": name, "type": "number", "sql": sql, "description": description}
    if percent:
        measure["value_format_name"] = "percent_2"
    return measure


def rate(numerator: str, denominator: str) -> str:
    return f"1.0 * {numerator} / NULLIF({denominator}, 0)"


def message_pair(address: str, dialect: str, when: str = "") -> str:
    """Text of the (message, recipient) pair (when ``when`` holds), NULL unless both are
    present; the message is the models' message_key() (the staging models' rule)."""
    key = "message_key(${TABLE}.CANVAS_ID, ${TABLE}.CANVAS_STEP_ID, ${TABLE}.MESSAGE_VARIATION_ID)"
    recipient = f"${{TABLE}}.{address}"
    condition = f"{when} AND " if when else ""
    return expression(
        f"CASE WHEN {condition}{key} IS NOT NULL AND {recipient} IS NOT NULL "
        f"THEN {key} || '|' || {recipient} END",
        dialect,
        LiquidBinder({"machine_events": MACHINE_PARAMETER["name"]}),
    )


def engaged(event_type: str) -> str:
    """The condition an event counts as engagement under: machine events only when asked for."""
    flag = MACHINE_FLAGS.get(event_type)
    return f"(NOT {flag} OR :machine_events = 'include')" if flag else ""


def _unique(kind: str, address: str, dialect: str, event_type: str) -> dict:
    return _distinct(
        f"unique_{kind}",
        message_pair(address, dialect, engaged(event_type)),
        f"Distinct (message, recipient) pairs with {kind}: each recipient counted once per "
        "message (canvas step for canvases, variation for campaigns)",
    )


def _where(condition: str, sql: str, dialect: str) -> str:
    """``sql`` (DuckDB SQL, unquoted names) when ``condition`` holds, else NULL."""
    return expression(
        f"CASE WHEN {condition} THEN {sql} END",
        dialect,
        LiquidBinder({"machine_events": MACHINE_PARAMETER["name"]}),
    )


def _send(d: str) -> list[dict]:
    return [
        _distinct("emails_sent", column("ID", d), "Emails sent (distinct send events)"),
        _distinct("recipients", column("EMAIL_ADDRESS", d), "Distinct addresses sent to"),
    ]


def _delivery(d: str) -> list[dict]:
    return [
        _distinct("emails_delivered", column("ID", d), "Emails delivered"),
        _distinct(
            "delivered_addresses", column("EMAIL_ADDRESS", d), "Distinct addresses delivered to"
        ),
        _number(
            "delivery_rate",
            rate("${emails_delivered}", f"${{{SEND}.emails_sent}}"),
            "Emails delivered per email sent",
            percent=True,
        ),
    ]


def _engagement(kind: str, event_type: str) -> Callable[[str], list[dict]]:
    """Opens or clicks: every event (engaged ones: machine events left out unless the parameter
    says include), unique pairs and their rate of deliveries, the block's total rate per send
    (repeats count: it may pass 100%), and the machine events counted beside."""
    total, machine = f"total_{kind}", "machine_opens" if kind == "opens" else "bot_clicks"
    one = kind.removesuffix("s")

    def measures(d: str) -> list[dict]:
        flag = MACHINE_FLAGS[event_type]
        return [
            _distinct(
                total,
                _where(engaged(event_type) or "TRUE", "${TABLE}.ID", d),
                f"All {kind} events, repeats included",
            ),
            _unique(kind, "EMAIL_ADDRESS", d, event_type),
            _number(
                f"unique_{one}_rate",
                rate(f"${{unique_{kind}}}", f"${{{DELIVERY}.emails_delivered}}"),
                f"Unique {kind} per email delivered",
                percent=True,
            ),
            _number(
                f"{kind}_per_send",
                rate(f"${{{total}}}", f"${{{SEND}.emails_sent}}"),
                f"Total {kind} per email sent (the block's total {one} rate; repeat {kind} "
                "count, so it may pass 100%)",
                percent=True,
            ),
            _distinct(
                machine,
                _where(flag, "${TABLE}.ID", d),
                "Machine opens (mail privacy proxies, scanners): not engagement unless "
                "machine_events is include"
                if kind == "opens"
                else "Clicks Braze suspects a bot made: not engagement unless machine_events "
                "is include",
            ),
        ]

    return measures


def _failure(
    name: str, rate_name: str, description: str, per_address: bool = False
) -> Callable[[str], list[dict]]:
    """A failure count and its rate of sends, counted as the message engagement block counts
    it: events (distinct ids) for bounces, soft bounces and spam reports, distinct addresses for
    unsubscribes (``per_address``). The other count is kept beside it, clearly named."""

    def measures(d: str) -> list[dict]:
        by_event = column("ID", d), "events, repeats included"
        by_address = column("EMAIL_ADDRESS", d), "distinct addresses"
        if per_address:
            (sql, kind), (other_sql, other_kind) = by_address, by_event
            other = f"{name.removesuffix('s')}_events"
        else:
            (sql, kind), (other_sql, other_kind) = by_event, by_address
            other = f"{name}_addresses"
        return [
            _distinct(name, sql, f"{description}: {kind} (as the Braze block counts them)"),
            _distinct(other, other_sql, f"{description}: {other_kind}"),
            _number(
                rate_name,
                rate(f"${{{name}}}", f"${{{SEND}.emails_sent}}"),
                f"{description} ({kind}) per email sent",
                percent=True,
            ),
        ]

    return measures


def _push_send(d: str) -> list[dict]:
    return [
        _distinct("pushes_sent", column("ID", d), "Push notifications sent"),
        _distinct("users_sent", column("USER_ID", d), "Distinct users sent a push", hidden=True),
    ]


def _push_bounce(d: str) -> list[dict]:
    return [
        _distinct("push_bounces", column("ID", d), "Push notifications that bounced"),
        _distinct("users_bounced", column("USER_ID", d), "", hidden=True),
        _number(
            "pushes_delivered",
            f"${{{PUSH_SEND}.pushes_sent}} - ${{push_bounces}}",
            "Pushes sent minus pushes bounced",
        ),
        _number(
            "push_delivery_rate",
            rate("${pushes_delivered}", f"${{{PUSH_SEND}.pushes_sent}}"),
            "Pushes delivered (sent minus bounced) per push sent",
            percent=True,
        ),
        _number(
            "push_bounce_rate",
            rate("${push_bounces}", f"${{{PUSH_SEND}.pushes_sent}}"),
            "Bounces per push sent",
            percent=True,
        ),
        _number(
            "unique_recipients",
            f"${{{PUSH_SEND}.users_sent}} - ${{users_bounced}}",
            "Users sent a push minus users with a bounce (the blocks' definition)",
        ),
    ]


def _push_open(d: str) -> list[dict]:
    event_type = "users.messages.pushnotification.Open"
    return [
        _distinct("push_opens", column("ID", d), "Push open events, repeat opens included"),
        _unique("opens", "USER_ID", d, event_type),
        _number(
            "push_unique_open_rate",
            rate("${unique_opens}", f"${{{PUSH_BOUNCE}.pushes_delivered}}"),
            "Distinct (message, user) opens per push delivered (the block's opens per "
            "delivered push passes 100% with repeat opens)",
            percent=True,
        ),
    ]


def _in_app_impression(d: str) -> list[dict]:
    return [
        _distinct(
            "viewers",
            message_pair("USER_ID", d),
            "Distinct (message, user) pairs with an impression",
        )
    ]


def _in_app_click(d: str) -> list[dict]:
    return [
        _distinct(
            "clickers", message_pair("USER_ID", d), "Distinct (message, user) pairs with a click"
        ),
        _number(
            "in_app_click_rate",
            rate("${clickers}", f"${{{IN_APP_IMPRESSION}.viewers}}"),
            "Users who clicked a message per user who saw it (one per user and message, so "
            "never above 100%)",
            percent=True,
        ),
    ]


def _sessions(d: str) -> list[dict]:
    return [_distinct("sessions", column("SESSION_ID", d), "Distinct sessions")]


def _session_end(d: str) -> list[dict]:
    return [
        *_sessions(d),
        {
            "name": "average_duration",
            "type": "average",
            "sql": column("DURATION", d),
            "description": "Average session length, seconds",
            "value_format_name": "decimal_1",
        },
    ]


def _retention_dimensions(d: str) -> list[dict]:
    """Days and Monday-weeks from the first session, counted in the query's time zone: local
    day numbers differenced (portable; Snowflake's DATEDIFF(week) counts boundaries, DuckDB's
    does not, BigQuery's WEEK starts on Sunday)."""
    first, this = f"${{{FIRST_SESSION}.epoch_seconds}}", "${epoch_seconds}"
    days = expression(f"local_day({this}) - local_day({first})", d)
    weeks = expression(f"local_day({this}) // 7 - local_day({first}) // 7", d)
    return [
        _dimension(
            "days_since_first_session",
            "number",
            days,
            "Local days between the first session and this session",
        ),
        _dimension(
            "weeks_since_first_session",
            "number",
            weeks,
            "Monday weeks between the first session and this session",
        ),
    ]


MEASURES = {
    "users.messages.email.Send": _send,
    "users.messages.email.Delivery": _delivery,
    "users.messages.email.Open": _engagement("opens", "users.messages.email.Open"),
    "users.messages.email.Click": _engagement("clicks", "users.messages.email.Click"),
    "users.messages.email.Bounce": _failure("bounces", "bounce_rate", "Hard bounces"),
    "users.messages.email.SoftBounce": _failure("soft_bounces", "soft_bounce_rate", "Soft bounces"),
    "users.messages.email.MarkAsSpam": _failure("spam_reports", "spam_rate", "Spam reports"),
    "users.messages.email.Unsubscribe": _failure(
        "unsubscribes", "unsubscribe_rate", "Unsubscribes", per_address=True
    ),
    "users.messages.pushnotification.Send": _push_send,
    "users.messages.pushnotification.Bounce": _push_bounce,
    "users.messages.pushnotification.Open": _push_open,
    "users.messages.inappmessage.Impression": _in_app_impression,
    "users.messages.inappmessage.Click": _in_app_click,
    "users.behaviors.app.FirstSession": _sessions,
    "users.behaviors.app.SessionStart": _sessions,
    "users.behaviors.app.SessionEnd": _session_end,
}
EXTRA_DIMENSIONS = {"users.behaviors.app.SessionStart": _retention_dimensions}
