"""Where one value lies in a JSON document on disk, and its bytes read back decoded, in pieces.

An inline attachment can be 250 MB of JSON string inside the execute request. Parsing the request
whole builds that string, then its decoded copy (measured: four such executes peaked at 3.4 GB).
Instead the body stays on disk: ``find_span`` walks it once to find the byte range of one value
(``attachment.data``), everything else is parsed as a small document, and ``SpanReader`` hands the
value to the row parser a piece at a time, JSON-unescaped and base64-decoded on the fly.

Hand-written because no parser we have gives byte offsets: ijson (yajl) and orjson build every
string value whole, which is exactly the copy to avoid. The walk is kept small: it only tells
strings, containers and scalars apart and counts brackets; the JSON it does not check (everything
outside the span) is checked by orjson afterwards, and the span's content by the row parser.
Strings are skipped by one C-level regex each, so a 250 MB base64 string costs one pass.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

import orjson

from looker_braze.errors import FailRun, RejectRequest

WINDOW = 1024 * 1024  # bytes of the file the walk looks at, at a time
PIECE = 256 * 1024  # raw bytes a reader decodes at a time
MAX_KEY = 256  # longer keys cannot be one of the keys looked for: never read back

_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_WHITESPACE = re.compile(rb"[ \t\r\n]*")
_SCALAR = re.compile(rb"[^,:{}\[\]\" \t\r\n]*")
_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)  # the unrolled-loop form: linear
_STRUCTURE = re.compile(rb'["{}\[\]]')
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def _not_json(where: int) -> RejectRequest:
    return RejectRequest(f"The request body is not valid JSON (near byte {where:,}).")


@dataclass(frozen=True)
class Span:
    """A value's bytes in the file: [start, end)."""

    start: int
    end: int
    kind: str  # "string" | "container" | "scalar"


