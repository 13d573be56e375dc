"""The message engagement block's funnel, performance and engagement dashboards. Beside
engagement they show what it leaves out (machine opens, suspected bot clicks) and the block's
totals per send; the push open rate counts one open per (user, message), so never above 100%
(the block's opens / delivered passes it with repeat opens), all opens counted beside."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL
from looker_braze.currents.lookml.views import (
    DELIVERY,
    IN_APP_IMPRESSION,
    PUSH_BOUNCE,
    PUSH_SEND,
    SEND,
)

OPEN, CLICK = "users_messages_email_open", "users_messages_email_click"
BOUNCE, SOFT = "users_messages_email_bounce", "users_messages_email_softbounce"
SPAM, UNSUB = "users_messages_email_markasspam", "users_messages_email_unsubscribe"
PUSH_OPEN = "users_messages_pushnotification_open"
IN_APP_CLICK = "users_messages_inappmessage_click"
M = ENGAGEMENT_MODEL
# Message Engagement's date filters, one per channel as in the block (each tile listens to its
# channel's own).
EMAIL_DATE, PUSH_DATE, IN_APP_DATE = "Email Sent Date", "Push Sent Date", "In-App Impression Date"


def _listen(explore: str) -> dict[str, str]:
    return {
        "Campaign Name": f"{explore}.campaign_name",
        "Canvas Name": f"{explore}.canvas_name",
        "Date": f"{explore}.send_date",
    }


def _filters(explore: str, default_date: str) -> tuple[Filter, ...]:
    return (
        Filter("Campaign Name", explore, f"{explore}.campaign_name"),
        Filter("Canvas Name", explore, f"{explore}.canvas_name"),
        Filter("Date", explore, f"{explore}.send_date", default_date),
    )


def _message(explore: str) -> tuple[Field, Field]:
    return (
        Field("Type", "message_type", "text"),
        Field(
            "Message",
            "message_name",
            "text",
            (f"{explore}.campaign_name", f"{explore}.canvas_name"),
        ),
    )


# The funnel's stages, each with the LookML measure that counts it.
EMAIL_SENT = Field("Sent", "sent", lookml=(f"{SEND}.emails_sent",))
EMAIL_DELIVERED = Field("Delivered", "delivered", lookml=(f"{DELIVERY}.emails_delivered",))
UNIQUE_OPENS = Field("Unique opens", "unique_opens", lookml=(f"{OPEN}.unique_opens",))
UNIQUE_CLICKS = Field("Unique clicks", "unique_clicks", lookml=(f"{CLICK}.unique_clicks",))
# Rates name their base: the card, the funnel bar's label and the table say the same.
DELIVERY_RATE = Field(
    "Delivery rate (of sent)", "delivery_rate", "pct", (f"{DELIVERY}.delivery_rate",)
)
UNIQUE_OPEN_RATE = Field(
    "Unique open rate (of delivered)", "unique_open_rate", "pct", (f"{OPEN}.unique_open_rate",)
)
UNIQUE_CLICK_RATE = Field(
    "Unique click rate (of delivered)", "unique_click_rate", "pct", (f"{CLICK}.unique_click_rate",)
)
PUSH_SENT = Field("Sent", "sent", lookml=(f"{PUSH_SEND}.pushes_sent",))
PUSH_DELIVERED = Field("Delivered", "delivered", lookml=(f"{PUSH_BOUNCE}.pushes_delivered",))
PUSH_UNIQUE_OPENS = Field("Unique opens", "unique_opens", lookml=(f"{PUSH_OPEN}.unique_opens",))
PUSH_OPENS = Field("All opens", "opens", lookml=(f"{PUSH_OPEN}.push_opens",))
PUSH_OPEN_RATE = Field(
    "Unique open rate (of delivered)",
    "unique_open_rate",
    "pct",
    (f"{PUSH_OPEN}.push_unique_open_rate",),
)
PUSH_DELIVERY_RATE = Field(
    "Delivery rate (of sent)", "delivery_rate", "pct", (f"{PUSH_BOUNCE}.push_delivery_rate",)
)
# Beside engagement: the block's totals per send (repeats count, so they may pass 100%), the
# distinct addresses delivered to, and what engagement leaves out.
BESIDE_EMAIL = (
    Field(
        "Delivered addresses",
        "delivered_addresses",
        lookml=(f"{DELIVERY}.delivered_addresses",),
    ),
    Field("Total opens per send", "opens_per_send", "pct", (f"{OPEN}.opens_per_send",)),
    Field("Total clicks per send", "clicks_per_send", "pct", (f"{CLICK}.clicks_per_send",)),
    Field("Machine opens (left out)", "machine_opens", lookml=(f"{OPEN}.machine_opens",)),
    Field("Suspected bot clicks (left out)", "bot_clicks", lookml=(f"{CLICK}.bot_clicks",)),
)


def email_funnel() -> Dashboard:
    listen = _listen(SEND)
    return Dashboard(
        "email_funnel",
        "Email Funnel",
        "Sent, delivered, unique opens, unique clicks, by campaign or canvas. Unique = one per "
        "recipient and message. Bars are a share of the emails sent. Machine opens and suspected "
        "bot clicks are left out of engagement, as in Braze's dashboards, and counted beside it "
        "(parameter machine_events=include puts them back).",
        M,
        (
            Tile(
                "Email Funnel",
                "email_funnel",
                "funnel",
                (EMAIL_SENT, EMAIL_DELIVERED, UNIQUE_OPENS, UNIQUE_CLICKS),
                Looker(SEND, "looker_funnel", 16, 10, listen=listen),
            ),
            Tile(
                "Email Rates",
                "email_funnel",
                "kpis",
                (
                    Field("Emails sent", "sent", lookml=(f"{SEND}.emails_sent",)),
                    DELIVERY_RATE,
                    UNIQUE_OPEN_RATE,
                    UNIQUE_CLICK_RATE,
                ),
                Looker(SEND, "looker_single_record", 8, 10, listen=listen),
            ),
            Tile(
                "Beside Engagement",
                "email_funnel",
                "kpis",
                BESIDE_EMAIL,
                Looker(SEND, "looker_single_record", 24, 4, listen=listen),
            ),
            Tile(
                "Funnel by Campaign and Canvas",
                "email_funnel_by_message",
                "table",
                (
                    *_message(SEND),
                    EMAIL_SENT,
                    EMAIL_DELIVERED,
                    DELIVERY_RATE,
                    UNIQUE_OPENS,
                    UNIQUE_OPEN_RATE,
                    UNIQUE_CLICKS,
                    UNIQUE_CLICK_RATE,
                ),
                Looker(
                    SEND, "looker_grid", 24, 10, sorts=(f"{SEND}.emails_sent desc",), listen=listen
                ),
                wide=True,
            ),
        ),
        _filters(SEND, "30 days"),
    )


def push_funnel() -> Dashboard:
    listen = _listen(PUSH_SEND)
    return Dashboard(
        "push_funnel",
        "Push Funnel",
        "Sent, delivered (sent minus bounces), unique opens (one per user and message; all "
        "opens counted beside). Bars are a share of the pushes sent.",
        M,
        (
            Tile(
                "Push Funnel",
                "push_funnel",
                "funnel",
                (PUSH_SENT, PUSH_DELIVERED, PUSH_UNIQUE_OPENS),
                Looker(PUSH_SEND, "looker_funnel", 16, 10, listen=listen),
            ),
            Tile(
                "Push Rates",
                "push_funnel",
                "kpis",
                (
                    Field("Pushes sent", "sent", lookml=(f"{PUSH_SEND}.pushes_sent",)),
                    PUSH_DELIVERY_RATE,
                    Field(
                        "Bounce rate (of sent)",
                        "bounce_rate",
                        "pct",
                        (f"{PUSH_BOUNCE}.push_bounce_rate",),
                    ),
                    PUSH_OPEN_RATE,
                    PUSH_OPENS,
                    Field(
                        "Unique recipients",
                        "unique_recipients",
                        lookml=(f"{PUSH_BOUNCE}.unique_recipients",),
                    ),
                ),
                Looker(PUSH_SEND, "looker_single_record", 8, 10, listen=listen),
            ),
            Tile(
                "Funnel by Campaign and Canvas",
                "push_funnel_by_message",
                "table",
                (
                    *_message(PUSH_SEND),
                    PUSH_SENT,
                    Field("Bounces", "bounces"),
                    PUSH_DELIVERED,
                    PUSH_UNIQUE_OPENS,
                    PUSH_OPEN_RATE,
                    PUSH_OPENS,
                    Field("Unique recipients", "unique_recipients"),
                ),
                Looker(
                    PUSH_SEND,
                    "looker_grid",
                    24,
                    10,
                    sorts=(f"{PUSH_SEND}.pushes_sent desc",),
                    listen=listen,
                ),
                wide=True,
            ),
        ),
        _filters(PUSH_SEND, "30 days"),
    )


def _week() -> Field:
    return Field("Week", "period_start", "week", (f"{SEND}.send_week",))


def _ips(view: str, measure: Field, by: str) -> Tile:
    return Tile(
        f"Top 10 Sending IPs by {by}",
        f"sending_ips_top_{by.lower()}",
        "table",
        (
            Field("Sending IP", "sending_ip", "text", (f"{view}.sending_ip",)),
            Field("Deliveries", "deliveries", lookml=measure.lookml if by == "Deliveries" else ()),
            Field("Bounces", "bounces", lookml=measure.lookml if by == "Bounces" else ()),
            Field("Soft bounces", "soft_bounces"),
            Field("Bounce rate (of attempts)", "bounce_rate", "pct"),
        ),
        Looker(
            SEND,
            "looker_bar",
            12,
            8,
            sorts=(f"{measure.lookml[0]} desc",),
            filters={f"{view}.sending_ip": "-NULL"},
            listen={"Date": f"{SEND}.send_date"},
            limit=10,
        ),
    )


def email_performance() -> Dashboard:
    listen = {"Date": f"{SEND}.send_date"}
    by_week = (f"{SEND}.send_week",)
    rates = (
        Field("Bounce rate", "bounce_rate", "pct", (f"{BOUNCE}.bounce_rate",)),
        Field("Soft bounce rate", "soft_bounce_rate", "pct", (f"{SOFT}.soft_bounce_rate",)),
        Field("Spam rate", "spam_rate", "pct", (f"{SPAM}.spam_rate",)),
        Field("Unsubscribe rate", "unsubscribe_rate", "pct", (f"{UNSUB}.unsubscribe_rate",)),
    )
    return Dashboard(
        "email_performance",
        "Email Performance",
        "Weekly delivery and engagement, deliverability by week and by day, top sending IPs.",
        M,
        (
            Tile(
                "Email Performance by Week",
                "email_performance_weekly",
                "bars_and_rates",
                (
                    _week(),
                    EMAIL_DELIVERED,
                    UNIQUE_OPENS,
                    UNIQUE_CLICKS,
                    UNIQUE_OPEN_RATE,
                    UNIQUE_CLICK_RATE,
                ),
                Looker(SEND, "looker_column", 12, 9, sorts=by_week, listen=listen),
                axis="week of",
            ),
            Tile(
                "Deliverability by Week",
                "email_deliverability_weekly",
                "rate_lines",
                (
                    _week(),
                    # Looker only: at 90 %+ it would flatten the failure rates' lines
                    Field("Delivery rate (of sent)", lookml=DELIVERY_RATE.lookml),
                    *rates,
                ),
                Looker(SEND, "looker_line", 12, 9, sorts=by_week, listen=listen),
                axis="week of",
            ),
            Tile(
                "Deliverability Overview by Day",
                "email_deliverability_daily",
                "table",
                (
                    Field("Day", "period_start", "date", (f"{SEND}.send_date",)),
                    EMAIL_SENT,
                    EMAIL_DELIVERED,
                    DELIVERY_RATE,
                    Field("Bounces", "bounces", lookml=(f"{BOUNCE}.bounces",)),
                    Field("Soft bounces", "soft_bounces", lookml=(f"{SOFT}.soft_bounces",)),
                    Field("Spam", "spam_reports", lookml=(f"{SPAM}.spam_reports",)),
                    Field(
                        "Unsubscribed addresses", "unsubscribes", lookml=(f"{UNSUB}.unsubscribes",)
                    ),
                    *(Field(f.label, lookml=f.lookml) for f in rates),  # Looker only
                ),
                Looker(
                    SEND, "looker_grid", 24, 9, sorts=(f"{SEND}.send_date desc",), listen=listen
                ),
                note="Most recent 31 days first. As in the Braze block, bounces and spam reports "
                "count events, unsubscribes count distinct addresses.",
                wide=True,
                order="period_start",
                rows=31,
            ),
            _ips(BOUNCE, Field("Bounces", "bounces", lookml=(f"{BOUNCE}.bounces",)), "Bounces"),
            _ips(DELIVERY, EMAIL_DELIVERED, "Deliveries"),
        ),
        (Filter("Date", SEND, f"{SEND}.send_date", "12 weeks"),),
    )


def _ranked(top: bool, push: bool, clicks: bool) -> Tile:
    explore = PUSH_SEND if push else SEND
    if push:
        count, rate = PUSH_UNIQUE_OPENS, PUSH_OPEN_RATE
        what = "Push Campaigns by Unique Open Rate"
        delivered = PUSH_DELIVERED
    elif clicks:
        count, rate, what = UNIQUE_CLICKS, UNIQUE_CLICK_RATE, "Email Campaigns by Unique Click Rate"
        delivered = EMAIL_DELIVERED
    else:
        count, rate, what = UNIQUE_OPENS, UNIQUE_OPEN_RATE, "Email Campaigns by Unique Open Rate"
        delivered = EMAIL_DELIVERED
    channel = "push" if push else "email"
    measure = "click" if clicks else "open"
    name = f"{explore}.campaign_name"
    return Tile(
        f"{'Top' if top else 'Bottom'} 10 {what}",
        f"{channel}_messages_{'top' if top else 'bottom'}_{measure}_rate",
        "table",
        (
            Field("Type", "message_type", "text"),
            Field("Message", "message_name", "text", (name,)),
            delivered,
            Field(count.label, count.key),
            rate,
        ),
        Looker(
            explore,
            "looker_bar",
            12,
            8,
            sorts=(f"{rate.lookml[0]} {'desc' if top else 'asc'}",),
            filters={name: "-NULL"},
            listen={PUSH_DATE if push else EMAIL_DATE: f"{explore}.send_date"},
            limit=10,
        ),
    )


def _in_app() -> Tile:
    return Tile(
        "In-App Messages and Content Cards",
        "in_app_funnel",
        "kpis",
        (
            Field(
                "In-app impressions",
                "in_app_impressions",
                lookml=(f"{IN_APP_IMPRESSION}.events",),
            ),
            Field("In-app clicks", "in_app_clicks", lookml=(f"{IN_APP_CLICK}.events",)),
            Field(
                "In-app click rate (of viewers)",
                "in_app_click_rate",
                "pct",
                (f"{IN_APP_CLICK}.in_app_click_rate",),
            ),
            # the report only: cards are another explore in Looker (Content Card Events)
            Field("Content card impressions", "card_impressions"),
            Field("Content card click rate (of viewers)", "card_click_rate", "pct"),
        ),
        Looker(
            IN_APP_IMPRESSION,
            "looker_single_record",
            24,
            4,
            listen={IN_APP_DATE: f"{IN_APP_IMPRESSION}.impression_date"},
        ),
    )


def message_engagement() -> Dashboard:
    return Dashboard(
        "message_engagement",
        "Message Engagement",
        "Best and worst campaigns and canvases by unique open and click rate (email) and unique "
        "open rate (push); in-app messages and content cards: impressions, and click rates as "
        "users who clicked a message over users who saw it.",
        M,
        (
            *(
                _ranked(top, push, clicks)
                for push, clicks in ((False, False), (False, True), (True, False))
                for top in (True, False)
            ),
            _in_app(),
        ),
        (
            Filter(EMAIL_DATE, SEND, f"{SEND}.send_date", "30 days"),
            Filter(PUSH_DATE, PUSH_SEND, f"{PUSH_SEND}.send_date", "30 days"),
            Filter(
                IN_APP_DATE, IN_APP_IMPRESSION, f"{IN_APP_IMPRESSION}.impression_date", "30 days"
            ),
        ),
    )
