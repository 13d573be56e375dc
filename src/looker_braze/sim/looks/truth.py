"""The truth about a generated Look: what a correct hub must find in it.

Counted from the plan (never from rendered rows), so it costs one cheap pass and constant memory
even for millions of rows; the writer returns the same numbers plus the byte size it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from looker_braze.sim.looks.plan import PlanBlock, plan_blocks
from looker_braze.sim.looks.spec import LookSpec


@dataclass(frozen=True)
class LookTruth:
    rows: int
    valid_id_rows: int  # rows whose identifier is usable
    distinct_ids: int  # distinct usable identifiers
    known_ids: int  # distinct identifiers of users the Braze population holds
    unknown_ids: int  # distinct identifiers of users it does not hold
    unknown_id_rows: int  # rows naming an unknown user (duplicates included)
    duplicate_rows: int  # valid_id_rows - distinct_ids: rows repeating an identifier
    invalid_id_rows: int  # rows whose identifier is null, empty or blank
    invalid_attribute_values: int  # planted invalid standard-attribute values (valid-id rows only)
    invalid_attributes: dict[str, int] = field(default_factory=dict)  # the same, per attribute
    null_cells: int = 0  # null attribute cells
    bytes: int | None = None  # size of the document, when it was written

    @property
    def known_id_rows(self) -> int:
        return self.valid_id_rows - self.unknown_id_rows

    def with_bytes(self, size: int) -> LookTruth:
        return replace(self, bytes=size)


class TruthCounter:
    """Accumulates the truth block by block, alongside rendering or alone."""

    def __init__(self, spec: LookSpec) -> None:
        self.spec = spec
        self.unknown_rows = 0
        self.bad = np.zeros(len(spec.invalidable), dtype=np.int64)
        self.nulls = 0

    def add(self, block: PlanBlock) -> None:
        self.unknown_rows += int(block.unknown.sum())
        planted = block.bad_attribute[block.bad_attribute >= 0]
        self.bad += np.bincount(planted, minlength=len(self.bad))
        self.nulls += int(block.nulls.sum())

    def truth(self) -> LookTruth:
        q = self.spec.quotas
        per_attribute = {a: int(n) for a, n in zip(self.spec.invalidable, self.bad, strict=True)}
        return LookTruth(
            rows=q.rows,
            valid_id_rows=q.valid,
            distinct_ids=q.fresh,
            known_ids=q.known,
            unknown_ids=q.unknown,
            unknown_id_rows=self.unknown_rows,
            duplicate_rows=q.duplicates,
            invalid_id_rows=q.invalid_ids,
            invalid_attribute_values=q.bad_attributes,
            invalid_attributes=per_attribute,
            null_cells=self.nulls,
        )


def compute_truth(spec: LookSpec) -> LookTruth:
    """The truth of a Look without rendering it (fast, constant memory)."""
    counter = TruthCounter(spec)
    for block in plan_blocks(spec):
        counter.add(block)
    return counter.truth()
