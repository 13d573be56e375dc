"""The sections of the report, one per dashboard of the blocks: model results turned into KPIs,
charts, tables (where the blocks use tables) and retention heatmaps."""

from __future__ import annotations

from collections.abc import Mapping

from looker_braze.currents.models import ModelResult
from looker_braze.currents.report import charts
from looker_braze.currents.report.page import Column, Section, Table, fmt
from looker_braze.currents.report.pressure import pressure
from looker_braze.currents.report.retention import retention


def build_sections(results: Mapping[str, ModelResult]) -> list[Section]:
    records = {key: result.records() for key, result in results.items()}
    return [
        _email_funnel(records),
        _push_funnel(records),
        _email_performance(records),
        _message_engagement(records),
        pressure("email", records),
        pressure("push", records),
        retention(records),
    ]


def _email_funnel(records: dict[str, list[dict]]) -> Section:
    [total] = records["email_funnel"]
    stages = [
        ("Sent", total["sent"]),
        ("Delivered", total["delivered"]),
        ("Unique opens", total["unique_opens"]),
        ("Unique clicks", total["unique_clicks"]),
    ]
    return Section(
        "email-funnel",
        "Email Funnel",
        "Sent → delivered → unique opens → unique clicks. Unique = one per recipient and "
        "message variation or canvas step, as in the Braze block.",
        kpis=[
            ("Emails sent", fmt(total["sent"], "int")),
            ("Delivery rate", fmt(total["delivery_rate"], "pct")),
            ("Unique open rate", fmt(total["unique_open_rate"], "pct")),
            ("Unique click rate", fmt(total["unique_click_rate"], "pct")),
        ],
        charts=[("Email funnel", charts.funnel("email_funnel", stages))],
        tables=[
            Table(
                "By campaign and canvas",
                [
                    Column("Type", "message_type", "text"),
                    Column("Message", "message_name", "text"),
                    Column("Sent", "sent"),
                    Column("Delivered", "delivered"),
                    Column("Delivery rate", "delivery_rate", "pct"),
                    Column("Unique opens", "unique_opens"),
                    Column("Unique open rate", "unique_open_rate", "pct"),
                    Column("Unique clicks", "unique_clicks"),
                    Column("Unique click rate", "unique_click_rate", "pct"),
                ],
                records["email_funnel_by_message"],
            )
        ],
    )


def _push_funnel(records: dict[str, list[dict]]) -> Section:
    [total] = records["push_funnel"]
    stages = [
        ("Sent", total["sent"]),
        ("Delivered", total["delivered"]),
        ("Opened", total["opens"]),
    ]
    return Section(
        "push-funnel",
        "Push Funnel",
        "Sent → delivered (sent minus bounces) → opened.",
        kpis=[
            ("Pushes sent", fmt(total["sent"], "int")),
            ("Bounce rate", fmt(total["bounce_rate"], "pct")),
            ("Open rate", fmt(total["open_rate"], "pct")),
            ("Unique recipients", fmt(total["unique_recipients"], "int")),
        ],
        charts=[("Push funnel", charts.funnel("push_funnel", stages))],
        tables=[
            Table(
                "By campaign and canvas",
                [
                    Column("Type", "message_type", "text"),
                    Column("Message", "message_name", "text"),
                    Column("Sent", "sent"),
                    Column("Bounces", "bounces"),
                    Column("Delivered", "delivered"),
                    Column("Opens", "opens"),
                    Column("Open rate", "open_rate", "pct"),
                    Column("Unique recipients", "unique_recipients"),
                ],
                records["push_funnel_by_message"],
            )
        ],
    )


