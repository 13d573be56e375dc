"""Every dashboard, defined once: the HTML report (report/) and the LookML dashboards
(lookml/dashboards.py) are both produced from these definitions, so adding a tile is one edit
here (plus its model, if new).

    DASHBOARDS: (Dashboard(name, title, description, lookml_model, tiles, filters), ...)
    queries() -> [(key, model, fixed parameters)]   # every query the report runs, once each
    dashboards_of(model) -> (dashboard title, ...)  # the dashboards whose tiles read a model
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from looker_braze.currents.dashboards.audiences import audience_response
from looker_braze.currents.dashboards.messages import (
    email_funnel,
    email_performance,
    message_engagement,
    push_funnel,
)
from looker_braze.currents.dashboards.messaging import messaging_dashboards
from looker_braze.currents.dashboards.outcomes import (
    canvas_journeys,
    conversions_and_lift,
    subscriptions,
)
from looker_braze.currents.dashboards.overview import cross_channel_overview
from looker_braze.currents.dashboards.pressure import marketing_pressure
from looker_braze.currents.dashboards.retention import retention_dashboards
from looker_braze.currents.dashboards.sessions import app_sessions
from looker_braze.currents.dashboards.spec import (
    Dashboard,
    Field,
    Filter,
    Looker,
    Tile,
    query_key,
)
from looker_braze.currents.dashboards.surfaces import (
    content_cards_and_banners,
    feature_flags_and_live_activities,
    in_app_messages,
    webhooks,
)

DASHBOARDS: tuple[Dashboard, ...] = (
    email_funnel(),
    push_funnel(),
    email_performance(),
    message_engagement(),
    marketing_pressure("email"),
    marketing_pressure("push"),
    *retention_dashboards(),
    app_sessions(),
    *messaging_dashboards(),
    canvas_journeys(),
    conversions_and_lift(),
    subscriptions(),
    in_app_messages(),
    content_cards_and_banners(),
    webhooks(),
    feature_flags_and_live_activities(),
    cross_channel_overview(),
    audience_response(),
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


def _readers() -> Mapping[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for board in DASHBOARDS:
        for tile in board.tiles:
            for model in (tile.model, *tile.context):
                titles = found.setdefault(model, [])
                if board.title not in titles:
                    titles.append(board.title)
    return MappingProxyType({model: tuple(titles) for model, titles in found.items()})


# The one place that says which dashboard shows which catalogue model (the catalogue does not
# keep a copy): --list, the dbt package's model metadata and the tests read it.
_READERS = _readers()


def dashboards_of(model: str) -> tuple[str, ...]:
    """Titles of the dashboards (in DASHBOARDS order) whose tiles read catalogue ``model``,
    as the tile's model or as a model its rendering consults; () when none does."""
    return _READERS.get(model, ())


__all__ = [
    "DASHBOARDS",
    "Dashboard",
    "Field",
    "Filter",
    "Looker",
    "Tile",
    "dashboards_of",
    "queries",
]
