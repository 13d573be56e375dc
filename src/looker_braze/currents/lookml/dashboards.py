"""Every dashboard of the two blocks as LookML dashboards (YAML), defects fixed:

- pressure tiles ask only for fields they show (a block tile's table calculations referenced
  fields the tile did not query): rates are measures, not table calculations;
- the Daily Retention Chart listens to its date filter (the block's filter was not wired);
- retention rates come from the retention views (cohort size from first sessions, days not yet
  observed left out) instead of pivot_index table calculations over session counts.
"""

from __future__ import annotations

from looker_braze.currents.lookml.explores import BEHAVIOR_MODEL, ENGAGEMENT_MODEL
from looker_braze.currents.lookml.pressure_dashboards import marketing_pressure
from looker_braze.currents.lookml.retention_dashboards import retention_dashboards
from looker_braze.currents.lookml.tiles import Layout, dashboard, field_filter, tile
from looker_braze.currents.lookml.views import DELIVERY, PUSH_BOUNCE, PUSH_SEND, SEND

OPEN, CLICK = "users_messages_email_open", "users_messages_email_click"
BOUNCE, SOFT = "users_messages_email_bounce", "users_messages_email_softbounce"
SPAM, UNSUB = "users_messages_email_markasspam", "users_messages_email_unsubscribe"
PUSH_OPEN = "users_messages_pushnotification_open"


def _message_filters(explore: str, date_field: str, default_date: str) -> list[dict]:
    m = ENGAGEMENT_MODEL
    return [
        field_filter("Campaign Name", m, explore, f"{explore}.campaign_name"),
        field_filter("Canvas Name", m, explore, f"{explore}.canvas_name"),
        field_filter("Date", m, explore, date_field, default_date),
    ]


def _listen(explore: str, date_field: str) -> dict:
    return {
        "Campaign Name": f"{explore}.campaign_name",
        "Canvas Name": f"{explore}.canvas_name",
        "Date": date_field,
    }


def email_funnel() -> dict:
    grid, m, listen = Layout(), ENGAGEMENT_MODEL, _listen(SEND, f"{SEND}.send_date")
    funnel, rates = grid.place([16, 8], 10)
    [table] = grid.place([24], 10)
    measures = [
        f"{SEND}.emails_sent",
        f"{DELIVERY}.emails_delivered",
        f"{OPEN}.unique_opens",
        f"{CLICK}.unique_clicks",
    ]
    return dashboard(
        "email_funnel",
        "Email Funnel",
        "Sent -> delivered -> unique opens -> unique clicks, by campaign or canvas.",
        [
            tile("Email Funnel", m, SEND, "looker_funnel", measures, funnel, listen=listen),
            tile(
                "Email Rates",
                m,
                SEND,
                "looker_single_record",
                [
                    f"{DELIVERY}.delivery_rate",
                    f"{OPEN}.unique_open_rate",
                    f"{CLICK}.unique_click_rate",
                ],
                rates,
                listen=listen,
            ),
            tile(
                "Funnel by Campaign and Canvas",
                m,
                SEND,
                "looker_grid",
                [
                    f"{SEND}.campaign_name",
                    f"{SEND}.canvas_name",
                    *measures,
                    f"{OPEN}.unique_open_rate",
                    f"{CLICK}.unique_click_rate",
                ],
                table,
                sorts=[f"{SEND}.emails_sent desc"],
                listen=listen,
            ),
        ],
        _message_filters(SEND, f"{SEND}.send_date", "30 days"),
    )


def push_funnel() -> dict:
    grid, m = Layout(), ENGAGEMENT_MODEL
    listen = _listen(PUSH_SEND, f"{PUSH_SEND}.send_date")
    funnel, rates = grid.place([16, 8], 10)
    [table] = grid.place([24], 10)
    measures = [
        f"{PUSH_SEND}.pushes_sent",
        f"{PUSH_BOUNCE}.pushes_delivered",
        f"{PUSH_OPEN}.push_opens",
    ]
    return dashboard(
        "push_funnel",
        "Push Funnel",
        "Sent -> delivered -> opened push messages.",
        [
            tile("Push Funnel", m, PUSH_SEND, "looker_funnel", measures, funnel, listen=listen),
            tile(
                "Push Rates",
                m,
                PUSH_SEND,
                "looker_single_record",
                [
                    f"{PUSH_BOUNCE}.push_bounce_rate",
                    f"{PUSH_OPEN}.push_open_rate",
                    f"{PUSH_BOUNCE}.unique_recipients",
                ],
                rates,
                listen=listen,
            ),
            tile(
                "Funnel by Campaign and Canvas",
                m,
                PUSH_SEND,
                "looker_grid",
                [
                    f"{PUSH_SEND}.campaign_name",
                    f"{PUSH_SEND}.canvas_name",
                    *measures,
                    f"{PUSH_OPEN}.push_open_rate",
                ],
                table,
                sorts=[f"{PUSH_SEND}.pushes_sent desc"],
                listen=listen,
            ),
        ],
        _message_filters(PUSH_SEND, f"{PUSH_SEND}.send_date", "30 days"),
    )


