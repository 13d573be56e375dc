"""What a report page is made of: sections with KPIs, charts, tables and heatmaps, and how
values are written in them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from looker_braze.currents.report import charts


@dataclass(frozen=True)
class Column:
    label: str
    key: str
    kind: str = "int"  # int, pct, num, text, date


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""
    wide: bool = False  # spans the whole section instead of half of it
    empty: str = "Nothing in the data for this."


@dataclass
class Heatmap:
    title: str
    row_label: str
    offsets: list[int]
    rows: list[tuple[str, int, dict[int, float]]]  # (cohort, users, {offset: rate})
    note: str = ""
    empty: str = "No sessions in the data."


@dataclass
class Section:
    id: str
    title: str
    description: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    charts: list[tuple[str, charts.Chart]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    heatmaps: list[Heatmap] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)  # titles of the tiles drawn, in order


def fmt(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "num":
        return f"{value:,.1f}"
    if isinstance(value, dt.date):
        return value.strftime("%b %d") if kind == "week" else value.isoformat()
    if kind == "weekday":
        return str(value)[:3]
    return str(value)
