"""The retention block's five dashboards over the daily and weekly retention grids. The Daily
Retention Chart listens to its date filter (the block's was not wired)."""

from __future__ import annotations

from looker_braze.currents.dashboards.spec import Dashboard, Field, Filter, Looker, Tile
from looker_braze.currents.lookml.explores import BEHAVIOR_MODEL

DATE_FILTER = "First Session Date"
KPI_DAYS = (1, 7, 14, 28)


def _grid(grain: str) -> tuple[str, str, str, str, int]:
    """(explore, cohort column, offset column, unit, last offset) of a retention grid."""
    if grain == "daily":
        return "daily_retention", "cohort_date", "days_since_first", "days", 31
    return "weekly_retention", "cohort_week", "weeks_since_first", "weeks", 12


def _fields(grain: str) -> tuple[Field, ...]:
    explore, cohort, offset, unit, _ = _grid(grain)
    return (
        Field(
            "First session" if grain == "daily" else "Week of",
            cohort,
            "date",
            (f"{explore}.{cohort}",),
        ),
        Field(
            f"{unit.title()} since first session", offset, "int", (f"{explore}.{unit}_since_first",)
        ),
        Field("Retention", "retention_rate", "pct", (f"{explore}.retention_rate",)),
    )


def _tile(title: str, grain: str, graph: bool, first: int) -> Tile:
    explore, cohort, offset, unit, last = _grid(grain)
    cohort_field, offset_field = f"{explore}.{cohort}", f"{explore}.{unit}_since_first"
    if graph:
        layout = {"pivots": (cohort_field,), "sorts": (offset_field, cohort_field)}
    else:
        layout = {"pivots": (offset_field,), "sorts": (f"{cohort_field} desc", offset_field)}
    cohorts = f"retention_{grain}_cohorts"
    # The weekly grid is empty until a week is complete; the daily one tells whether there
    # are sessions at all.
    context = ("retention_daily_cohorts",) if grain == "weekly" else ()
    return Tile(
        title,
        cohorts,
        "curves" if graph else "heatmap",
        _fields(grain),
        Looker(
            explore,
            "looker_line" if graph else "looker_grid",
            24,
            14,
            filters={offset_field: f"[{first}, {last}]"},
            listen={DATE_FILTER: cohort_field},
            **layout,
        ),
        context=(f"retention_{grain}_curve", *context) if graph else context,
        axis=unit,
        empty="No complete week in the data yet."
        if grain == "weekly"
        else "No sessions in the data.",
        offsets=(offset, first, last),
    )


def _days_tile() -> Tile:
    explore = "daily_retention"
    days = ",".join(map(str, KPI_DAYS))
    return Tile(
        f"Retention on Days {', '.join(map(str, KPI_DAYS))}",
        "retention_daily_curve",
        "retention_days",
        (
            Field(
                "Days since first session",
                "days_since_first",
                "int",
                (f"{explore}.days_since_first",),
            ),
            Field("Retention", "retention_rate", "pct", (f"{explore}.retention_rate",)),
        ),
        Looker(
            explore,
            "looker_grid",
            24,
            4,
            sorts=(f"{explore}.days_since_first",),
            filters={f"{explore}.days_since_first": days},
            listen={DATE_FILTER: f"{explore}.cohort_date"},
        ),
        picks=KPI_DAYS,
    )


def _dashboard(name: str, title: str, grain: str, graph: bool, first: int) -> Dashboard:
    explore, cohort, _, unit, _ = _grid(grain)
    tiles = (_tile(title, grain, graph, first),)
    if name == "daily_retention_graph":
        tiles = (_days_tile(), *tiles)
    return Dashboard(
        name,
        title,
        f"Users by local date of their first session, and the share of them active {unit} later.",
        BEHAVIOR_MODEL,
        tiles,
        (
            Filter(
                DATE_FILTER,
                explore,
                f"{explore}.{cohort}",
                "28 days" if grain == "daily" else "12 weeks",
            ),
        ),
    )


def retention_dashboards() -> tuple[Dashboard, ...]:
    return (
        _dashboard("28_day_retention", "28-Day Retention", "daily", False, 0),
        _dashboard("daily_retention_chart", "Daily Retention Chart", "daily", False, 1),
        _dashboard("daily_retention_graph", "Daily Retention Graph", "daily", True, 1),
        _dashboard("weekly_retention_chart", "Weekly Retention Chart", "weekly", False, 0),
        _dashboard("weekly_retention_graph", "Weekly Retention Graph", "weekly", True, 1),
    )
