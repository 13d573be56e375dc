"""The retention section: daily and weekly curves and cohort heatmaps."""

from __future__ import annotations

from typing import Any

from looker_braze.currents.report import charts
from looker_braze.currents.report.page import Heatmap, Section, fmt


def _heatmap(rows: list[dict], cohort: str, offset: str, title: str, label: str) -> Heatmap:
    grid: dict[Any, tuple[int, dict[int, float]]] = {}
    for row in rows:
        _users, rates = grid.setdefault(row[cohort], (row["cohort_users"], {}))
        rates[row[offset]] = row["retention_rate"]
    offsets = sorted({row[offset] for row in rows})
    ordered = sorted(grid.items(), key=lambda item: item[0], reverse=True)
    return Heatmap(
        title,
        label,
        offsets,
        [(fmt(key, "date"), users, rates) for key, (users, rates) in ordered],
        "Blank cells have not happened yet in the data.",
    )


def retention(records: dict[str, list[dict]]) -> Section:
    daily = records["retention_daily_cohorts"]
    curve = records["retention_daily_curve"]
    weekly = records["retention_weekly_cohorts"]
    weekly_curve = records["retention_weekly_curve"]

    def cohorts(rows, cohort, offset):
        lines: dict[str, tuple[list[int], list[float]]] = {}
        for row in rows:
            xs, ys = lines.setdefault(fmt(row[cohort], "date"), ([], []))
            xs.append(row[offset])
            ys.append(row["retention_rate"])
        return lines

    def pick(day: int) -> str:
        return next(
            (fmt(r["retention_rate"], "pct") for r in curve if r["days_since_first"] == day), "–"
        )

    return Section(
        "retention",
        "Retention",
        "Users by local date of their first session, and the share active N days (weeks) later.",
        kpis=[("Day 1", pick(1)), ("Day 7", pick(7)), ("Day 14", pick(14)), ("Day 28", pick(28))],
        charts=[
            (
                "Daily retention curves",
                charts.retention_curves(
                    "retention_daily_curves",
                    cohorts(daily, "cohort_date", "days_since_first"),
                    ([r["days_since_first"] for r in curve], [r["retention_rate"] for r in curve]),
                    "days",
                ),
            ),
            (
                "Weekly retention curves",
                charts.retention_curves(
                    "retention_weekly_curves",
                    cohorts(weekly, "cohort_week", "weeks_since_first"),
                    (
                        [r["weeks_since_first"] for r in weekly_curve],
                        [r["retention_rate"] for r in weekly_curve],
                    ),
                    "weeks",
                ),
            ),
        ],
        heatmaps=[
            _heatmap(
                daily,
                "cohort_date",
                "days_since_first",
                "28-day retention by cohort",
                "First session",
            ),
            _heatmap(
                weekly, "cohort_week", "weeks_since_first", "Weekly retention by cohort", "Week of"
            ),
        ],
    )
