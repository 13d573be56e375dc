"""Looker's caps on what it sends, played by the sender: a Look's document with fewer rows.

Looker often sends less than the whole result (looker-action-api.md, "Real-world behaviours"):
"Results in Table" stops at the Look's row limit, and the non-streaming json_detail format stops
at 5,000 rows. The sender cuts the document's ``data`` the same way, keeping every other member,
in one streaming pass (ijson events; rows are built one at a time), so a large Look never sits in
memory. Hand-written because no library rewrites one array of a streamed JSON document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import ijson
import orjson

from looker_braze.sim.looks.writer import rechunk

JSON_DETAIL_ROWS = 5_000  # json_detail's cap; json_detail_lite_stream has none
_PIECE_BYTES = 256 * 1024
_SCALARS = frozenset({"null", "boolean", "integer", "double", "number", "string"})


def row_cap(format: str, results: str, row_limit: int | None) -> int | None:
    """The most rows Looker sends for this format and choice of results (None: no cap)."""
    caps = [JSON_DETAIL_ROWS] if format == "json_detail" else []
    if results == "table" and row_limit is not None:
        caps.append(row_limit)
    return min(caps) if caps else None


def capped(opener: Callable[[], Iterator[bytes]], rows: int) -> Callable[[], Iterator[bytes]]:
    """An opener of the same document with at most ``rows`` rows in ``data``."""
    return lambda: _pieces(ChunkFile(opener()), rows)


def has_more_rows(opener: Callable[[], Iterator[bytes]], rows: int) -> bool:
    """Whether the document's ``data`` holds more than ``rows`` rows (False when the bytes are
    not such a document: the sender sends them as they are)."""
    try:
        for seen, _ in enumerate(ijson.items(ChunkFile(opener()), "data.item"), start=1):
            if seen > rows:
                return True
    except ijson.JSONError:
        return False
    return False


class ChunkFile:
    """Byte chunks behind the ``read`` ijson expects."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._pending = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


def _pieces(file: ChunkFile, rows: int) -> Iterator[bytes]:
    return rechunk(_rewrite(ijson.parse(file, use_float=True), rows), _PIECE_BYTES)


def _rewrite(events, rows: int) -> Iterator[bytes]:
    """The document again, member by member, with ``data`` cut after ``rows`` rows."""
    members = 0
    builder: ijson.ObjectBuilder | None = None
    key = ""
    kept = 0
    for prefix, event, value in events:
        if prefix == "" and event == "map_key":
            yield (b"," if members else b"{") + orjson.dumps(value) + b":"
            members, key = members + 1, value
        elif prefix == "" and event == "end_map":
            yield b"}" if members else b"{}"
        elif key == "data" and prefix == "data" and event in ("start_array", "end_array"):
            yield b"[" if event == "start_array" else b"]"
        elif prefix == "":
            continue  # the document's own start_map
        else:
            builder = builder or ijson.ObjectBuilder()
            builder.event(event, value)
            whole = prefix == (f"{key}.item" if key == "data" else key) and (
                event in _SCALARS or event in ("end_map", "end_array")
            )
            if whole:
                if key != "data":
                    yield orjson.dumps(builder.value)
                elif kept < rows:
                    yield (b"," if kept else b"") + orjson.dumps(builder.value)
                    kept += 1
                builder = None
