"""json_detail parsing: a document's bytes to its ``Fields``, its ``Document`` notes and batches of
rows, in memory that does not depend on the row count or on a row's width.

Fast path: a Looker-shaped document (fields first, compact rows) is cut into row blocks for
orjson (splitter.py). General path: ijson's C backend, fed by push (``_pushed``). Looker writes
``fields`` before ``data``, but the format does not promise it: when ``data`` comes first, the
document is spooled to a temporary file (disk, not memory) and read back once ``fields`` is
known. Every parser or transport failure becomes a message a Looker user can act on.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import aclosing, contextmanager
from typing import IO, Any

import aiohttp
import ijson

from looker_braze.errors import FailRun
from looker_braze.hub.cells import Projection, Values
from looker_braze.hub.document import Document, Fields, RowStream, parse_fields
from looker_braze.hub.readers import ByteReader, FileReader, ReplayReader
from looker_braze.hub.splitter import (
    MAX_ROW_BYTES,
    STRING_BODY,
    HeaderScanner,
    NotFast,
    RowSplitter,
    RowTooLarge,
)

READ_SIZE = 64 * 1024
# A batch of rows ends at whichever comes first: so many rows, or so many bytes of JSON text read
# for them, so that a batch of very wide rows (thousands of columns) takes no more memory than a
# batch of ordinary ones.
BATCH_ROWS = 1000
BATCH_BYTES = 1024 * 1024
# The most the hub reads before the rows (``fields`` and the other top-level keys): Looker's is a
# few KB a field, so this allows tens of thousands of fields and refuses an absurd description.
MAX_HEADER = 64 * 1024 * 1024


class _RecordingReader:
    """Keeps what it reads so a second parser can start over from the first byte; it reads the
    part before the rows only, so it refuses to hold more than MAX_HEADER."""

    def __init__(self, reader: ByteReader) -> None:
        self._reader = reader
        self.recorded: list[bytes] = []
        self._size = 0

    async def read(self, n: int = -1) -> bytes:
        chunk = await self._reader.read(n)
        self.recorded.append(chunk)
        self._size += len(chunk)
        if self._size > MAX_HEADER:
            raise _header_too_large()
        return chunk


async def _pushed(
    reader: ByteReader, parser: Callable[[list], Any], limit: int | None = None
) -> AsyncIterator[tuple[list, int]]:
    """What one of ijson's push parsers (``parser(target)``: items_coro, parse_coro) makes of
    the reader's bytes, a list at a time, with the number of bytes pushed for it.

    Why push rather than ijson's own async reading: its C lexer reads a token that spans two
    reads again from the token's start at every read, so a long string cost time quadratic in its
    length (a 32 MB cell 2 s, 1 GB hours). Here each push that completes nothing makes the next
    one twice as large, which bounds that re-reading to twice the token; and after a long token
    the first push stops where the token may end (a closing quote), so that the bytes after it
    go in small pushes again and no push makes a list of millions of rows or events. Any cut
    parses the same: the cuts only change the cost. RowTooLarge when more than ``limit`` bytes
    (by default MAX_ROW_BYTES) were pushed without completing anything.
    """
    limit = MAX_ROW_BYTES if limit is None else limit
    out = ijson.utils.sendable_list()
    coro = parser(out)
    held, step, pending, escaped = bytearray(), READ_SIZE, 0, 0
    while True:
        chunk = await reader.read(READ_SIZE)
        held += chunk
        if chunk and len(held) < step:
            continue
        pos, cut = 0, _token_end(held, escaped) if step > READ_SIZE else None
        while pos < len(held):
            end = cut or min(pos + step, len(held))
            with memoryview(held) as whole, whole[pos:end] as piece:
                coro.send(piece)
            pending, pos, produced = pending + end - pos, end, bool(out)
            if produced:
                yield list(out), pending
                del out[:]
                pending = 0
            # Small pushes again after output, or where the long token probably ended.
            step, cut = READ_SIZE if produced or cut else step * 2, None
            await asyncio.sleep(0)  # let the server answer between pushes (files never wait)
        escaped = _ends_in_escape(held)
        held.clear()
        if not chunk:
            break
        if pending > limit:
            raise RowTooLarge
    coro.close()  # ijson checks the document is complete
    if out:
        yield list(out), pending


def _token_end(held: bytearray, escaped: int) -> int | None:
    """Just after the first quote that may close the string ``held`` starts in (its first byte
    is escaped when ``escaped`` is 1); None when there is none."""
    end = STRING_BODY.match(held, escaped).end()
    return end + 1 if end < len(held) else None


def _ends_in_escape(held: bytearray) -> int:
    """1 if ``held`` ends with an odd run of backslashes (the next byte is escaped), else 0."""
    run = 0
    while run < len(held) and held[len(held) - 1 - run] == 0x5C:
        run += 1
    return run % 2


class _ParsedStream:
    def __init__(self, fields: Fields, reader: ByteReader, document: Document) -> None:
        self.fields = fields
        self.document = document
        self._reader = reader

    async def batches(self, select: Sequence[str]) -> AsyncIterator[list[Values | None]]:
        project = Projection(select).row
        batch: list[Values | None] = []
        size = 0
        with _reading_failures():
            async with aclosing(_pushed(self._reader, _row_parser)) as pushes:
                async for rows, pushed in pushes:
                    batch += map(project, rows)
                    size += pushed
                    if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                        yield batch
                        batch, size = [], 0
        if batch:
            yield batch


def _row_parser(target: list) -> Any:
    return ijson.items_coro(target, "data.item", use_float=True)


def _event_parser(target: list) -> Any:
    return ijson.parse_coro(target, use_float=True)


@contextmanager
def _reading_failures() -> Iterator[None]:
    """Turn parser and transport failures into messages a Looker user can act on.

    No message carries the parser's own text: it quotes the bytes it stopped at, and those may
    be anything a download URL answered (download.py)."""
    try:
        yield
    except ijson.IncompleteJSONError as exc:
        if "premature EOF" in str(exc) or "incomplete" in str(exc).lower():
            raise FailRun(
                "The data from Looker ended early (the download was cut off): "
                "rows after that point were not read. Send again from Looker."
            ) from None
        raise FailRun(NOT_JSON) from None
    except ijson.JSONError:
        raise FailRun(NOT_JSON) from None
    except TimeoutError:  # before ClientError: aiohttp's read timeout is both
        raise FailRun(
            "The download from Looker stalled (no data for too long): rows after that point "
            "were not read. Send again from Looker."
        ) from None
    except aiohttp.ClientError:
        raise FailRun(
            "The download from Looker was cut off before the end: rows after that point were "
            "not read. Send again from Looker."
        ) from None
    except RowTooLarge:
        raise FailRun(
            f"The data from Looker holds a row larger than {MAX_ROW_BYTES // 2**20} MB, more "
            "than the hub reads: remove the field with the huge values from the Look."
        ) from None


def _header_too_large() -> FailRun:
    return FailRun(
        f"The data from Looker has more than {MAX_HEADER // 2**20} MB before its rows (the "
        "'fields' description and other keys), more than the hub reads: is it json_detail "
        "from Looker?"
    )


NOT_JSON = (
    "The data from Looker is not valid JSON: rows from that point on were not read. Send again "
    "from Looker; if it keeps happening, check the action's format is JSON details."
)


async def open_stream(reader: ByteReader) -> RowStream:
    """Find ``fields``, then hand back a stream of row batches.

    Fast path: a Looker-shaped document (fields first, compact rows) is cut into row blocks for
    orjson (see splitter.py). Anything else takes the general path: ijson, spooling to disk when
    ``data`` comes before ``fields``.
    """
    scanner = HeaderScanner()  # resumes where each read stopped: linear in the header's size
    header = None
    while header is None:
        with _reading_failures():
            chunk = await reader.read(READ_SIZE)
        try:
            header = scanner.feed(chunk)
        except NotFast:
            break
        if not chunk:
            break
        if len(scanner.buffer) > MAX_HEADER:
            raise _header_too_large()
        await asyncio.sleep(0)  # a large header is many reads: let the server answer meanwhile
    if header is None or not header.fields_seen or header.data_offset is None:
        return await _general_stream(ReplayReader([bytes(scanner.buffer)], reader))
    document = Document.of(header.notes)
    first = bytes(scanner.buffer[header.data_offset :])
    return _FastStream(parse_fields(header.fields), first, reader, document)


async def _general_stream(reader: ByteReader) -> RowStream:
    recorder = _RecordingReader(reader)
    header = _Header()
    if await _fields_first(recorder, header):
        rest = ReplayReader(recorder.recorded, reader)
        return _ParsedStream(parse_fields(header.fields), rest, Document.of(header.notes))
    return await _spooled_stream(recorder.recorded, reader)


class _FastStream:
    def __init__(self, fields: Fields, first: bytes, reader: ByteReader, document: Document):
        self.fields = fields
        self.document = document
        self._first = first
        self._reader = reader

    async def batches(self, select: Sequence[str]) -> AsyncIterator[list[Values | None]]:
        splitter = RowSplitter(Projection(select).block)
        batch: list[Values | None] = []
        chunk, size = self._first, 0
        try:
            with _reading_failures():
                while chunk:
                    batch += splitter.feed(chunk)
                    size += len(chunk)
                    if (
                        len(batch) >= BATCH_ROWS
                        or (size >= BATCH_BYTES and batch)
                        or (splitter.finished and batch)
                    ):
                        yield batch
                        batch, size = [], 0
                        await asyncio.sleep(0)  # let the server answer between batches
                    if splitter.finished:
                        await _drain(self._reader)
                        return
                    chunk = await self._reader.read(READ_SIZE)
        except NotFast:
            pass
        if batch:
            yield batch
        # The general parser takes over at a row start; it also reports a truncated stream.
        rest = ReplayReader([b'{"data":[', splitter.pending], self._reader)
        async for later in _ParsedStream(self.fields, rest, self.document).batches(select):
            yield later


async def _drain(reader: ByteReader) -> None:
    """Read what follows the rows, so the download completes as Looker expects."""
    while await reader.read(READ_SIZE):
        pass


class _Header:
    """Follows a document's parse events for what the hub reads besides the rows: ``fields``,
    built whole (it is small), and the string values of the noted top-level keys."""

    def __init__(self) -> None:
        self.fields: Any = None
        self.notes: dict[str, Any] = {}
        self._builder: ijson.ObjectBuilder | None = None
        self._expecting_fields = False

    def event(self, prefix: str, event: str, value: Any) -> bool:
        """Take one event; True once ``fields`` is complete."""
        if self._builder is not None:
            self._builder.event(event, value)
            if prefix == "fields" and event == "end_map":
                self.fields = self._builder.value
                return True
        elif self._expecting_fields:
            if event != "start_map":
                raise FailRun("The Look's data has no usable 'fields' description.")
            self._builder = ijson.ObjectBuilder()
            self._builder.event(event, value)
        elif prefix in _NOTED and event == "string":
            self.notes[prefix] = value
        elif prefix == "" and event == "map_key":
            self._expecting_fields = value == "fields"
        return False


async def _fields_first(reader: ByteReader, header: _Header) -> bool:
    """Read top-level keys until ``fields`` (True) or ``data`` (False) shows up."""
    with _reading_failures():
        async with aclosing(_pushed(reader, _event_parser, MAX_HEADER)) as pushes:
            async for events, _ in pushes:
                for prefix, event, value in events:
                    if header.event(prefix, event, value):
                        return True
                    if prefix == "" and event == "map_key" and value == "data":
                        return False
                    if prefix == "" and event == "start_array":
                        raise FailRun(
                            "The data from Looker is a JSON list, not json_detail: "
                            "choose JSON details."
                        )
    raise FailRun("The data from Looker has neither 'fields' nor 'data': is it json_detail?")


_NOTED = frozenset({"timezone", "sql"})


async def _spooled_stream(recorded: list[bytes], reader: ByteReader) -> RowStream:
    # Closed by _SpooledStream when its rows are read (or below, on failure).
    spool = tempfile.TemporaryFile(prefix="looker-braze-rows-")  # noqa: SIM115
    try:
        for chunk in recorded:
            spool.write(chunk)
        with _reading_failures():
            async for chunk in _chunks(reader):
                spool.write(chunk)
        spool.seek(0)
        header = await _find_fields(FileReader(spool))
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return _SpooledStream(parse_fields(header.fields), spool, Document.of(header.notes))


async def _chunks(reader: ByteReader) -> AsyncIterator[bytes]:
    while chunk := await reader.read(READ_SIZE):
        yield chunk
        await asyncio.sleep(0)  # an inline body never waits: let the server answer meanwhile


async def _find_fields(reader: ByteReader) -> _Header:
    """``fields`` and the noted keys, wherever they are in the document (it is on disk): the
    rows are parsed past, never built."""
    header = _Header()
    with _reading_failures():
        async with aclosing(_pushed(reader, _event_parser)) as pushes:
            async for events, _ in pushes:
                for prefix, event, value in events:
                    if header.event(prefix, event, value):
                        return header
    raise FailRun("The Look's data has rows but no 'fields' description.")


class _SpooledStream(_ParsedStream):
    def __init__(self, fields: Fields, spool: IO[bytes], document: Document) -> None:
        super().__init__(fields, FileReader(spool), document)
        self._spool = spool

    async def batches(self, select: Sequence[str]) -> AsyncIterator[list[Values | None]]:
        try:
            async for batch in super().batches(select):
                yield batch
        finally:
            self._spool.close()
