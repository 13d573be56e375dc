"""What a dashboard is, once for both of its renderings: the HTML report (models run by
`looker-braze currents report`) and the LookML dashboard (explores queried by Looker).

A tile names the SQL model the report reads and the report's chart kind; its fields carry the
model's column for the report and the LookML fields that show the same figure in Looker; its
`Looker` part places it on Looker's 24-column grid. A field with no column is shown by Looker
only (the report leaves it out), a field with no LookML field by the report only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# How the report draws a tile (report/tiles.py has one renderer per kind).
CHART_KINDS = (
    "kpis",  # one row: each field a card
    "funnel",  # one row: each field a stage, bars as a share of the first stage
    "bars_and_rates",  # first field the category; counts as bars, rates (pct) as lines
    "rate_lines",  # first field the category; rates as lines
    "table",  # rows, the fields as columns
    "cadence_kpis",  # cards from the rows of a cadence-by-rank model
    "retention_days",  # cards: the pooled retention rate on a few days
    "heatmap",  # retention cohorts x offsets
    "curves",  # retention curves per cohort, and pooled
)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Field:
    label: str  # as the report's column, card or series is titled
    key: str = ""  # the model's column; "" = Looker only
    kind: str = "int"  # int, pct, num, text, date, week, weekday
    lookml: tuple[str, ...] = ()  # the LookML fields that show it; () = report only


@dataclass(frozen=True)
class Looker:
    """Where and how the tile sits in the LookML dashboard."""

    explore: str
    type: str  # Looker visualisation: looker_funnel, looker_grid, single_value, ...
    width: int  # of 24 columns; a row is full at 24
    height: int
    fields: tuple[str, ...] = ()  # queried before the tile's own fields (dimensions, pivots)
    sorts: tuple[str, ...] = ()
    filters: Mapping[str, str] = field(default_factory=dict)
    listen: Mapping[str, str] = field(default_factory=dict)
    pivots: tuple[str, ...] = ()
    limit: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", _frozen(self.filters))
        object.__setattr__(self, "listen", _frozen(self.listen))


@dataclass(frozen=True)
class Tile:
    title: str
    model: str  # the SQL model the report reads (models/catalog.py)
    chart: str  # one of CHART_KINDS
    fields: tuple[Field, ...]
    looker: Looker
    params: Mapping[str, Any] = field(default_factory=dict)  # fixed model parameters
    context: tuple[str, ...] = ()  # further models the report's rendering consults
    axis: str = ""  # the report's category axis label
    note: str = ""
    empty: str = "Nothing in the data for this."
    wide: bool = False  # a report table spanning the whole section
    order: str = ""  # the report sorts rows by this column, descending
    rows: int | None = None  # the report shows at most this many rows
    offsets: tuple[str, int, int] | None = None  # (column, first, last) the tile keeps
    picks: tuple[int, ...] = ()  # retention_days: the days whose rate is a card

    def __post_init__(self) -> None:
        if self.chart not in CHART_KINDS:
            raise ValueError(f"tile {self.title!r}: unknown chart kind {self.chart!r}")
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def query(self) -> str:
        """The key of the tile's query: the model, and its fixed parameters if any."""
        return query_key(self.model, self.params)

    def lookml_fields(self) -> list[str]:
        own = [name for f in self.fields for name in f.lookml]
        return list(dict.fromkeys([*self.looker.fields, *own]))


@dataclass(frozen=True)
class Filter:
    """A dashboard filter of the LookML dashboard (the report takes `--param` instead)."""

    title: str
    explore: str
    field: str
    default: str = ""


@dataclass(frozen=True)
class Dashboard:
    name: str  # LookML dashboard name; the report's section id
    title: str
    description: str
    lookml_model: str
    tiles: tuple[Tile, ...]
    filters: tuple[Filter, ...] = ()

    @property
    def section_id(self) -> str:
        return self.name.replace("_", "-")


def query_key(model: str, params: Mapping[str, Any]) -> str:
    fixed = ",".join(f"{k}={v}" for k, v in sorted(params.items()))
    return f"{model}:{fixed}" if fixed else model
