"""The sections of the report, one per dashboard definition (currents/dashboards), each tile
drawn by the renderer of its chart kind (report/tiles.py)."""

from __future__ import annotations

from collections.abc import Mapping

from looker_braze.currents.dashboards import DASHBOARDS, Dashboard
from looker_braze.currents.models import ModelResult
from looker_braze.currents.report.page import Section
from looker_braze.currents.report.tiles import render_tile


def build_sections(
    results: Mapping[str, ModelResult], dashboards: tuple[Dashboard, ...] = DASHBOARDS
) -> list[Section]:
    records = {key: result.records() for key, result in results.items()}
    sections = []
    for board in dashboards:
        section = Section(board.section_id, board.title, board.description)
        for tile in board.tiles:
            render_tile(tile, records, section, board.name)
        sections.append(section)
    return sections
