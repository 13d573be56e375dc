"""The retention block's five dashboards over the daily and weekly retention views. The
Daily Retention Chart listens to its date filter (the block's was not wired)."""

from __future__ import annotations

from looker_braze.currents.lookml.explores import BEHAVIOR_MODEL
from looker_braze.currents.lookml.tiles import Layout, dashboard, field_filter, tile


def retention_dashboard(name: str, title: str, grain: str, chart: str, first: int) -> dict:
    unit = "days" if grain == "daily" else "weeks"
    explore, cohort = f"{grain}_retention", "cohort_date" if grain == "daily" else "cohort_week"
    offset, cohort_field = f"{explore}.{unit}_since_first", f"{explore}.{cohort}"
    [spot] = Layout().place([24], 14)
    m, date_filter = BEHAVIOR_MODEL, "First Session Date"
    fields = [cohort_field, offset, f"{explore}.retention_rate"]
    options = {"pivots": [offset], "sorts": [f"{cohort_field} desc", offset]}
    if chart == "looker_line":
        options = {"pivots": [cohort_field], "sorts": [offset, cohort_field]}
    element = tile(
        title,
        m,
        explore,
        chart,
        fields,
        spot,
        filters={offset: f"[{first}, {31 if unit == 'days' else 12}]"},
        listen={date_filter: cohort_field},
        **options,
    )
    default = "28 days" if grain == "daily" else "12 weeks"
    return dashboard(
        name,
        title,
        f"Share of each first-session cohort active {unit} later.",
        [element],
        [field_filter(date_filter, m, explore, cohort_field, default)],
    )


def retention_dashboards() -> list[dict]:
    return [
        retention_dashboard("28_day_retention", "28-Day Retention", "daily", "looker_grid", 0),
        retention_dashboard(
            "daily_retention_chart", "Daily Retention Chart", "daily", "looker_grid", 1
        ),
        retention_dashboard(
            "daily_retention_graph", "Daily Retention Graph", "daily", "looker_line", 1
        ),
        retention_dashboard(
            "weekly_retention_chart", "Weekly Retention Chart", "weekly", "looker_grid", 0
        ),
        retention_dashboard(
            "weekly_retention_graph", "Weekly Retention Graph", "weekly", "looker_line", 1
        ),
    ]
