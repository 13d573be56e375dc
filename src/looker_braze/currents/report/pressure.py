"""The marketing pressure sections (email and push): frequency, cadence, hour and weekday."""

from __future__ import annotations

from looker_braze.currents.report import charts
from looker_braze.currents.report.page import Column, Section, Table, fmt
from looker_braze.currents.report.queries import FREQUENCIES


def _engagement_rates(rows: list[dict], channel: str) -> dict[str, list]:
    rates = {"Unique open rate": [r["unique_open_rate"] for r in rows]}
    if channel == "email":
        rates["Unique click rate"] = [r["unique_click_rate"] for r in rows]
    return rates


def pressure(channel: str, records: dict[str, list[dict]]) -> Section:
    noun = "emails" if channel == "email" else "pushes"
    one = channel  # "email", "push": one of them
    rank = records[f"{channel}_cadence_by_rank"]
    gaps = [r for r in rank if r["avg_days_since_previous"] is not None]
    average = (
        (
            sum(r["avg_days_since_previous"] * r["deliveries"] for r in gaps)
            / sum(r["deliveries"] for r in gaps)
        )
        if gaps
        else None
    )
    section = Section(
        f"{channel}-pressure",
        f"{channel.title()} Marketing Pressure",
        f"How many {noun} a recipient gets and how often, and what that does to engagement. "
        "Each open or click is attributed to the one delivery it followed.",
        kpis=[
            (f"Average days between {noun}", fmt(average, "num")),
            ("Recipients", fmt(rank[0]["deliveries"] if rank else 0, "int")),
        ],
    )
    for granularity in FREQUENCIES:
        rows = records[f"{channel}_frequency:{granularity}"]
        section.charts.append(
            (
                f"Engagement by {noun} per {granularity}",
                charts.bars_and_rates(
                    f"{channel}_frequency_{granularity}",
                    [r["frequency"] for r in rows],
                    {"Occasions": [r["occasions"] for r in rows]},
                    _engagement_rates(rows, channel),
                    f"{noun} per {granularity}",
                ),
            )
        )
    for key, title, label, xlabel in (
        (
            "cadence_by_day_gap",
            f"Engagement by days since the previous {one}",
            "gap_tier",
            "days since previous",
        ),
        (
            "cadence_by_week_gap",
            f"Engagement by weeks since the previous {one}",
            "gap_tier",
            "weeks since previous",
        ),
        ("engagement_by_hour", "Engagement by hour of day", "hour_of_day", "local hour"),
        ("engagement_by_weekday", "Engagement by day of week", "day_of_week", ""),
    ):
        rows = records[f"{channel}_{key}"]
        labels = [str(r[label])[:3] if label == "day_of_week" else r[label] for r in rows]
        section.charts.append(
            (
                title,
                charts.bars_and_rates(
                    f"{channel}_{key}",
                    labels,
                    {"Deliveries": [r["deliveries"] for r in rows]},
                    _engagement_rates(rows, channel),
                    xlabel,
                ),
            )
        )
    columns = [
        Column("Delivery", "delivery_rank"),
        Column("Avg days since previous", "avg_days_since_previous", "num"),
        Column("Deliveries", "deliveries"),
        Column("Unique open rate", "unique_open_rate", "pct"),
    ]
    if channel == "email":
        columns.append(Column("Unique click rate", "unique_click_rate", "pct"))
    section.tables.append(
        Table(
            "Send cadence overview",
            columns,
            rank[:20],
            "Delivery 1 = a recipient's first, 2 = second, ...",
            wide=True,
        )
    )
    return section
