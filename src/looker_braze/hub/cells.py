"""Rows as the values of the fields an action asks for.

json_detail wraps every cell in an object (``{"value": 42, "rendered": "$42", "links": [...]}``)
and sends every field of the Look; an action reads the values of a few of them. A ``Projection``
turns rows into tuples of those values, in the order asked, with None for a missing cell, a
null value or a cell without a value. A row that is not a JSON object becomes None, for the
action to reject.

Why msgspec: it decodes a block of rows straight into small structs holding only the asked-for
cells, skipping the rest of each row without building it (the wide bench Look: about 1 us a row,
where building every cell as dicts with orjson costs 2.3 us plus the time to free them), and
``attrgetter`` then reads the values out in C. Rows shaped otherwise (a bare value or null
instead of a cell object, a row that is not an object) fail msgspec's validation and take the
plain path: orjson, then a Python loop over the cells. So do all rows when a field's name holds
a character msgspec cannot match a key on (a quote, a backslash, a control character): Looker's
names never do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import msgspec
import orjson

_UNMATCHABLE = re.compile(r'["\\\x00-\x1f]')  # msgspec refuses these in a renamed field's key

Values = tuple[Any, ...]


class _Cell(msgspec.Struct, frozen=True, gc=False):
    value: Any = None


_NO_CELL = _Cell()


class Projection:
    """Reads rows as the values of ``select`` (field names, repeats allowed)."""

    def __init__(self, select: Sequence[str]) -> None:
        self.select = tuple(select)
        distinct = list(dict.fromkeys(self.select))
        slots = [f"f{i}" for i in range(len(distinct))]
        self._decoder = None
        if not any(_UNMATCHABLE.search(name) for name in distinct):
            row_type = msgspec.defstruct(
                "LookRow",
                [(slot, _Cell, _NO_CELL) for slot in slots],
                rename=dict(zip(slots, distinct, strict=True)),
                gc=False,  # rows hold no cycles: the collector need not track millions of them
            )
            self._decoder = msgspec.json.Decoder(list[row_type])
        self._values = _values_getter([f"{slots[distinct.index(n)]}.value" for n in self.select])

    def block(self, text: bytes) -> list[Values | None] | None:
        """The rows of a JSON array; None when ``text`` is not valid JSON."""
        if self._decoder is not None:
            try:
                return list(map(self._values, self._decoder.decode(text)))
            except msgspec.ValidationError:
                pass  # valid JSON, but some row or cell is not an object: the plain path reads it
            except msgspec.DecodeError:
                return None
        try:
            return self.rows(orjson.loads(text))
        except orjson.JSONDecodeError:
            return None

    def rows(self, rows: list[Any]) -> list[Values | None]:
        return [self.row(row) for row in rows]

    def row(self, row: Any) -> Values | None:
        """One row already parsed (ijson's path, tests)."""
        if type(row) is not dict:
            return None
        return tuple(cell_value(row.get(name)) for name in self.select)


def cell_value(cell: Any) -> Any:
    return cell.get("value") if type(cell) is dict else cell


def _values_getter(paths: list[str]) -> Callable[[Any], Values]:
    # attrgetter gives a tuple for two or more paths only.
    if not paths:
        return lambda _row: ()
    if len(paths) == 1:
        one = attrgetter(paths[0])
        return lambda row: (one(row),)
    return attrgetter(*paths)
