"""Renders the dashboards from a warehouse into one self-contained HTML file (inline CSS and
SVG charts, no network), optionally writing every chart as a PNG too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from looker_braze.currents.report.page import fmt
from looker_braze.currents.report.queries import run_queries
from looker_braze.currents.report.sections import build_sections
from looker_braze.currents.warehouse import Warehouse

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("looker_braze.currents.report", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_LOW, _HIGH = (255, 255, 255), (91, 63, 217)  # heatmap: white -> the report's purple


@dataclass(frozen=True)
class ReportResult:
    html: Path
    pngs: list[Path]
    queries: int


def heat_style(rate: float) -> str:
    # Retention rarely tops 50% after day 0: stretch 0-60% over the scale so cohorts differ.
    t = max(0.0, min(1.0, rate / 0.6))
    r, g, b = (round(lo + (hi - lo) * t) for lo, hi in zip(_LOW, _HIGH, strict=True))
    ink = "#fff" if t > 0.55 else "#1f2430"
    return f"background:rgb({r},{g},{b});color:{ink}"


def render_report(
    warehouse: Warehouse,
    out: str | Path,
    params: Mapping[str, Any] | None = None,
    png_dir: str | Path | None = None,
    source: str = "",
) -> ReportResult:
    results = run_queries(warehouse, params)
    sections = build_sections(results)
    html = Path(out)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(
        _ENV.get_template("report.html.j2").render(
            title="Braze Currents Report",
            subtitle=_subtitle(source, params),
            sections=sections,
            fmt=fmt,
            heat_style=heat_style,
        )
    )
    pngs = []
    if png_dir is not None:
        folder = Path(png_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for section in sections:
            for _, chart in section.charts:
                path = folder / f"{chart.name}.png"
                path.write_bytes(chart.png)
                pngs.append(path)
    return ReportResult(html, pngs, len(results))


def _subtitle(source: str, params: Mapping[str, Any] | None) -> str:
    chosen = ", ".join(f"{k} = {v}" for k, v in (params or {}).items() if v not in (None, ""))
    made = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"From {source}" if source else "", chosen or "all data, New York days", made]
    return " · ".join(p for p in parts if p)