def _email_performance(records: dict[str, list[dict]]) -> Section:
    weekly = records["email_performance_weekly"]
    deliverability = records["email_deliverability_weekly"]
    weeks = [r["period_start"].strftime("%b %d") for r in weekly]
    rates_weeks = [r["period_start"].strftime("%b %d") for r in deliverability]
    daily = sorted(
        records["email_deliverability_daily"],
        key=lambda r: r["period_start"],
        reverse=True,
    )
    ip_columns = [
        Column("Sending IP", "sending_ip", "text"),
        Column("Deliveries", "deliveries"),
        Column("Bounces", "bounces"),
        Column("Soft bounces", "soft_bounces"),
        Column("Bounce rate", "bounce_rate", "pct"),
    ]
    return Section(
        "email-performance",
        "Email Performance",
        "Weekly delivery and engagement, deliverability by week and by day, sending IPs.",
        charts=[
            (
                "Performance by week",
                charts.bars_and_rates(
                    "email_performance_weekly",
                    weeks,
                    {
                        "Delivered": [r["delivered"] for r in weekly],
                        "Unique opens": [r["unique_opens"] for r in weekly],
                        "Unique clicks": [r["unique_clicks"] for r in weekly],
                    },
                    {
                        "Unique open rate": [r["unique_open_rate"] for r in weekly],
                        "Unique click rate": [r["unique_click_rate"] for r in weekly],
                    },
                    "week of",
                ),
            ),
            (
                "Deliverability by week",
                charts.rate_lines(
                    "email_deliverability_weekly",
                    rates_weeks,
                    {
                        "Bounce rate": [r["bounce_rate"] for r in deliverability],
                        "Soft bounce rate": [r["soft_bounce_rate"] for r in deliverability],
                        "Spam rate": [r["spam_rate"] for r in deliverability],
                        "Unsubscribe rate": [r["unsubscribe_rate"] for r in deliverability],
                    },
                    "week of",
                ),
            ),
        ],
        tables=[
            Table(
                "Deliverability overview by day",
                [
                    Column("Day", "period_start", "date"),
                    Column("Sent", "sent"),
                    Column("Delivered", "delivered"),
                    Column("Delivery rate", "delivery_rate", "pct"),
                    Column("Bounces", "bounces"),
                    Column("Soft bounces", "soft_bounces"),
                    Column("Spam", "spam_reports"),
                    Column("Unsubscribed addresses", "unsubscribes"),
                ],
                daily[:31],
                "Most recent 31 days first. As in the Braze block, bounces and spam reports "
                "count events, unsubscribes count distinct addresses.",
                wide=True,
            ),
            Table(
                "Top 10 sending IPs by bounces",
                ip_columns,
                records["sending_ips_top_bounces"],
            ),
            Table(
                "Top 10 sending IPs by deliveries",
                ip_columns,
                records["sending_ips_top_deliveries"],
            ),
        ],
    )


def _message_engagement(records: dict[str, list[dict]]) -> Section:
    def ranked(title: str, key: str, rate: str, label: str, count: str) -> Table:
        return Table(
            title,
            [
                Column("Type", "message_type", "text"),
                Column("Message", "message_name", "text"),
                Column("Delivered", "delivered"),
                Column(label, count),
                Column(label + " rate", rate, "pct"),
            ],
            records[key],
        )

    return Section(
        "message-engagement",
        "Message Engagement",
        "Best and worst campaigns and canvases by unique open and click rate (email) and open "
        "rate (push).",
        tables=[
            ranked(
                "Top 10 email by unique open rate",
                "email_messages_top_open_rate",
                "unique_open_rate",
                "Unique open",
                "unique_opens",
            ),
            ranked(
                "Bottom 10 email by unique open rate",
                "email_messages_bottom_open_rate",
                "unique_open_rate",
                "Unique open",
                "unique_opens",
            ),
            ranked(
                "Top 10 email by unique click rate",
                "email_messages_top_click_rate",
                "unique_click_rate",
                "Unique click",
                "unique_clicks",
            ),
            ranked(
                "Bottom 10 email by unique click rate",
                "email_messages_bottom_click_rate",
                "unique_click_rate",
                "Unique click",
                "unique_clicks",
            ),
            ranked(
                "Top 10 push by open rate",
                "push_messages_top_open_rate",
                "open_rate",
                "Open",
                "opens",
            ),
            ranked(
                "Bottom 10 push by open rate",
                "push_messages_bottom_open_rate",
                "open_rate",
                "Open",
                "opens",
            ),
        ],
    )