def email_performance() -> dict:
    grid, m = Layout(), ENGAGEMENT_MODEL
    listen = {"Date": f"{SEND}.send_date"}
    weekly, deliverability = grid.place([12, 12], 9)
    [daily] = grid.place([24], 9)
    by_bounces, by_deliveries = grid.place([12, 12], 8)
    rates = [
        f"{DELIVERY}.delivery_rate",
        f"{BOUNCE}.bounce_rate",
        f"{SOFT}.soft_bounce_rate",
        f"{SPAM}.spam_rate",
        f"{UNSUB}.unsubscribe_rate",
    ]
    counts = [
        f"{SEND}.emails_sent",
        f"{DELIVERY}.emails_delivered",
        f"{BOUNCE}.bounces",
        f"{SOFT}.soft_bounces",
        f"{SPAM}.spam_reports",
        f"{UNSUB}.unsubscribes",
    ]
    return dashboard(
        "email_performance",
        "Email Performance",
        "Weekly delivery and engagement, deliverability by week and day, top sending IPs.",
        [
            tile(
                "Email Performance by Week",
                m,
                SEND,
                "looker_column",
                [
                    f"{SEND}.send_week",
                    f"{DELIVERY}.emails_delivered",
                    f"{OPEN}.unique_opens",
                    f"{CLICK}.unique_clicks",
                    f"{OPEN}.unique_open_rate",
                    f"{CLICK}.unique_click_rate",
                ],
                weekly,
                sorts=[f"{SEND}.send_week"],
                listen=listen,
            ),
            tile(
                "Deliverability by Week",
                m,
                SEND,
                "looker_line",
                [f"{SEND}.send_week", *rates],
                deliverability,
                sorts=[f"{SEND}.send_week"],
                listen=listen,
            ),
            tile(
                "Deliverability Overview by Day",
                m,
                SEND,
                "looker_grid",
                [f"{SEND}.send_date", *counts, *rates],
                daily,
                sorts=[f"{SEND}.send_date desc"],
                listen=listen,
            ),
            tile(
                "Top 10 Sending IPs by Bounces",
                m,
                SEND,
                "looker_bar",
                [f"{BOUNCE}.sending_ip", f"{BOUNCE}.bounces"],
                by_bounces,
                limit=10,
                filters={f"{BOUNCE}.sending_ip": "-NULL"},
                sorts=[f"{BOUNCE}.bounces desc"],
                listen=listen,
            ),
            tile(
                "Top 10 Sending IPs by Deliveries",
                m,
                SEND,
                "looker_bar",
                [f"{DELIVERY}.sending_ip", f"{DELIVERY}.emails_delivered"],
                by_deliveries,
                limit=10,
                filters={f"{DELIVERY}.sending_ip": "-NULL"},
                sorts=[f"{DELIVERY}.emails_delivered desc"],
                listen=listen,
            ),
        ],
        [field_filter("Date", m, SEND, f"{SEND}.send_date", "12 weeks")],
    )


def _ranked(
    title: str,
    explore: str,
    name: str,
    measure: str,
    extra: str,
    order: str,
    spot: dict,
    listen: dict,
) -> dict:
    return tile(
        title,
        ENGAGEMENT_MODEL,
        explore,
        "looker_bar",
        [name, measure, extra],
        spot,
        limit=10,
        sorts=[f"{measure} {order}"],
        filters={name: "-NULL"},
        listen=listen,
    )


def message_engagement() -> dict:
    grid = Layout()
    email, push = {"Date": f"{SEND}.send_date"}, {"Date": f"{PUSH_SEND}.send_date"}
    spots = grid.place([12, 12], 8) + grid.place([12, 12], 8) + grid.place([12, 12], 8)
    name, push_name = f"{SEND}.campaign_name", f"{PUSH_SEND}.campaign_name"
    delivered, push_delivered = f"{DELIVERY}.emails_delivered", f"{PUSH_BOUNCE}.pushes_delivered"
    specs = [
        (
            "Top 10 Email Campaigns by Unique Open Rate",
            SEND,
            name,
            f"{OPEN}.unique_open_rate",
            delivered,
            "desc",
            email,
        ),
        (
            "Bottom 10 Email Campaigns by Unique Open Rate",
            SEND,
            name,
            f"{OPEN}.unique_open_rate",
            delivered,
            "asc",
            email,
        ),
        (
            "Top 10 Email Campaigns by Unique Click Rate",
            SEND,
            name,
            f"{CLICK}.unique_click_rate",
            delivered,
            "desc",
            email,
        ),
        (
            "Bottom 10 Email Campaigns by Unique Click Rate",
            SEND,
            name,
            f"{CLICK}.unique_click_rate",
            delivered,
            "asc",
            email,
        ),
        (
            "Top 10 Push Campaigns by Open Rate",
            PUSH_SEND,
            push_name,
            f"{PUSH_OPEN}.push_open_rate",
            push_delivered,
            "desc",
            push,
        ),
        (
            "Bottom 10 Push Campaigns by Open Rate",
            PUSH_SEND,
            push_name,
            f"{PUSH_OPEN}.push_open_rate",
            push_delivered,
            "asc",
            push,
        ),
    ]
    elements = [_ranked(*spec[:6], spot, spec[6]) for spec, spot in zip(specs, spots, strict=True)]
    m = ENGAGEMENT_MODEL
    return dashboard(
        "message_engagement",
        "Message Engagement",
        "Best and worst email and push campaigns over the last 30 days.",
        elements,
        [field_filter("Date", m, SEND, f"{SEND}.send_date", "30 days")],
    )


def all_dashboards() -> dict[str, list[dict]]:
    """Dashboards by LookML model."""
    return {
        ENGAGEMENT_MODEL: [
            email_funnel(),
            push_funnel(),
            email_performance(),
            message_engagement(),
            marketing_pressure("email"),
            marketing_pressure("push"),
        ],
        BEHAVIOR_MODEL: retention_dashboards(),
    }
