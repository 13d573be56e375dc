"""The SMS, WhatsApp, RCS and LINE dashboards: one definition, a dashboard per channel. Which
stages and rates a channel's dashboard shows follows Braze's event catalogue (schemas.py): a
delivery stage where the channel reports deliveries, reads where it reports reads, opt-outs
where its inbound messages carry the subscription action, and so on."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL
from looker_braze.currents.lookml.messaging import VIEW
from looker_braze.currents.schemas import EVENT_TYPES, fields

CHANNELS = {"sms": "SMS", "whatsapp": "WhatsApp", "rcs": "RCS", "line": "LINE"}
# Braze's event name behind each staged event type, where it differs on a channel.
_BRAZE_NAMES = {("sms", "Failure"): "DeliveryFailure", ("sms", "Click"): "ShortLinkClick"}


def reports(channel: str, event: str) -> bool:
    """Whether Braze streams that event (staging's name) for ``channel``."""
    return f"users.messages.{channel}.{_BRAZE_NAMES.get((channel, event), event)}" in EVENT_TYPES


def reports_opt_outs(channel: str) -> bool:
    """Inbound messages say which subscription action a keyword took (SMS, WhatsApp, RCS)."""
    inbound = f"users.messages.{channel}.InboundReceive"
    return inbound in EVENT_TYPES and any(f.name == "action" for f in fields(inbound))


def _m(name: str) -> tuple[str, ...]:
    return (f"{VIEW}.{name}",)


def _base(channel: str) -> str:
    return "delivered" if reports(channel, "Delivery") else "sent"


def _stages(channel: str) -> tuple[Field, ...]:
    stages = [Field("Sent", "sent", lookml=_m("sent"))]
    if reports(channel, "CarrierSend"):
        stages.append(Field("Carrier sent", "carrier_sent", lookml=_m("carrier_sent")))
    if reports(channel, "Delivery"):
        stages.append(Field("Delivered", "delivered", lookml=_m("delivered")))
    if reports(channel, "Read"):
        stages.append(Field("Unique reads", "unique_reads", lookml=_m("unique_reads")))
    stages.append(Field("Unique clicks", "unique_clicks", lookml=_m("unique_clicks")))
    stages.append(Field("Unique replies", "unique_replies", lookml=_m("unique_replies")))
    return tuple(stages)


def _rates(channel: str) -> tuple[Field, ...]:
    """The engagement rates, each naming its base (the card, bar and table say the same)."""
    of = f"(of {_base(channel)})"
    rates = []
    if reports(channel, "Delivery"):
        rates.append(Field("Delivery rate (of sent)", "delivery_rate", "pct", _m("delivery_rate")))
    if reports(channel, "Read"):
        rates.append(Field(f"Read rate {of}", "unique_read_rate", "pct", _m("unique_read_rate")))
    rates.append(Field(f"Click rate {of}", "unique_click_rate", "pct", _m("unique_click_rate")))
    rates.append(Field(f"Reply rate {of}", "reply_rate", "pct", _m("reply_rate")))
    if reports_opt_outs(channel):
        rates.append(Field(f"Opt-out rate {of}", "opt_out_rate", "pct", _m("opt_out_rate")))
    return tuple(rates)


def _problems(channel: str) -> tuple[Field, ...]:
    """Failures, rejections, bot clicks, retries and aborts: counts (with rates per send)."""
    found = []
    if reports(channel, "Rejection"):
        found += [
            Field("Rejections", "rejections", lookml=_m("rejections")),
            Field("Rejection rate (of sent)", "rejection_rate", "pct", _m("rejection_rate")),
        ]
    if reports(channel, "Failure"):
        found += [
            Field("Delivery failures", "failures", lookml=_m("failures")),
            Field("Failure rate (of sent)", "failure_rate", "pct", _m("failure_rate")),
        ]
    found.append(Field("Suspected bot clicks", "bot_clicks", lookml=_m("bot_clicks")))
    if reports_opt_outs(channel):
        found.append(Field("Users opted out", "opt_outs", lookml=_m("opt_outs")))
    if reports(channel, "Retry"):
        found.append(Field("Retries", "retries", lookml=_m("retries")))
    found.append(Field("Aborts", "aborts", lookml=_m("aborts")))
    return tuple(found)


def _looker(channel: str, type_: str, width: int, height: int, **extra) -> Looker:
    return Looker(
        VIEW,
        type_,
        width,
        height,
        filters={f"{VIEW}.channel": channel},
        listen={
            "Campaign Name": f"{VIEW}.campaign_name",
            "Canvas Name": f"{VIEW}.canvas_name",
            "Date": f"{VIEW}.event_date",
        },
        **extra,
    )


def _weekly(channel: str, name: str) -> Tile:
    counts = [f for f in _stages(channel) if f.key in ("sent", "delivered", "unique_clicks")]
    rates = [f for f in _rates(channel) if f.key != "opt_out_rate"]
    week = Field("Week", "week_start", "week", _m("event_week"))
    return Tile(
        f"{name} by Week",
        "messaging_by_week",
        "bars_and_rates",
        (week, *counts, *rates),
        _looker(channel, "looker_column", 24, 9, sorts=_m("event_week")),
        params={"channel": channel},
        axis="week of",
    )


def _by_message(channel: str) -> Tile:
    message = (
        Field("Type", "message_type", "text", _m("message_type")),
        Field("Message", "message_name", "text", _m("message_name")),
    )
    extra = [Field("Bot clicks", "bot_clicks", lookml=_m("bot_clicks"))]
    if reports_opt_outs(channel):
        extra.append(Field("Opted out", "opt_outs", lookml=_m("opt_outs")))
    return Tile(
        "By Campaign and Canvas",
        "messaging_by_message",
        "table",
        (*message, *_stages(channel), *_rates(channel), *extra),
        _looker(channel, "looker_grid", 24, 10, sorts=(f"{VIEW}.sent desc",)),
        params={"channel": channel},
        wide=True,
    )


def messaging_dashboard(channel: str) -> Dashboard:
    name = CHANNELS[channel]
    base = _base(channel)
    return Dashboard(
        f"{channel}_messaging",
        f"{name} Messaging",
        f"{name} sends through clicks and replies, by week and by campaign or canvas. Unique = "
        f"one per user and message; rates of engagement are per message {base}. Suspected bot "
        "clicks are left out of clicks and counted beside. Bars are a share of the messages "
        "sent.",
        ENGAGEMENT_MODEL,
        (
            Tile(
                f"{name} Funnel",
                "messaging_funnel",
                "funnel",
                _stages(channel),
                _looker(channel, "looker_funnel", 16, 10),
                params={"channel": channel},
            ),
            Tile(
                f"{name} Rates",
                "messaging_funnel",
                "kpis",
                (Field("Messages sent", "sent", lookml=_m("sent")), *_rates(channel)),
                _looker(channel, "looker_single_record", 8, 10),
                params={"channel": channel},
            ),
            Tile(
                "Failures and Other Events",
                "messaging_funnel",
                "kpis",
                _problems(channel),
                _looker(channel, "looker_single_record", 24, 4),
                params={"channel": channel},
            ),
            _weekly(channel, name),
            _by_message(channel),
        ),
        (
            Filter("Campaign Name", VIEW, f"{VIEW}.campaign_name"),
            Filter("Canvas Name", VIEW, f"{VIEW}.canvas_name"),
            Filter("Date", VIEW, f"{VIEW}.event_date", "12 weeks"),
        ),
    )


def messaging_dashboards() -> tuple[Dashboard, ...]:
    return tuple(messaging_dashboard(channel) for channel in CHANNELS)
