"""A fast path for json_detail: find where ``data`` starts, then cut the array into row blocks
that a C parser reads in one call each (cells.py's Projection).

Why hand-written: ijson, the streaming parser, builds rows one by one through Python (about 8 us
for a twelve-cell row, measured) while a block parser is several times faster; no library splits
a JSON array stream into parseable blocks. The splitter is only a shortcut: when
it cannot find a safe cut it hands the rest of the stream to ijson, so its worst case is ijson.

Why a cut is safe: a block always starts at a real row start. A candidate cut is a ``},{`` (or the
``}]`` that closes the array); the block up to it is accepted only if ``[`` + block + ``]`` parses.
JSON is read left to right without look-ahead, so if that text parses, every value in it ends
exactly where the same value ends in the whole document: a cut inside a string or inside a
nested array cannot parse, and is never taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

# A JSON string (with escapes) and the next structural character outside strings.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_STRUCTURAL = re.compile(rb'["{}\[\]]')
_SPACE = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,}\] \t\r\n]+")
_FIRST_BYTE = re.compile(rb"[ \t\r\n]*(.)", re.DOTALL)

ROW_SEPARATOR = b"},{"
ARRAY_END = b"}]"
MAX_CANDIDATES = 8  # cuts tried per block before waiting for more bytes
# Bytes held without a safe cut before the rest goes to ijson: rows are a few KB, so a megabyte
# without a cut means an odd layout (pretty-printed, huge cells), and retrying would cost more.
MAX_PENDING = 1024 * 1024


class Incomplete(Exception):
    """More bytes are needed to go on."""


class NotFast(Exception):
    """The document is not shaped for the fast path (whitespace, odd layout): use ijson."""


@dataclass
class Header:
    """What precedes the rows: the top-level keys seen, ``fields`` if it came first."""

    fields: object = None
    fields_seen: bool = False
    data_offset: int | None = None  # index just after the "[" that opens data
    data_empty: bool = False
    notes: dict = field(default_factory=dict)  # the small top-level values of NOTED_KEYS


# Top-level values worth keeping when they come before the rows (json_detail puts them there):
# the zone of the date-times, and the SQL, whose LIMIT tells where Looker may have cut the result.
NOTED_KEYS = frozenset({b'"timezone"', b'"sql"'})


def scan_header(buffer: bytes) -> Header:
    """Read top-level keys up to the start of ``data``; Incomplete if the buffer ends first."""
    header = Header()
    pos = _expect(buffer, _skip_space(buffer, 0), b"{")
    while True:
        pos = _skip_space(buffer, pos)
        if _byte(buffer, pos) == b"}":
            return header  # the document ended without data
        key, pos = _string(buffer, pos)
        pos = _expect(buffer, _skip_space(buffer, pos), b":")
        pos = _skip_space(buffer, pos)
        if key == b'"data"':
            return _data_start(buffer, pos, header)
        end = skip_value(buffer, pos)
        if key == b'"fields"':
            header.fields = orjson.loads(buffer[pos:end])
            header.fields_seen = True
        elif key in NOTED_KEYS:
            header.notes[orjson.loads(key)] = orjson.loads(buffer[pos:end])
        pos = _skip_space(buffer, end)
        if _byte(buffer, pos) == b",":
            pos += 1
        elif _byte(buffer, pos) != b"}":
            raise NotFast("unexpected byte after a top-level value")


def _data_start(buffer: bytes, pos: int, header: Header) -> Header:
    pos = _expect(buffer, pos, b"[")
    header.data_offset = pos
    header.data_empty = _byte(buffer, _skip_space(buffer, pos)) == b"]"
    return header


def skip_value(buffer: bytes, pos: int) -> int:
    """The index just after the JSON value starting at ``pos``."""
    first = _byte(buffer, pos)
    if first == b'"':
        return _string(buffer, pos)[1]
    if first not in (b"{", b"["):
        match = _SCALAR.match(buffer, pos)
        if not match or match.end() == len(buffer):
            raise Incomplete
        return match.end()
    depth = 0
    while True:
        match = _STRUCTURAL.search(buffer, pos)
        if match is None:
            raise Incomplete
        char = match.group()
        if char == b'"':
            pos = _string(buffer, match.start())[1]
            continue
        depth += 1 if char in (b"{", b"[") else -1
        pos = match.end()
        if depth == 0:
            return pos


def _string(buffer: bytes, pos: int) -> tuple[bytes, int]:
    if _byte(buffer, pos) != b'"':
        raise NotFast("expected a string")
    match = _STRING.match(buffer, pos)
    if match is None:
        raise Incomplete
    return match.group(), match.end()


def _skip_space(buffer: bytes, pos: int) -> int:
    return _SPACE.match(buffer, pos).end()


def _byte(buffer: bytes, pos: int) -> bytes:
    if pos >= len(buffer):
        raise Incomplete
    return buffer[pos : pos + 1]


def _expect(buffer: bytes, pos: int, what: bytes) -> int:
    if _byte(buffer, pos) != what:
        raise NotFast(f"expected {what.decode()}")
    return pos + 1


# Parses a JSON array's text into its rows; None when the text is not valid JSON.
BlockParser = Callable[[bytes], "list | None"]


class RowSplitter:
    """Feed bytes that start at a row (just after ``[``); take parsed rows block by block."""

    def __init__(self, parse: BlockParser) -> None:
        self._parse = parse
        self._pending = bytearray()
        self.finished = False  # the array's closing bracket was reached

    @property
    def pending(self) -> bytes:
        """Bytes not parsed yet, starting at a row start (for handing over to ijson)."""
        return bytes(self._pending)

    def feed(self, chunk: bytes) -> list:
        """Rows completed by this chunk (maybe none). NotFast when no safe cut can be found."""
        self._pending += chunk
        rows = self._cut(self._pending.rfind(ROW_SEPARATOR))
        end = self._array_end()
        if end is not None:
            rows += end
        elif len(self._pending) > MAX_PENDING:
            raise NotFast("no safe cut in a large block")
        return rows

    def _cut(self, candidate: int) -> list:
        for _ in range(MAX_CANDIDATES):
            if candidate < 0:
                return []
            rows = self._parse_block(candidate + 1)
            if rows is not None:
                del self._pending[: candidate + 2]  # keep the next row's "{"
                return rows
            candidate = self._pending.rfind(ROW_SEPARATOR, 0, candidate)
        return []

    def _array_end(self) -> list | None:
        first = _FIRST_BYTE.match(self._pending)  # the first byte that is not white space
        if first is None or first.group(1) != b"{":
            if first is not None and first.group(1) == b"]":
                self.finished = True
                return []
            return None
        candidate = self._pending.find(ARRAY_END)
        for _ in range(MAX_CANDIDATES):
            if candidate < 0:
                return None
            rows = self._parse_block(candidate + 1)
            if rows is not None:
                self.finished = True
                del self._pending[:]
                return rows
            candidate = self._pending.find(ARRAY_END, candidate + 1)
        return None

    def _parse_block(self, end: int) -> list | None:
        return self._parse(b"[" + self._pending[:end] + b"]")
