"""One renderer per chart kind of the dashboard definitions (currents/dashboards): a tile and
the model results in, its cards, chart, table or heatmap added to the report section."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from looker_braze.currents.dashboards import Tile
from looker_braze.currents.report import charts
from looker_braze.currents.report.page import Column, Heatmap, Section, Table, fmt

Records = dict[str, list[dict]]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _keyed(tile: Tile) -> list:
    """The tile's fields the report shows (those with a model column)."""
    return [f for f in tile.fields if f.key]


def _rows(tile: Tile, records: Records) -> list[dict]:
    rows = records[tile.query]
    if tile.offsets:
        column, first, last = tile.offsets
        rows = [r for r in rows if first <= r[column] <= last]
    if tile.order:
        rows = sorted(rows, key=lambda r: r[tile.order], reverse=True)
    return rows[: tile.rows] if tile.rows is not None else rows


def kpis(tile: Tile, records: Records, section: Section, chart: str) -> None:
    [row] = records[tile.query] or [{}]
    section.kpis += [(f.label, fmt(row.get(f.key), f.kind)) for f in _keyed(tile)]


def funnel(tile: Tile, records: Records, section: Section, chart: str) -> None:
    [row] = records[tile.query] or [{}]
    stages = [(f.label, row.get(f.key)) for f in _keyed(tile)]
    # after delivery, the rate cards' base is the delivered stage: the bars say it too
    base = next((i for i, f in enumerate(_keyed(tile)) if f.key == "delivered"), None)
    section.charts.append((tile.title, charts.funnel(chart, stages, base)))


def _categories(tile: Tile, rows: list[dict]) -> tuple[list, list]:
    x, *series = _keyed(tile)
    labels = [fmt(r[x.key], x.kind) if x.kind in ("week", "weekday") else r[x.key] for r in rows]
    return labels, series


def bars_and_rates(tile: Tile, records: Records, section: Section, chart: str) -> None:
    rows = _rows(tile, records)
    labels, series = _categories(tile, rows)
    bars = {f.label: [r[f.key] for r in rows] for f in series if f.kind == "int"}
    rates = {f.label: [r[f.key] for r in rows] for f in series if f.kind == "pct"}
    drawn = charts.bars_and_rates(chart, labels, bars, rates, tile.axis)
    section.charts.append((tile.title, drawn))


def rate_lines(tile: Tile, records: Records, section: Section, chart: str) -> None:
    rows = _rows(tile, records)
    labels, series = _categories(tile, rows)
    lines = {f.label: [r[f.key] for r in rows] for f in series if f.kind == "pct"}
    section.charts.append((tile.title, charts.rate_lines(chart, labels, lines, tile.axis)))


def table(tile: Tile, records: Records, section: Section, chart: str) -> None:
    columns = [Column(f.label, f.key, f.kind) for f in _keyed(tile)]
    rows = _rows(tile, records)
    section.tables.append(Table(tile.title, columns, rows, tile.note, tile.wide, tile.empty))


def cadence_kpis(tile: Tile, records: Records, section: Section, chart: str) -> None:
    """Average gap over every delivery after a first (weighted by deliveries), and recipients
    (the deliveries ranked first: one per recipient)."""
    average_field, recipients_field = _keyed(tile)
    rank = records[tile.query]
    gaps = [r for r in rank if r[average_field.key] is not None]
    weight = sum(r["deliveries"] for r in gaps)
    average = sum(r[average_field.key] * r["deliveries"] for r in gaps) / weight if gaps else None
    recipients = rank[0][recipients_field.key] if rank else 0
    section.kpis += [
        (average_field.label, fmt(average, average_field.kind)),
        (recipients_field.label, fmt(recipients, recipients_field.kind)),
    ]


def retention_days(tile: Tile, records: Records, section: Section, chart: str) -> None:
    day, rate = _keyed(tile)
    by_day = {r[day.key]: r[rate.key] for r in records[tile.query]}
    section.kpis += [(f"Day {n}", fmt(by_day.get(n), rate.kind)) for n in tile.picks]


def _empty_message(tile: Tile, records: Records) -> str:
    """The tile's own message when the data has sessions (its context), else that it has none."""
    if tile.context and not any(records[model] for model in tile.context):
        return "No sessions in the data."
    return tile.empty


def heatmap(tile: Tile, records: Records, section: Section, chart: str) -> None:
    cohort, offset, rate = _keyed(tile)
    grid: dict[Any, tuple[int, dict[int, float]]] = {}
    rows = _rows(tile, records)
    for row in rows:
        _users, rates = grid.setdefault(row[cohort.key], (row["cohort_users"], {}))
        rates[row[offset.key]] = row[rate.key]
    ordered = sorted(grid.items(), key=lambda item: item[0], reverse=True)
    section.heatmaps.append(
        Heatmap(
            tile.title,
            cohort.label,
            sorted({row[offset.key] for row in rows}),
            [(fmt(key, "date"), users, rates) for key, (users, rates) in ordered],
            "Blank cells have not happened yet in the data.",
            _empty_message(tile, records),
        )
    )


def curves(tile: Tile, records: Records, section: Section, chart: str) -> None:
    """Each cohort's curve, and all cohorts pooled (the tile's first context model)."""
    cohort, offset, rate = _keyed(tile)
    lines: dict[str, tuple[list[int], list[float]]] = {}
    for row in _rows(tile, records):
        xs, ys = lines.setdefault(fmt(row[cohort.key], "date"), ([], []))
        xs.append(row[offset.key])
        ys.append(row[rate.key])
    _, first, last = tile.offsets or (None, float("-inf"), float("inf"))
    pooled = [r for r in records[tile.context[0]] if first <= r[offset.key] <= last]
    drawn = charts.retention_curves(
        chart,
        lines,
        ([r[offset.key] for r in pooled], [r[rate.key] for r in pooled]),
        tile.axis,
        _empty_message(tile, records),
    )
    section.charts.append((tile.title, drawn))


RENDERERS: dict[str, Callable[[Tile, Records, Section, str], None]] = {
    "kpis": kpis,
    "funnel": funnel,
    "bars_and_rates": bars_and_rates,
    "rate_lines": rate_lines,
    "table": table,
    "cadence_kpis": cadence_kpis,
    "retention_days": retention_days,
    "heatmap": heatmap,
    "curves": curves,
}


def render_tile(tile: Tile, records: Records, section: Section, board: str) -> None:
    RENDERERS[tile.chart](tile, records, section, f"{board}_{_slug(tile.title)}")
    section.tiles.append(tile.title)
