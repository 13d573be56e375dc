"""Small Looks as Python data, so tests can compute the payloads a hub should send to Braze.

Materialises every row: for Looks of at most SMALL_ROWS rows. Big Looks are streamed (writer)
and checked against their counted truth instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from looker_braze.sim.looks import fields as F
from looker_braze.sim.looks.plan import DUPLICATE, FRESH, PlanBlock, plan_blocks
from looker_braze.sim.looks.rows import RowRenderer
from looker_braze.sim.looks.spec import LookSpec
from looker_braze.sim.looks.writer import look_bytes

SMALL_ROWS = 100_000
_KINDS = {FRESH: "fresh", DUPLICATE: "duplicate"}


@dataclass(frozen=True)
class LookRow:
    """One row of a generated Look with what the generator planted in it."""

    position: int
    kind: str  # "fresh" (first time this id appears), "duplicate" or "invalid_id"
    user: int | None  # population number of the user the id names; None for invalid ids
    unknown: bool  # the user is outside the Braze population
    bad_attribute: str | None  # the standard attribute holding a planted invalid value
    cells: dict  # the row exactly as in the document: field name -> cell

    @property
    def identifier(self):
        """The raw value of the identifier cell (may be None, "" or blank for invalid ids)."""
        return next(iter(self.cells.values()))["value"]

    def attributes(self) -> dict:
        """braze[<name>] attribute -> raw value (None for null cells), as the Look tags them."""
        return {
            attribute: self.cells[F.attribute_field(attribute).name]["value"]
            for attribute in self._spec_attributes()
        }

    def _spec_attributes(self) -> list[str]:
        names = {f.name: a for a, f in F.ATTRIBUTE_FIELDS.items()}
        return [names[name] for name in self.cells if name in names and name != self._id_name()]

    def _id_name(self) -> str:
        return next(iter(self.cells))


def look_rows(spec: LookSpec) -> list[LookRow]:
    """Every row of a small Look with its planted facts, identical to the document's rows."""
    if spec.rows > SMALL_ROWS:
        raise ValueError(f"look_rows is for Looks of at most {SMALL_ROWS} rows; stream bigger ones")
    renderer = RowRenderer(spec)
    return [row for block in plan_blocks(spec) for row in _block_rows(spec, renderer, block)]


def look_document(spec: LookSpec) -> dict:
    """The whole document parsed: for small Looks."""
    if spec.rows > SMALL_ROWS:
        raise ValueError(f"look_document is for Looks of at most {SMALL_ROWS} rows")
    return orjson.loads(look_bytes(spec))


def _block_rows(spec: LookSpec, renderer: RowRenderer, block: PlanBlock) -> list[LookRow]:
    rows = renderer.rows(block)
    bad = block.bad_attribute.tolist()
    return [
        LookRow(
            position=block.start + i,
            kind=_KINDS.get(int(block.category[i]), "invalid_id"),
            user=int(block.user[i]) if block.user[i] >= 0 else None,
            unknown=bool(block.unknown[i]),
            bad_attribute=spec.invalidable[bad[i]] if bad[i] >= 0 else None,
            cells=cells,
        )
        for i, cells in enumerate(rows)
    ]
