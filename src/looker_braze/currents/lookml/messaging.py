"""The SMS, WhatsApp, RCS and LINE view: the models' own row-level fragment `messaging_events`
(the four staging models as one stream, each event flagged) as a derived table, with measures
that count what the messaging marts count, so Looker and `looker-braze currents run` agree.

Filters (channel, campaign, canvas, dates) are Looker's ordinary filters on the view's
dimensions: each event is counted by its own time and message, so filtering the rows outside
the derived table is what the marts' parameters do inside it. The `machine_events` parameter
puts suspected bot clicks back into engagement, as the models' parameter does.
"""

from __future__ import annotations

from looker_braze.currents.lookml.sqltext import OuterFilters, column, derived_sql, expression
from looker_braze.currents.lookml.views import rate

VIEW = "messaging_events"
TIMEFRAMES = ["raw", "time", "date", "week", "month"]


def _when(condition: str, value: str, d: str) -> str:
    """``value`` of the rows where ``condition`` holds (columns written `${TABLE}.name`)."""
    return expression(f"CASE WHEN {condition} THEN {value} END", d)


def _col(name: str) -> str:
    return f"${{TABLE}}.{name}"


def _of(event_type: str) -> str:
    return f"{_col('event_type')} = '{event_type}'"


def _distinct(name: str, sql: str, description: str) -> dict:
    return {"name": name, "type": "count_distinct", "sql": sql, "description": description}


def _rate(name: str, numerator: str, base: str, description: str) -> dict:
    return {
        "name": name,
        "type": "number",
        "sql": rate(f"${{{numerator}}}", f"${{{base}}}"),
        "description": description,
        "value_format_name": "percent_2",
    }


def _counts(d: str) -> list[dict]:
    """Event counts: distinct event ids of one event type (dedupe-safe)."""
    events = {
        "sent": ("Send", "Messages sent"),
        "carrier_sent": ("CarrierSend", "SMS handed to the carrier (CarrierSend)"),
        "rejections": ("Rejection", "Messages rejected (SMS, RCS)"),
        "delivered": ("Delivery", "Messages delivered (SMS, WhatsApp, RCS; LINE reports none)"),
        "failures": ("Failure", "Delivery failures (SMS DeliveryFailure, WhatsApp Failure)"),
        "inbound_messages": ("InboundReceive", "Inbound messages, opt-out keywords included"),
        "retries": ("Retry", "Sends Braze retried"),
        "aborts": ("Abort", "Messages Braze aborted before sending"),
    }
    event_id = _col("event_id")
    return [
        _distinct(name, _when(_of(event_type), event_id, d), description)
        for name, (event_type, description) in events.items()
    ]


def _uniques(d: str) -> list[dict]:
    pair, user, event_id = _col("pair"), _col("user_id"), _col("event_id")
    click = f"{_of('Click')} AND {_col('engaged')} = 1"
    return [
        _distinct("recipients", _when(_of("Send"), user, d), "Distinct users sent a message"),
        _distinct(
            "engagement_base",
            _when(f"{_col('is_base')} = 1", event_id, d),
            "What engagement rates are per: deliveries (LINE, which reports none: sends)",
        ),
        _distinct("unique_reads", _when(_of("Read"), pair, d), "Distinct (user, message) read"),
        _distinct(
            "total_clicks",
            _when(click, event_id, d),
            "Clicks, repeats included; suspected bot clicks only with machine_events include",
        ),
        _distinct(
            "unique_clicks",
            _when(click, pair, d),
            "Distinct (user, message) clicked; suspected bot clicks left out unless "
            "machine_events is include",
        ),
        _distinct(
            "bot_clicks",
            _when(f"{_of('Click')} AND {_col('is_machine')}", event_id, d),
            "Clicks Braze suspects a bot made (is_suspected_bot_click)",
        ),
        _distinct(
            "unique_replies",
            _when(f"{_col('is_reply')} = 1", pair, d),
            "Distinct (user, message) with an inbound reply that was no opt-in or opt-out keyword",
        ),
        _distinct(
            "opt_outs",
            _when(f"{_col('is_opt_out')} = 1", user, d),
            "Distinct users an inbound keyword unsubscribed",
        ),
        _distinct(
            "opt_out_events",
            _when(f"{_col('is_opt_out')} = 1", event_id, d),
            "Inbound messages that unsubscribed their sender",
        ),
        _distinct(
            "opt_ins",
            _when(f"{_col('is_opt_in')} = 1", user, d),
            "Distinct users an inbound keyword subscribed",
        ),
    ]


def _rates() -> list[dict]:
    return [
        _rate("delivery_rate", "delivered", "sent", "Deliveries per send"),
        _rate("rejection_rate", "rejections", "sent", "Rejections per send"),
        _rate("failure_rate", "failures", "sent", "Delivery failures per send"),
        _rate("unique_read_rate", "unique_reads", "engagement_base", "Unique reads per delivery"),
        _rate(
            "unique_click_rate",
            "unique_clicks",
            "engagement_base",
            "Unique clicks per delivery (LINE: per send)",
        ),
        _rate(
            "reply_rate",
            "unique_replies",
            "engagement_base",
            "Unique replies per delivery (LINE: per send)",
        ),
        _rate("opt_out_rate", "opt_outs", "engagement_base", "Users opting out per delivery"),
    ]


def _dimension(name: str, d: str, description: str, type_: str = "string", **extra) -> dict:
    return {
        "name": name,
        "type": type_,
        "sql": column(name, d),
        "description": description,
        **extra,
    }


def _dimensions(d: str) -> list[dict]:
    text = {
        "channel": "sms, whatsapp, rcs or line",
        "event_type": "Send, CarrierSend, Rejection, Delivery, Failure, Read, Click, "
        "InboundReceive, Retry or Abort",
        "message_type": "campaign or canvas",
        "message_id": "The campaign's or canvas's id",
        "message_name": "The campaign's or canvas's name",
        "campaign_name": "Campaign name",
        "canvas_name": "Canvas name",
        "message_variation_id": "Campaign variation id",
        "canvas_step_id": "Canvas step id",
        "user_id": "Braze user id",
        "address": "Phone number (LINE: the user's LINE id)",
        "inbound_action": "Subscription action Braze took on an inbound message",
        "error_code": "The provider's error code of a failure or rejection",
    }
    return [
        _dimension("event_id", d, "Event id", primary_key="yes", hidden="yes"),
        *(_dimension(name, d, description) for name, description in text.items()),
        _dimension(
            "is_suspected_bot_click",
            d,
            "A click Braze suspects a bot made",
            "yesno",
            sql=column("is_machine", d),
        ),
    ]


def messaging_view(dialect: str) -> dict:
    binder = OuterFilters({"machine_events": "machine_events"})
    return {
        "name": VIEW,
        "derived_table": {"sql": derived_sql("messaging_events", dialect, binder)},
        "parameters": [
            {
                "name": "machine_events",
                "type": "string",
                "default_value": "exclude",
                "description": "include: suspected bot clicks count as engagement",
                "allowed_values": [{"value": v} for v in ("exclude", "include")],
            }
        ],
        "dimensions": _dimensions(dialect),
        "dimension_groups": [
            {
                "name": "event",
                "type": "time",
                "datatype": "epoch",
                "timeframes": TIMEFRAMES,
                "sql": column("event_time", dialect),
                "description": "When the event happened",
            }
        ],
        "measures": [*_counts(dialect), *_uniques(dialect), *_rates()],
    }
