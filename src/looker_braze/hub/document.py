"""What a json_detail document tells besides its rows, as actions see it: its fields (``Fields``),
its notes (``Document``), and the ``RowStream`` they read rows from. The only code that knows
json_detail's ``fields`` keys.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from looker_braze.errors import FailRun
from looker_braze.hub.cells import Values


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str | None
    tags: tuple[str, ...]
    is_numeric: bool
    category: str  # dimension | measure | table_calculation


@dataclass(frozen=True)
class Fields:
    fields: tuple[Field, ...]
    pivots: tuple[Any, ...] = ()

    @property
    def is_pivoted(self) -> bool:
        return bool(self.pivots)


@dataclass(frozen=True)
class Document:
    """What the document says about its rows besides them, when it says it before them."""

    time_zone: str | None = None  # json_detail's "timezone": the zone of its date-times
    sql_limit: int | None = None  # the LIMIT its "sql" ends with: where Looker may have cut

    @classmethod
    def of(cls, notes: dict[str, Any]) -> Document:
        zone, sql = notes.get("timezone"), notes.get("sql")
        match = _SQL_LIMIT.search(sql) if isinstance(sql, str) else None
        return cls(
            time_zone=zone.strip() or None if isinstance(zone, str) else None,
            sql_limit=int(match.group(1)) if match else None,
        )


_SQL_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*;?\s*$", re.IGNORECASE)


class RowStream(Protocol):
    fields: Fields
    document: Document

    def batches(self, select: Sequence[str]) -> AsyncIterator[list[Values | None]]:
        """The rows, block by block, as the values of ``select``'s fields (None: not a row)."""
        ...


def parse_fields(raw: Any) -> Fields:
    if not isinstance(raw, dict):
        raise FailRun("The Look's data has no usable 'fields' description.")
    fields = []
    for category, key in (
        ("dimension", "dimensions"),
        ("measure", "measures"),
        ("table_calculation", "table_calculations"),
    ):
        fields.extend(
            _field(category, item) for item in raw.get(key) or () if isinstance(item, dict)
        )
    return Fields(tuple(fields), tuple(raw.get("pivots") or ()))


def _field(category: str, item: dict[str, Any]) -> Field:
    tags = item.get("tags") or ()
    return Field(
        name=str(item.get("name", "")),
        label=str(item.get("label_short") or item.get("label") or item.get("name", "")),
        type=item.get("type"),
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, list) else (),
        is_numeric=bool(item.get("is_numeric")),
        category=category,
    )
