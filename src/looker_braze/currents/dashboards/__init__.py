"""Every dashboard, defined once: the HTML report (report/) and the LookML dashboards
(lookml/dashboards.py) are both produced from these definitions, so adding a tile is one edit
here (plus its model, if new).

    DASHBOARDS: (Dashboard(name, title, description, lookml_model, tiles, filters), ...)
    queries() -> [(key, model, fixed parameters)]   # every query the report runs, once each
"""

from __future__ import annotations

from looker_braze.currents.dashboards.messages import (
    email_funnel,
    email_performance,
    message_engagement,
    push_funnel,
)
from looker_braze.currents.dashboards.messaging import messaging_dashboards
from looker_braze.currents.dashboards.pressure import marketing_pressure
from looker_braze.currents.dashboards.retention import retention_dashboards
from looker_braze.currents.dashboards.spec import (
    Dashboard,
    Field,
    Filter,
    Looker,
    Tile,
    query_key,
)

DASHBOARDS: tuple[Dashboard, ...] = (
    email_funnel(),
    push_funnel(),
    email_performance(),
    message_engagement(),
    marketing_pressure("email"),
    marketing_pressure("push"),
    *retention_dashboards(),
    *messaging_dashboards(),
)


def queries() -> list[tuple[str, str, dict]]:
    """(key, model, fixed parameters) of every query the dashboards' tiles read, once each."""
    found: dict[str, tuple[str, str, dict]] = {}
    for board in DASHBOARDS:
        for tile in board.tiles:
            for model, params in ((tile.model, tile.params), *((m, {}) for m in tile.context)):
                key = query_key(model, params)
                found.setdefault(key, (key, model, dict(params)))
    return list(found.values())


__all__ = ["DASHBOARDS", "Dashboard", "Field", "Filter", "Looker", "Tile", "queries"]