class _Walk:
    """A forward walk over a file through a window of WINDOW bytes."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size
        self.base, self.buf = 0, b""

    def load(self, pos: int) -> None:
        self.base, self.buf = pos, os.pread(self.fd, WINDOW, pos)

    def byte(self, pos: int) -> int:
        if not self.base <= pos < self.base + len(self.buf):
            if pos >= self.size:
                raise _not_json(pos)
            self.load(pos)
        return self.buf[pos - self.base]

    def run(self, pattern: re.Pattern, pos: int) -> int:
        """Past the run of ``pattern`` starting at pos, across windows."""
        while pos < self.size:
            self.byte(pos)
            end = pattern.match(self.buf, pos - self.base).end()
            pos = self.base + end
            if end < len(self.buf):
                break
        return pos

    def whitespace(self, pos: int) -> int:
        return self.run(_WHITESPACE, pos)

    def expect(self, pos: int, char: bytes) -> int:
        if self.byte(pos) != char[0]:
            raise _not_json(pos)
        return self.whitespace(pos + 1)

    def string(self, pos: int) -> int:
        """pos at an opening quote: the position after the closing one."""
        pos += 1
        while True:
            pos = self.run(_STRING_BODY, pos)
            if self.byte(pos) == _QUOTE:
                return pos + 1
            if pos + 1 >= self.size:
                raise _not_json(pos)
            # A backslash whose escaped byte is in the next window: look again from it.
            self.load(pos)

    def container(self, pos: int) -> int:
        """pos at ``{`` or ``[``: the position after the matching bracket."""
        depth = 0
        while True:
            self.byte(pos)
            found = _STRUCTURE.search(self.buf, pos - self.base)
            if found is None:
                pos = self.base + len(self.buf)
                continue
            pos = self.base + found.start()
            char = self.buf[found.start()]
            if char == _QUOTE:
                pos = self.string(pos)
                continue
            depth += 1 if char in b"{[" else -1
            pos += 1
            if depth == 0:
                return pos

    def value(self, pos: int) -> tuple[int, str]:
        char = self.byte(pos)
        if char == _QUOTE:
            return self.string(pos), "string"
        if char in b"{[":
            return self.container(pos), "container"
        end = self.run(_SCALAR, pos)
        if end == pos:
            raise _not_json(pos)
        return end, "scalar"

    def key(self, start: int, end: int) -> bytes | None:
        return os.pread(self.fd, end - start, start) if end - start <= MAX_KEY else None

    def find(self, pos: int, path: tuple[bytes, ...]) -> tuple[int, Span | None]:
        """pos at ``{``: the end of that object, and the span of the value at ``path`` in it
        (keys compared as written: an escaped key is not recognised). The last one wins, as
        in orjson."""
        found = None
        pos = self.expect(pos, b"{")
        if self.byte(pos) == ord("}"):
            return pos + 1, None
        while True:
            if self.byte(pos) != _QUOTE:
                raise _not_json(pos)
            end = self.string(pos)
            name = self.key(pos, end)
            pos = self.whitespace(end)
            pos = self.expect(pos, b":")
            wanted = name == b'"' + path[0] + b'"'
            if wanted and len(path) > 1 and self.byte(pos) == ord("{"):
                pos, inner = self.find(pos, path[1:])
                found = inner or found
            else:
                start = pos
                pos, kind = self.value(pos)
                if wanted and len(path) == 1:
                    found = Span(start, pos, kind)
            pos = self.whitespace(pos)
            if self.byte(pos) == ord("}"):
                return pos + 1, found
            pos = self.expect(pos, b",")


def find_span(fd: int, size: int, path: tuple[str, ...]) -> Span | None:
    """The span of the value at ``path`` (keys from the top-level object down), or None.
    Reads the file with pread: the caller's file position is left alone."""
    walk = _Walk(fd, size)
    start = walk.whitespace(0)
    if start >= size:
        return None  # blank: an empty request, as parse_action_request reads it
    if walk.byte(start) != ord("{"):
        raise RejectRequest("The request body must be a JSON object.")
    return walk.find(start, tuple(key.encode() for key in path))[1]


# ---------------------------------------------------------------- reading a span back


class SpanReader:
    """The bytes a span stands for, as a ByteReader (readers.py): a string's content unescaped
    (and base64-decoded when asked), a container's JSON text as it is."""

    def __init__(self, fd: int, span: Span, *, is_base64: bool) -> None:
        self._fd = fd
        string = span.kind == "string"
        # A string's content lies between its quotes.
        self._pos, self._end = (span.start + 1, span.end - 1) if string else (span.start, span.end)
        self._unescape = _Unescaper() if string else None
        self._base64 = _Base64() if string and is_base64 else None
        self._out, self._at = b"", 0

    async def read(self, n: int = -1) -> bytes:
        while self._at >= len(self._out) and self._pos < self._end:
            self._out, self._at = self._next_piece(), 0
        size = len(self._out) - self._at if n < 0 else n
        chunk = self._out[self._at : self._at + size]
        self._at += len(chunk)
        return chunk

    def _next_piece(self) -> bytes:
        raw = os.pread(self._fd, min(PIECE, self._end - self._pos), self._pos)
        if not raw:
            raise FailRun("The request's spooled body was cut short on disk. Send again.")
        self._pos += len(raw)
        final = self._pos >= self._end
        if self._unescape is not None:
            raw = self._unescape.feed(raw, final)
        if self._base64 is not None:
            raw = self._base64.feed(raw, final)
        return raw


class _Unescaper:
    """JSON string content to its UTF-8 bytes, piece by piece: each piece is cut where no escape
    is open and decoded by orjson (fast, and strict about what a JSON string may hold)."""

    def __init__(self) -> None:
        self._held = b""

    def feed(self, raw: bytes, final: bool) -> bytes:
        text = self._held + raw
        cut = len(text) if final else _char_boundary(text, _escape_boundary(text))
        self._held = text[cut:]
        piece = text[:cut]
        if b"\\" not in piece:
            return piece
        try:
            return orjson.loads(b'"' + piece + b'"').encode()
        except (orjson.JSONDecodeError, UnicodeEncodeError):
            raise FailRun(
                "The attachment from Looker is not a valid JSON string (a bad escape)."
            ) from None


def _escape_boundary(text: bytes) -> int:
    """The last place ``text`` can be cut without splitting an escape or a surrogate pair."""
    cut = len(text)
    last = text.rfind(b"\\", max(0, cut - 6))
    if last >= 0 and _opens_escape(text, last):
        complete = last + (6 if text[last + 1 : last + 2] == b"u" else 2)
        if complete > cut:
            cut = last
    # A high surrogate waits for its low half, which comes next.
    if cut >= 6 and _HIGH_SURROGATE.match(text, cut - 6) and _opens_escape(text, cut - 6):
        cut -= 6
    return cut


_HIGH_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _opens_escape(text: bytes, at: int) -> bool:
    """Whether the backslash at ``at`` starts an escape (rather than being an escaped one)."""
    first = at
    while first > 0 and text[first - 1] == _BACKSLASH:
        first -= 1
    return (at - first) % 2 == 0


def _char_boundary(text: bytes, cut: int) -> int:
    """``cut``, moved back to the start of a UTF-8 character it would split."""
    start = cut
    while start > max(0, cut - 3) and 0x80 <= text[start - 1] < 0xC0:
        start -= 1  # continuation bytes
    if start > 0 and text[start - 1] >= 0xC0:
        lead = text[start - 1]
        length = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
        if cut - (start - 1) < length:
            return start - 1
    return cut


class _Base64:
    """Base64 text to bytes, piece by piece (groups of 4 characters); line breaks are skipped,
    anything else outside the alphabet fails the run."""

    def __init__(self) -> None:
        self._rest = b""

    def feed(self, text: bytes, final: bool) -> bytes:
        text = self._rest + text.translate(None, b" \t\r\n")
        cut = len(text) if final else len(text) - len(text) % 4
        self._rest = text[cut:]
        if text.translate(None, _B64_ALPHABET):
            raise _not_base64()
        try:
            return base64.b64decode(text[:cut], validate=True)
        except (binascii.Error, ValueError):
            raise _not_base64() from None


def decode_base64(text: bytes) -> bytes:
    """A whole base64 text, by the same rules as a spooled one."""
    return _Base64().feed(text, final=True)


def _not_base64() -> FailRun:
    return FailRun("The attachment from Looker is marked base64 but is not valid base64.")
