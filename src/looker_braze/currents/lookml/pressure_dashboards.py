"""The Email and Push Marketing Pressure dashboards (frequency and cadence explores). Rates
are measures of the views, so no tile computes them from fields it does not query (a defect
of the block's email pressure tile)."""

from __future__ import annotations

from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL
from looker_braze.currents.lookml.tiles import Layout, dashboard, field_filter, tile


def marketing_pressure(channel: str) -> dict:
    grid, m = Layout(), ENGAGEMENT_MODEL
    cadence, frequency = f"{channel}_messaging_cadence", f"{channel}_messaging_frequency"
    rates = [f"{cadence}.unique_open_rate"] + (
        [f"{cadence}.unique_click_rate"] if channel == "email" else []
    )
    frequency_rates = [f"{frequency}.unique_open_rate"] + (
        [f"{frequency}.unique_click_rate"] if channel == "email" else []
    )
    on_cadence = {
        "Campaign Name": f"{cadence}.campaign_name",
        "Canvas Name": f"{cadence}.canvas_name",
        "Date": f"{cadence}.delivery_date",
    }
    on_frequency = {
        "Campaign Name": f"{frequency}.campaign_name",
        "Canvas Name": f"{frequency}.canvas_name",
        "Date": f"{frequency}.delivery_date",
    }
    noun = "Emails" if channel == "email" else "Pushes"
    elements = []
    for spot, period in zip(grid.place([8, 8, 8], 8), ("day", "week", "month"), strict=True):
        elements.append(
            tile(
                f"Engagement by {noun} per {period.title()}",
                m,
                frequency,
                "looker_line",
                [f"{frequency}.frequency", f"{frequency}.occasions", *frequency_rates],
                spot,
                filters={f"{frequency}.date_granularity": period},
                sorts=[f"{frequency}.frequency"],
                listen=on_frequency,
            )
        )
    average, overview = grid.place([6, 18], 9)
    elements.append(
        tile(
            f"Average Days Between {noun}",
            m,
            cadence,
            "single_value",
            [f"{cadence}.average_days_since_previous"],
            average,
            listen=on_cadence,
        )
    )
    elements.append(
        tile(
            "Engagement by Delivery Rank",
            m,
            cadence,
            "looker_grid",
            [
                f"{cadence}.delivery_rank",
                f"{cadence}.average_days_since_previous",
                f"{cadence}.deliveries",
                *rates,
            ],
            overview,
            sorts=[f"{cadence}.delivery_rank"],
            limit=50,
            listen=on_cadence,
        )
    )
    days, weeks = grid.place([12, 12], 8)
    for spot, unit in ((days, "days"), (weeks, "weeks")):
        tier = f"{cadence}.{unit}_since_previous_tier"
        elements.append(
            tile(
                f"Engagement by {unit.title()} Since the Previous Message",
                m,
                cadence,
                "looker_column",
                [tier, f"{cadence}.deliveries", *rates],
                spot,
                sorts=[tier],
                listen=on_cadence,
                filters={f"{cadence}.{unit}_since_previous": "NOT NULL"},
            )
        )
    hours, weekdays = grid.place([12, 12], 8)
    for spot, timeframe in ((hours, "hour_of_day"), (weekdays, "day_of_week")):
        dimension = f"{cadence}.delivery_{timeframe}"
        elements.append(
            tile(
                f"Engagement by {timeframe.replace('_', ' ').title()}",
                m,
                cadence,
                "looker_column",
                [dimension, f"{cadence}.deliveries", *rates],
                spot,
                sorts=[dimension],
                listen=on_cadence,
            )
        )
    filters = [
        field_filter("Campaign Name", m, cadence, f"{cadence}.campaign_name"),
        field_filter("Canvas Name", m, cadence, f"{cadence}.canvas_name"),
        field_filter("Date", m, cadence, f"{cadence}.delivery_date", "90 days"),
    ]
    title = f"{channel.title()} Marketing Pressure"
    return dashboard(
        f"{channel}_marketing_pressure",
        title,
        f"How many {noun.lower()} a recipient gets, how often, and how that changes engagement.",
        elements,
        filters,
    )
