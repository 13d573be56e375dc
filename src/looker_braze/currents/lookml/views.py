"""One LookML view per Currents event type, written from the writer schemas (schemas.py) so
every field Braze sends is a dimension, plus the blocks' measures, made portable:

- rates are `1.0 * a / NULLIF(b, 0)` (integer division truncates on PostgreSQL and Redshift);
- unique opens/clicks are two count_distinct measures over `id || '|' || address` text, only
  when both parts are present (Snowflake's two-argument COUNT(DISTINCT a, b) nowhere else);
- TIME is epoch seconds: a `datatype: epoch` dimension group named after the event.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from looker_braze.currents.lookml.sqltext import column, expression, table
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
    return {
        "name": name,
        "sql_table_name": table(table_name(event_type), schema, dialect),
        "dimensions": dimensions,
        "dimension_groups": groups,
        "measures": measures,
    }


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


def pair(first: str, second: str, dialect: str) -> str:
    """Text of the (first, second) pair, NULL unless both are present."""
    return expression(
        f"CASE WHEN {first} IS NOT NULL AND {second} IS NOT NULL "
        f"THEN {first} || '|' || {second} END",
        dialect,
    )


def _unique(kind: str, address: str, dialect: str) -> list[dict]:
    """The blocks' unique opens or clicks: distinct (variation, address) + (step, address)."""
    by_variation = pair("${TABLE}.MESSAGE_VARIATION_ID", f"${{TABLE}}.{address}", dialect)
    by_step = pair("${TABLE}.CANVAS_STEP_ID", f"${{TABLE}}.{address}", dialect)
    return [
        _distinct(f"unique_{kind}_by_variation", by_variation, "", hidden=True),
        _distinct(f"unique_{kind}_by_step", by_step, "", hidden=True),
        _number(
            f"unique_{kind}",
            f"${{unique_{kind}_by_variation}} + ${{unique_{kind}_by_step}}",
            f"Distinct (message variation, recipient) plus (canvas step, recipient) pairs "
            f"with {kind}: each recipient counted once per message",
        ),
    ]


def _send(d: str) -> list[dict]:
    return [
        _distinct("emails_sent", column("ID", d), "Emails sent (distinct send events)"),
        _distinct("recipients", column("EMAIL_ADDRESS", d), "Distinct addresses sent to"),
    ]


def _delivery(d: str) -> list[dict]:
    return [
        _distinct("emails_delivered", column("ID", d), "Emails delivered"),
        _number(
            "delivery_rate",
            rate("${emails_delivered}", f"${{{SEND}.emails_sent}}"),
            "Emails delivered per email sent",
            percent=True,
        ),
    ]


def _engagement(kind: str, total: str) -> Callable[[str], list[dict]]:
    def measures(d: str) -> list[dict]:
        return [
            _distinct(total, column("ID", d), f"All {kind} events, repeats included"),
            *_unique(kind, "EMAIL_ADDRESS", d),
            _number(
                f"unique_{kind.removesuffix('s')}_rate",
                rate(f"${{unique_{kind}}}", f"${{{DELIVERY}.emails_delivered}}"),
                f"Unique {kind} per email delivered",
                percent=True,
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
    return [
        _distinct("push_opens", column("ID", d), "Push opens"),
        *_unique("opens", "USER_ID", d),
        _number(
            "push_open_rate",
            rate("${push_opens}", f"${{{PUSH_BOUNCE}.pushes_delivered}}"),
            "Push opens per push delivered",
            percent=True,
        ),
    ]


def _session_start(d: str) -> list[dict]:
    return [_distinct("sessions", column("SESSION_ID", d), "Distinct sessions")]


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
    "users.messages.email.Open": _engagement("opens", "total_opens"),
    "users.messages.email.Click": _engagement("clicks", "total_clicks"),
    "users.messages.email.Bounce": _failure("bounces", "bounce_rate", "Hard bounces"),
    "users.messages.email.SoftBounce": _failure("soft_bounces", "soft_bounce_rate", "Soft bounces"),
    "users.messages.email.MarkAsSpam": _failure("spam_reports", "spam_rate", "Spam reports"),
    "users.messages.email.Unsubscribe": _failure(
        "unsubscribes", "unsubscribe_rate", "Unsubscribes", per_address=True
    ),
    "users.messages.pushnotification.Send": _push_send,
    "users.messages.pushnotification.Bounce": _push_bounce,
    "users.messages.pushnotification.Open": _push_open,
    "users.behaviors.app.SessionStart": _session_start,
}
EXTRA_DIMENSIONS = {"users.behaviors.app.SessionStart": _retention_dimensions}
