"""Every dashboard (currents/dashboards, the one definition the report also draws) as LookML
dashboards (YAML), the blocks' defects fixed:

- pressure tiles ask only for fields they show (a block tile's table calculations referenced
  fields the tile did not query): rates are measures, not table calculations;
- the Daily Retention Chart listens to its date filter (the block's filter was not wired);
- retention rates come from the retention views (cohort size from first sessions, days not yet
  observed left out) instead of pivot_index table calculations over session counts.
"""

from __future__ import annotations

from looker_braze.currents.lookml.tiles import Layout, dashboard, field_filter, tile


def lookml_dashboard(board) -> dict:
    """One definition (currents.dashboards.Dashboard) as a LookML dashboard."""
    grid = Layout()
    elements = []
    for each in board.tiles:
        looker = each.looker
        extra = {
            "sorts": list(looker.sorts) or None,
            "pivots": list(looker.pivots) or None,
            "filters": dict(looker.filters) or None,
            "listen": dict(looker.listen) or None,
            "limit": looker.limit,
        }
        spot = grid.flow(looker.width, looker.height)
        elements.append(
            tile(
                each.title,
                board.lookml_model,
                looker.explore,
                looker.type,
                each.lookml_fields(),
                spot,
                **extra,
            )
        )
    filters = [
        field_filter(f.title, board.lookml_model, f.explore, f.field, f.default)
        for f in board.filters
    ]
    return dashboard(board.name, board.title, board.description, elements, filters)


def all_dashboards() -> dict[str, list[dict]]:
    """Dashboards by LookML model."""
    # imported here: the definitions name LookML views and models, so they import lookml
    from looker_braze.currents.dashboards import DASHBOARDS

    by_model: dict[str, list[dict]] = {}
    for board in DASHBOARDS:
        by_model.setdefault(board.lookml_model, []).append(lookml_dashboard(board))
    return by_model
