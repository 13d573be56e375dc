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

Linear time whatever the shape (issue 9): the header is scanned as it arrives, each byte once
(HeaderScanner), instead of again from the start after every read; a row that grows past
MAX_PENDING without a safe cut is followed to its end byte by byte (ValueEnd, which skips a
string's body in one regex step) and parsed alone, in place, instead of being guessed at again
on every read; a row whose end is near (the layout, not the row, defeats the guesses) goes to
ijson as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

# What a value's scan skips at once: a string's body up to its closing quote (possessive, so
# the regex never backtracks nor keeps a stack, however long the string); outside strings, all
# but quotes and brackets; after a scalar, all but what may follow it.
STRING_BODY = re.compile(rb'(?:[^"\\]++|\\.)*+', re.DOTALL)
_STRUCTURAL = re.compile(rb'["{}\[\]]')
_SCALAR_END = re.compile(rb"[,}\] \t\r\n]")
_SPACE = re.compile(rb"[ \t\r\n]*")
_FIRST_BYTE = re.compile(rb"[ \t\r\n]*+(.)", re.DOTALL)  # possessive: never a space
_QUOTE, _BACKSLASH, _OPENERS = ord('"'), ord("\\"), (ord("{"), ord("["))

ROW_SEPARATOR = b"},{"
ARRAY_END = b"}]"
MAX_CANDIDATES = 8  # cuts tried per block before waiting for more bytes
# Bytes held without a safe cut before the splitter stops guessing and follows the current row
# byte by byte (ValueEnd) to its end: rows are a few KB, so a megabyte without a cut means a huge
# cell or an odd layout, and guessing again on every read would cost time quadratic in the row.
MAX_PENDING = 1024 * 1024
# The largest row read at all: a row is held whole while it is parsed, so this bounds memory.
MAX_ROW_BYTES = 96 * 1024 * 1024


class Incomplete(Exception):
    """More bytes are needed to go on."""


class NotFast(Exception):
    """The document is not shaped for the fast path (whitespace, odd layout): use ijson."""


class RowTooLarge(Exception):
    """A single row is larger than MAX_ROW_BYTES."""


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


class ValueEnd:
    """Finds where the JSON value starting at ``start`` ends in a buffer that keeps growing,
    looking at each byte once however many times it is asked (so a huge value costs linear time).

    Lenient on purpose: it follows strings and nesting only; the parser that reads the value
    later judges whether it is valid JSON. Hand-written because no streaming parser at hand says
    where a value ends without building it (ijson's C lexer also re-reads a token that spans reads
    from its start, which is quadratic in the token's length).
    """

    def __init__(self, start: int) -> None:
        self.start = start
        self._pos = start
        self._depth = 0
        self._in_string = False
        self._started = False

    def shift(self, offset: int) -> None:
        """The buffer got ``offset`` more bytes at its front."""
        self.start += offset
        self._pos += offset

    def end(self, buffer: bytes | bytearray) -> int | None:
        """The index just after the value, or None while the buffer does not hold all of it."""
        if not self._started:
            if self._pos >= len(buffer):
                return None
            self._start(buffer[self._pos])
        if self._depth == 0 and not self._in_string:
            return self._scalar_end(buffer)
        return self._nested_end(buffer)

    def _start(self, first: int) -> None:
        self._started = True
        if first == _QUOTE:
            self._in_string, self._pos = True, self._pos + 1
        elif first in _OPENERS:
            self._depth, self._pos = 1, self._pos + 1

    def _scalar_end(self, buffer: bytes | bytearray) -> int | None:
        match = _SCALAR_END.search(buffer, self._pos)
        if match is None:
            self._pos = len(buffer)
            return None
        return match.start()

    def _nested_end(self, buffer: bytes | bytearray) -> int | None:
        pos, depth, in_string = self._pos, self._depth, self._in_string
        size = len(buffer)
        while True:
            if in_string:
                pos = STRING_BODY.match(buffer, pos).end()
                if pos >= size or buffer[pos] == _BACKSLASH:
                    break  # the string goes on, or its last escape does, in bytes still to come
                in_string, pos = False, pos + 1  # its closing quote
                if depth == 0:
                    return pos  # the value was a string
                continue
            match = _STRUCTURAL.search(buffer, pos)
            if match is None:
                pos = size
                break
            char, pos = buffer[match.start()], match.end()
            if char == _QUOTE:
                in_string = True
            elif char in _OPENERS:
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return pos
        self._pos, self._depth, self._in_string = pos, depth, in_string
        return None


class HeaderScanner:
    """Reads the top-level keys up to the start of ``data`` as bytes arrive, resuming where the
    last read stopped, so the whole scan is linear in the bytes before the rows."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._header = Header()
        self._pos = 0
        self._step = self._open
        self._key = b""
        self._value: ValueEnd | None = None

    def feed(self, chunk: bytes) -> Header | None:
        """The header once ``data`` (or the document's end) is reached; None: send more bytes.
        NotFast when the document is not an object of keys the scanner can follow."""
        self.buffer += chunk
        try:
            while (header := self._step()) is None:
                pass
        except Incomplete:
            return None
        return header

    def _space(self) -> int:
        self._pos = _SPACE.match(self.buffer, self._pos).end()
        return self._pos

    def _open(self) -> Header | None:
        self._pos = _expect(self.buffer, self._space(), b"{")
        self._step = self._member
        return None

    def _member(self) -> Header | None:
        if _byte(self.buffer, self._space()) == b"}":
            return self._header  # the document ended without data
        if _byte(self.buffer, self._pos) != b'"':
            raise NotFast("expected a key")
        self._key = bytes(self.buffer[self._pos : self._value_end()])
        self._step = self._colon
        return None

    def _colon(self) -> Header | None:
        self._pos = _expect(self.buffer, self._space(), b":")
        self._step = self._data_start if self._key == b'"data"' else self._member_value
        return None

    def _member_value(self) -> Header | None:
        start = self._space()
        end = self._value_end()
        try:
            if self._key == b'"fields"':
                self._header.fields = orjson.loads(self.buffer[start:end])
                self._header.fields_seen = True
            elif self._key in NOTED_KEYS:
                self._header.notes[orjson.loads(self._key)] = orjson.loads(self.buffer[start:end])
        except orjson.JSONDecodeError:
            raise NotFast("a top-level value is not valid JSON") from None  # ijson says where
        self._step = self._after_value
        return None

    def _after_value(self) -> Header | None:
        separator = _byte(self.buffer, self._space())
        if separator == b",":
            self._pos += 1
            self._step = self._member
        elif separator != b"}":
            raise NotFast("unexpected byte after a top-level value")
        else:
            self._step = self._member  # sees the "}"
        return None

    def _data_start(self) -> Header | None:
        self._pos = _expect(self.buffer, self._space(), b"[")
        self._header.data_offset = self._pos
        self._step = self._data_first
        return None

    def _data_first(self) -> Header | None:
        self._header.data_empty = _byte(self.buffer, self._space()) == b"]"
        return self._header

    def _value_end(self) -> int:
        """Where the value at the current position ends (Incomplete: not in the buffer yet)."""
        if self._value is None or self._value.start != self._pos:
            self._value = ValueEnd(self._pos)
        end = self._value.end(self.buffer)
        if end is None:
            raise Incomplete
        if end == self._pos:
            raise NotFast("expected a value")
        self._value, self._pos = None, end
        return end


def scan_header(buffer: bytes) -> Header:
    """Read top-level keys up to the start of ``data``; Incomplete if the buffer ends first."""
    header = HeaderScanner().feed(buffer)
    if header is None:
        raise Incomplete
    return header


def _byte(buffer: bytes | bytearray, pos: int) -> bytes:
    if pos >= len(buffer):
        raise Incomplete
    return buffer[pos : pos + 1]


def _expect(buffer: bytes | bytearray, pos: int, what: bytes) -> int:
    if _byte(buffer, pos) != what:
        raise NotFast(f"expected {what.decode()}")
    return pos + 1


# Parses a JSON array's text into its rows; None when the text is not valid JSON.
BlockParser = Callable[[bytes], "list | None"]


class RowSplitter:
    """Feed bytes that start at a row (just after ``[``); take parsed rows block by block.

    A row that grows past MAX_PENDING without a safe cut is followed to its end by ValueEnd
    (linear however long its cells) and parsed alone, in place; then guessing resumes."""

    def __init__(self, parse: BlockParser) -> None:
        self._parse = parse
        self._pending = bytearray()
        self._lead = 0  # 1 while following a large row: a "[" put before it, for parsing in place
        self._large: ValueEnd | None = None  # the large row being followed
        self._between = False  # a large row was read: "," or the array's "]" comes next
        self.finished = False  # the array's closing bracket was reached

    @property
    def pending(self) -> bytes:
        """Bytes not parsed yet, starting at a row start (for handing over to ijson)."""
        return bytes(self._pending[self._lead :])

    def feed(self, chunk: bytes) -> list:
        """Rows completed by this chunk (maybe none). NotFast when no safe cut can be found;
        RowTooLarge for a row over MAX_ROW_BYTES."""
        self._pending += chunk
        if self._large is not None:
            return self._follow_large()
        if self._between:
            return self._after_large()
        rows = self._cut(self._pending.rfind(ROW_SEPARATOR))
        end = self._array_end()
        if end is not None:
            rows += end
        elif len(self._pending) > MAX_PENDING:
            try:
                rows += self._start_large()
            except NotFast:
                if not rows:
                    raise
                # Keep the rows cut: the next feed meets the same bytes and hands over then.
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

    def _start_large(self) -> list:
        start = _SPACE.match(self._pending).end()
        large = ValueEnd(start)
        end = large.end(self._pending)
        if end is not None and end - start < MAX_PENDING // 2:
            # The first row is not large: the layout defeats the guesses (white space between
            # rows, or many "},{" inside rows); following each row byte by byte would be slower.
            raise NotFast("no safe cut in a large block")
        self._pending[0:0] = b"["  # once per large row: a copy of at most MAX_PENDING bytes
        self._lead, self._large = 1, large
        large.shift(1)
        return self._follow_large()

    def _follow_large(self) -> list:
        assert self._large is not None
        end = self._large.end(self._pending)
        if end is None or end >= len(self._pending):  # the byte after the row is needed too
            if len(self._pending) - self._lead > MAX_ROW_BYTES:
                raise RowTooLarge
            return []
        rows = self._parse_in_place(end)
        if rows is None:
            raise NotFast("a large row the block parser cannot read")
        del self._pending[:end]
        self._lead, self._large, self._between = 0, None, True
        return rows + self._after_large()

    def _parse_in_place(self, end: int) -> list | None:
        """Parse "[" + row + "]" without copying the row: the byte after it becomes "]" for the
        parse (the row may be as large as MAX_ROW_BYTES)."""
        after = self._pending[end]
        self._pending[end] = ord("]")
        try:
            with memoryview(self._pending) as whole, whole[: end + 1] as text:
                return self._parse(text)
        finally:
            self._pending[end] = after

    def _after_large(self) -> list:
        first = _FIRST_BYTE.match(self._pending)
        if first is None:
            return []
        if first.group(1) == b"]":
            self.finished = True
            del self._pending[:]
            return []
        if first.group(1) != b",":
            raise NotFast("unexpected byte after a row")
        del self._pending[: first.end()]
        self._between = False
        try:
            return self.feed(b"")
        except NotFast:
            # Keep the rows read: the next feed meets the same bytes and hands over then (or the
            # stream ends and the rest, which starts at a row, is handed over as it is).
            return []
