"""Which dbt layer each catalogue query lands in, and its dbt model name.

The catalogue may say it (a ``layer`` attribute on Query: "staging", "intermediate", "mart");
when it does not, the layer is read from the SQL: a catalogue model (a dashboard's query) is a
mart, a fragment that reads raw Currents tables is staging, any other fragment is intermediate.
Names follow dbt's usual prefixes (stg_, int_) plus the package's name, so the models of this
package never collide with a project's own when it is installed as a dbt package.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import sqlglot
from sqlglot import exp

from looker_braze.currents.models.catalog import FRAGMENTS, MODELS, Query
from looker_braze.currents.models.macros import SOURCE_DIALECT
from looker_braze.currents.tables import RAW_TABLES

PACKAGE = "braze_currents"
STAGING, INTERMEDIATE, MARTS = "staging", "intermediate", "marts"
_PREFIX = {STAGING: f"stg_{PACKAGE}__", INTERMEDIATE: f"int_{PACKAGE}__", MARTS: f"{PACKAGE}__"}


@dataclass(frozen=True)
class Node:
    """One catalogue query as a dbt model."""

    name: str  # catalogue name
    layer: str
    query: Query

    @property
    def model(self) -> str:
        bare = self.name.removeprefix("stg_").removeprefix("int_")
        return _PREFIX[self.layer] + bare


def nodes() -> dict[str, Node]:
    """Every fragment and model of the catalogue as a dbt node, by catalogue name."""
    every = {**FRAGMENTS, **MODELS}
    return {name: Node(name, layer_of(name, query), query) for name, query in every.items()}


def layer_of(name: str, query: Query) -> str:
    declared = str(getattr(query, "layer", "") or "").lower()
    if declared.startswith("stag"):
        return STAGING
    if declared.startswith("int"):
        return INTERMEDIATE
    if declared.startswith("mart") or name in MODELS:
        return MARTS
    return STAGING if raw_tables_read(name) else INTERMEDIATE


@cache
def raw_tables_read(name: str) -> frozenset[str]:
    """The raw Currents tables the SQL file of ``name`` reads itself (not through a fragment)."""
    stem = (MODELS.get(name) or FRAGMENTS[name]).sql
    text = resources.files("looker_braze.currents.models").joinpath(f"sql/{stem}.sql").read_text()
    tree = sqlglot.parse_one(text, read=SOURCE_DIALECT)
    clause = tree.args.get("with_")
    own = {cte.alias for cte in clause.expressions} if clause else set()
    return frozenset(
        t.name.upper()
        for t in tree.find_all(exp.Table)
        if t.name.upper() in RAW_TABLES and t.name not in own and not t.args.get("db")
    )
