"""Braze attribute objects for a block of rows, built column by column.

Why by column: a send builds one object for every row, and done cell by cell that is a dozen
Python statements per cell. By column, most of the work moves into C: a column whose values are
already what Braze takes (text sent as text, numbers as numbers) is recognised by the set of its
value types and passed on whole; a column that needs converting converts each distinct text once
(memo); and a row without gaps becomes its object in one ``dict(zip())``. Only columns that hold
something unusual (a value left out, text over the length limit) and rows with gaps take
per-cell paths. RowMapper supplies the rules (which attribute, which converter); this module only
applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from looker_braze.braze.attributes import MAX_STRING
from looker_braze.errors import DropValue
from looker_braze.hub.cells import Values

if TYPE_CHECKING:
    from looker_braze.actions.braze.mapping import AttributeColumn, ValueNotes

# Distinct strings remembered per column, later ones just computed: enough for countries,
# tiers and dates; a column of unique values (emails, times) costs at most ~1 MB.
MEMO_LIMIT = 8_192
_UNSEEN = object()
_NONE = type(None)
_HASHABLE = frozenset({str, int, float, bool, _NONE})


@dataclass(frozen=True)
class Head:
    """What every object of a send starts with."""

    identity_key: str  # external_id, braze_id, email, phone or user_alias
    alias_label: str | None  # user_alias only
    update_existing_only: bool
    array_attribute: str
    label: str


class ObjectBuilder:
    def __init__(self, head: Head, columns: Sequence[AttributeColumn]) -> None:
        self._head = head
        self._add_label = {"add": [head.label]}  # shared: objects are encoded at once
        self._columns = tuple(_Column(c) for c in columns)
        self._keys = (
            head.identity_key,
            "_update_existing_only",
            head.array_attribute,
            *(c.attribute for c in columns),
        )
        self._billable = tuple(int(c.billable) for c in columns)
        self._full_points = 1 + sum(self._billable)  # one per array value added, then cells

    def build(
        self, rows: Sequence[Values], identifiers: Sequence[str], notes: ValueNotes
    ) -> list[tuple[dict[str, Any], int]]:
        """(object, data points) of each row; rows hold the columns' values in order (anything
        after them, such as the identifier's cell, is ignored)."""
        head = self._head
        if head.identity_key == "user_alias":
            identities: Sequence[Any] = [
                {"alias_name": i, "alias_label": head.alias_label} for i in identifiers
            ]
        else:
            identities = identifiers
        if not self._columns:
            return [(self._object(identity, ()), 1) for identity in identities]
        # Transposed lazily: zip(self._columns, ...) stops after the columns, so the cells after
        # them (the identifier's) are never gathered.
        cells = zip(*rows, strict=False)
        values, gaps = [], False
        for column, cells_of in zip(self._columns, cells, strict=False):
            column_values, column_gaps = column.values(cells_of, notes)
            values.append(column_values)
            gaps = gaps or column_gaps
        keys, flag, label = self._keys, head.update_existing_only, self._add_label
        full = self._full_points
        by_row = zip(identities, zip(*values, strict=True), strict=True)
        if not gaps:  # no null and nothing left out in the whole block: one call per object
            return [
                (dict(zip(keys, (i, flag, label, *row), strict=True)), full) for i, row in by_row
            ]
        built = []
        for identity, row in by_row:
            if None in row:  # a gap: null in Looker, or a value left out
                built.append(self._with_gaps(identity, row))
            else:
                built.append((dict(zip(keys, (identity, flag, label, *row), strict=True)), full))
        return built

    def _object(self, identity: Any, row: Sequence[Any]) -> dict[str, Any]:
        obj = {
            self._head.identity_key: identity,
            "_update_existing_only": self._head.update_existing_only,
            self._head.array_attribute: self._add_label,
        }
        for column, value in zip(self._columns, row, strict=True):
            if value is not None:
                obj[column.attribute] = value
        return obj

    def _with_gaps(self, identity: Any, row: Sequence[Any]) -> tuple[dict[str, Any], int]:
        points = 1 + sum(
            b for b, value in zip(self._billable, row, strict=True) if value is not None
        )
        return self._object(identity, row), points


class _Column:
    """One attribute's conversion, applied to a column of values."""

    def __init__(self, column: AttributeColumn) -> None:
        self.attribute = column.attribute
        self._ready = column.ready | {_NONE}
        self._prepare = column.prepare
        self._memo: dict[str, Any] = {}

    def values(self, cells: tuple[Any, ...], notes: ValueNotes) -> tuple[Sequence[Any], bool]:
        """The column as Braze takes it, None where nothing is sent (noted in ``notes``); and
        whether there is any such gap."""
        kinds = set(map(type, cells))
        if kinds <= self._ready:
            values: Sequence[Any] = cells
        else:
            values = self._converted(cells, kinds)
            kinds = set(map(type, values))
            if DropValue in kinds:
                values = self._without_drops(values, notes)
                kinds.discard(DropValue)
                kinds.add(_NONE)  # where they were
        if str in kinds and _longest(values, kinds) > MAX_STRING:
            values = self._truncated(values, notes)
        return values, _NONE in kinds

    def _converted(self, cells: tuple[Any, ...], kinds: set[type]) -> list[Any]:
        ready, convert = self._ready, self._convert
        if not kinds <= _HASHABLE:  # lists or objects in cells: no memo lookups on them
            return [value if type(value) in ready else convert(value) for value in cells]
        get, unseen = self._memo.get, _UNSEEN
        # Only text is remembered (1 == 1.0 == True would make numbers share an entry), so a
        # number never finds an entry and is converted.
        return [
            value
            if type(value) in ready
            else (known if (known := get(value, unseen)) is not unseen else convert(value))
            for value in cells
        ]

    def _convert(self, value: Any) -> Any:
        """The value to send, or the DropValue saying why not; remembered for text values."""
        try:
            result = self._prepare(value)
        except DropValue as exc:
            result = exc
        if type(value) is str and len(self._memo) < MEMO_LIMIT:
            self._memo[value] = result
        return result

    def _without_drops(self, values: list[Any], notes: ValueNotes) -> list[Any]:
        kept = []
        for value in values:
            if type(value) is DropValue:
                notes.dropped[(self.attribute, value.reason)] += 1
                value = None
            kept.append(value)
        return kept

    def _truncated(self, values: Sequence[Any], notes: ValueNotes) -> list[Any]:
        cut = []
        for value in values:
            if type(value) is str and len(value) > MAX_STRING:
                value = value[:MAX_STRING]
                notes.truncated[self.attribute] += 1
            cut.append(value)
        return cut


def _longest(values: Sequence[Any], kinds: set[type]) -> int:
    if kinds <= {str, _NONE}:
        return max(map(len, filter(None, values)), default=0)
    return max((len(value) for value in values if type(value) is str), default=0)
