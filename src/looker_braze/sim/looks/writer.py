"""Stream a generated Look as json_detail bytes: to a file or as an iterator of large chunks.

Memory stays constant: one planned block of rows is rendered, serialised with orjson and handed
on at a time. The document is assembled member by member (each encoded by orjson) rather than by
one orjson.dumps of the whole dict, because the `data` array must be written incrementally.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from os import PathLike

import orjson

from looker_braze.sim.looks import fields as F
from looker_braze.sim.looks.plan import plan_blocks
from looker_braze.sim.looks.rows import RowRenderer
from looker_braze.sim.looks.spec import LookSpec
from looker_braze.sim.looks.truth import LookTruth, TruthCounter

CHUNK_BYTES = 1 << 20
_DATA = object()  # marks where the streamed rows go among the document's members


class LookStream:
    """Iterate for the document's byte chunks; ``truth`` is set once iteration has finished."""

    def __init__(self, spec: LookSpec, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.spec, self.chunk_bytes = spec, chunk_bytes
        self.truth: LookTruth | None = None

    def __iter__(self) -> Iterator[bytes]:
        counter, size = TruthCounter(self.spec), 0
        for chunk in rechunk(self._pieces(counter), self.chunk_bytes):
            size += len(chunk)
            yield chunk
        self.truth = counter.truth().with_bytes(size)

    def _pieces(self, counter: TruthCounter) -> Iterator[bytes]:
        for index, (key, value) in enumerate(_members(self.spec)):
            yield (b"{" if index == 0 else b",") + orjson.dumps(key) + b":"
            yield from self._rows(counter) if value is _DATA else (orjson.dumps(value),)
        yield b"}"

    def _rows(self, counter: TruthCounter) -> Iterator[bytes]:
        renderer, separator = RowRenderer(self.spec), b"["
        for block in plan_blocks(self.spec):
            counter.add(block)
            yield separator + renderer.rows_json(block)
            separator = b","
        yield b"[]" if separator == b"[" else b"]"


def look_chunks(spec: LookSpec, chunk_bytes: int = CHUNK_BYTES) -> LookStream:
    """The document as an iterable of byte chunks (for LookerSender.execute, for instance)."""
    return LookStream(spec, chunk_bytes)


def write_look(spec: LookSpec, path: str | PathLike) -> LookTruth:
    """Write the document to ``path``; returns its truth, with ``bytes`` set."""
    stream = LookStream(spec)
    with open(path, "wb") as out:
        for chunk in stream:
            out.write(chunk)
    assert stream.truth is not None
    return stream.truth


def look_bytes(spec: LookSpec) -> bytes:
    """The whole document in memory: for small Looks in tests."""
    return b"".join(LookStream(spec))


def rechunk(pieces: Iterator[bytes], chunk_bytes: int) -> Iterator[bytes]:
    """Small pieces joined into chunks of at least ``chunk_bytes`` (the last may be smaller)."""
    buffered, size = [], 0
    for piece in pieces:
        buffered.append(piece)
        size += len(piece)
        if size >= chunk_bytes:
            yield b"".join(buffered)
            buffered, size = [], 0
    if buffered:
        yield b"".join(buffered)


def _members(spec: LookSpec) -> list[tuple[str, object]]:
    fields = [("fields", F.fields_json(spec))]
    pivots = [("pivots", F.pivots_json())] if spec.pivoted else []
    data = [*pivots, ("data", _DATA)]
    if spec.lite:
        return [*fields, *data] if spec.fields_first else [*data, *fields]
    head, tail = _full_head(spec), _full_tail()
    middle = _full_middle(spec)
    body = [*fields, *middle, *data] if spec.fields_first else [*middle, *data]
    return [*head, *body, *tail] + ([] if spec.fields_first else fields)


def _full_head(spec: LookSpec) -> list[tuple[str, object]]:
    digest = hashlib.blake2b(repr(spec).encode(), digest_size=16).hexdigest()
    return [
        ("id", digest),
        ("status", "complete"),
        ("from_cache", False),
        ("result_source", "query"),
        ("supports_pivot_in_db", True),
        ("null_sort_treatment", "low"),
        ("expired", False),
        ("ran_at", "2024-05-01T12:00:00+00:00"),
        ("runtime", "0.512"),
        ("added_params", {"sorts": [f"{F.MEASURE_FIELD} desc"]}),
        ("sql", _sql(spec)),
    ]


def _full_middle(spec: LookSpec) -> list[tuple[str, object]]:
    return [
        ("fill_fields", []),
        ("has_totals", False),
        ("has_row_totals", False),
        ("applied_filters", {}),
        ("applied_filter_expression", None),
        ("explore", {"name": "users", "label": "Users", "description": None}),
        ("timezone", spec.timezone),
    ]


def _full_tail() -> list[tuple[str, object]]:
    return [("drill_menu_build_time", 0.42), ("has_subtotals", False)]


def _sql(spec: LookSpec) -> str:
    columns = ",\n\t".join(f"{f.name} AS `{f.name}`" for f in F.dimensions(spec))
    measure = f"COUNT(orders.id) AS `{F.MEASURE_FIELD}`"
    limit = "" if spec.sql_limit is None else f"\nLIMIT {spec.sql_limit}"
    return f"SELECT\n\t{columns},\n\t{measure}\nFROM users{limit}"
