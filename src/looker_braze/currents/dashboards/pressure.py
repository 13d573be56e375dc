"""The Email and Push Marketing Pressure dashboards (frequency and cadence). Rates are
measures of the LookML views, so no tile computes them from fields it does not query (a defect
of the block's email pressure tile). Push has the block's Platform filter and its cadence view's
send counts (sends, bounces, bounced recipients by send rank)."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import ENGAGEMENT_MODEL

FREQUENCIES = ("day", "week", "month")


def _rates(channel: str, view: str) -> tuple[Field, ...]:
    rates = [Field("Unique open rate", "unique_open_rate", "pct", (f"{view}.unique_open_rate",))]
    if channel == "email":
        rates.append(
            Field("Unique click rate", "unique_click_rate", "pct", (f"{view}.unique_click_rate",))
        )
    return tuple(rates)


SEND_CADENCE = "push_messaging_send_cadence"


def _listen(view: str, date: str = "delivery_date") -> dict[str, str]:
    listen = {
        "Campaign Name": f"{view}.campaign_name",
        "Canvas Name": f"{view}.canvas_name",
        "Date": f"{view}.{date}",
    }
    if view.startswith("push_"):
        listen["Platform"] = f"{view}.platform"
    return listen


def _frequency(channel: str, period: str, noun: str) -> Tile:
    view = f"{channel}_messaging_frequency"
    return Tile(
        f"Engagement by {noun.title()} per {period.title()}",
        f"{channel}_frequency",
        "bars_and_rates",
        (
            Field("Frequency", "frequency", "int", (f"{view}.frequency",)),
            Field("Occasions", "occasions", "int", (f"{view}.occasions",)),
            *_rates(channel, view),
        ),
        Looker(
            view,
            "looker_line",
            8,
            8,
            sorts=(f"{view}.frequency",),
            filters={f"{view}.date_granularity": period},
            listen=_listen(view),
        ),
        params={"granularity": period},
        axis=f"{noun} per {period}",
    )


def _by(channel: str, title: str, model: str, field: Field, axis: str, **looker) -> Tile:
    view = f"{channel}_messaging_cadence"
    return Tile(
        title,
        f"{channel}_{model}",
        "bars_and_rates",
        (
            field,
            Field("Deliveries", "deliveries", "int", (f"{view}.deliveries",)),
            *_rates(channel, view),
        ),
        Looker(view, "looker_column", 12, 8, sorts=field.lookml, listen=_listen(view), **looker),
        axis=axis,
    )


def _send_cadence() -> Tile:
    view = SEND_CADENCE
    return Tile(
        "Sends and Bounces by Send Rank",
        "push_send_cadence",
        "table",
        (
            Field("Send", "send_rank", "int", (f"{view}.send_rank",)),
            Field("Sends", "sends", "int", (f"{view}.pushes_sent",)),
            Field("Bounces", "bounces", "int", (f"{view}.push_bounces",)),
            Field(
                "Bounced recipients", "bounced_recipients", "int", (f"{view}.bounced_recipients",)
            ),
            Field("Bounce rate (of sends)", "bounce_rate", "pct", (f"{view}.push_bounce_rate",)),
        ),
        Looker(
            view,
            "looker_grid",
            24,
            8,
            sorts=(f"{view}.send_rank",),
            listen=_listen(view, "send_date"),
            limit=50,
        ),
        note="Every push sent, bounced or not: 1 = a user's first, 2 = second, ...",
        wide=True,
        rows=20,
    )


def _filters(channel: str) -> tuple[Filter, ...]:
    cadence = f"{channel}_messaging_cadence"
    filters = (
        Filter("Campaign Name", cadence, f"{cadence}.campaign_name"),
        Filter("Canvas Name", cadence, f"{cadence}.canvas_name"),
        Filter("Date", cadence, f"{cadence}.delivery_date", "90 days"),
    )
    if channel == "push":
        filters += (Filter("Platform", cadence, f"{cadence}.platform"),)
    return filters


def marketing_pressure(channel: str) -> Dashboard:
    noun = "emails" if channel == "email" else "pushes"
    cadence = f"{channel}_messaging_cadence"
    gap_tiles = tuple(
        _by(
            channel,
            f"Engagement by {unit.title()} Since the Previous Message",
            f"cadence_by_{unit[:-1]}_gap",
            Field("Gap", "gap_tier", "text", (f"{cadence}.{unit}_since_previous_tier",)),
            f"{unit} since the previous {channel}",
            filters={f"{cadence}.{unit}_since_previous": "NOT NULL"},
        )
        for unit in ("days", "weeks")
    )
    return Dashboard(
        f"{channel}_marketing_pressure",
        f"{channel.title()} Marketing Pressure",
        f"How many {noun} a recipient gets and how often, and what that does to engagement. "
        "Each open or click is attributed to the one delivery it followed.",
        ENGAGEMENT_MODEL,
        (
            *(_frequency(channel, period, noun) for period in FREQUENCIES),
            Tile(
                f"Average Days Between {noun.title()}",
                f"{channel}_cadence_by_rank",
                "cadence_kpis",
                (
                    Field(
                        f"Average days between {noun}",
                        "avg_days_since_previous",
                        "num",
                        (f"{cadence}.average_days_since_previous",),
                    ),
                    # rank 1 counts each recipient's first delivery: one per recipient
                    Field("Recipients", "deliveries", "int", (f"{cadence}.recipients",)),
                ),
                Looker(cadence, "looker_single_record", 6, 9, listen=_listen(cadence)),
            ),
            Tile(
                "Engagement by Delivery Rank",
                f"{channel}_cadence_by_rank",
                "table",
                (
                    Field("Delivery", "delivery_rank", "int", (f"{cadence}.delivery_rank",)),
                    Field(
                        "Avg days since previous",
                        "avg_days_since_previous",
                        "num",
                        (f"{cadence}.average_days_since_previous",),
                    ),
                    Field("Deliveries", "deliveries", "int", (f"{cadence}.deliveries",)),
                    *_rates(channel, cadence),
                ),
                Looker(
                    cadence,
                    "looker_grid",
                    18,
                    9,
                    sorts=(f"{cadence}.delivery_rank",),
                    listen=_listen(cadence),
                    limit=50,
                ),
                note="Delivery 1 = a recipient's first, 2 = second, ...",
                wide=True,
                rows=20,
            ),
            *gap_tiles,
            _by(
                channel,
                "Engagement by Hour of Day",
                "engagement_by_hour",
                Field("Hour", "hour_of_day", "int", (f"{cadence}.delivery_hour_of_day",)),
                "local hour",
            ),
            _by(
                channel,
                "Engagement by Day of Week",
                "engagement_by_weekday",
                Field("Day", "day_of_week", "weekday", (f"{cadence}.delivery_day_of_week",)),
                "",
            ),
            *((_send_cadence(),) if channel == "push" else ()),
        ),
        _filters(channel),
    )
