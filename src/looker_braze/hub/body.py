"""An execute's request body: in memory when small, spooled to a temporary file when large, and
parsed without ever holding a large inline attachment whole (see jsonspan.py).

The spool is an anonymous temporary file: closing it deletes it, and so does the process ending.
The hub closes it when the run that reads it ends, whatever the outcome. File work runs in a
worker thread, a megabyte at a time, so the event loop keeps answering ``/status``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Mapping
from typing import IO

from looker_braze.errors import RejectRequest
from looker_braze.hub.jsonspan import Span, SpanReader, find_span
from looker_braze.hub.protocol import ATTACHMENT_DATA, ActionRequest, parse_action_request

SPOOL_ABOVE = 4 * 1024 * 1024  # bodies up to this size are parsed in memory, as they always were
MAX_ENVELOPE = 16 * 1024 * 1024  # a spooled body's parts besides the attachment data
FLUSH_BYTES = 1024 * 1024  # spool writes are batched to this size, each in a worker thread


class SpooledData:
    """The inline attachment's data, left in the spooled body; readable any number of times
    (each reader reads with pread), until ``close`` deletes the spool."""

    def __init__(self, file: IO[bytes], span: Span) -> None:
        self._file = file
        self.span = span

    def reader(self, *, is_base64: bool) -> SpanReader:
        return SpanReader(self._file.fileno(), self.span, is_base64=is_base64)

    def close(self) -> None:
        self._file.close()


def too_large(limit: int) -> RejectRequest:
    return RejectRequest(
        f"The request body is larger than this hub accepts ({limit:,} bytes; "
        "LOOKER_BRAZE_MAX_REQUEST_BYTES). Use the download URL setting instead of inline data.",
        status=413,
    )


async def read_request(
    chunks: AsyncIterator[bytes],
    headers: Mapping[str, str],
    limit: int,
    spool_above: int = SPOOL_ABOVE,
    stall_seconds: float | None = None,
) -> ActionRequest:
    """Read and parse an execute or form body. A large body's attachment data stays on disk
    (``request.spooled_data``): the caller closes it with ``release`` when done. A body that
    stops arriving for ``stall_seconds`` is refused, so that it does not hold a run's place."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    spool = tempfile.SpooledTemporaryFile(max_size=spool_above, prefix="looker-braze-body-")  # noqa: SIM115
    try:
        size = await _spool(_stalling(chunks, stall_seconds), spool, limit)
        if size <= spool_above:
            spool.seek(0)
            body = spool.read()
            spool.close()
            return parse_action_request(body, headers)
        return await _parse_spooled(spool, size, headers)
    except BaseException:
        spool.close()
        raise


def release(request: ActionRequest) -> None:
    """Delete the request's spool, if it has one."""
    if request.spooled_data is not None:
        request.spooled_data.close()


async def drain(chunks: AsyncIterator[bytes], limit: int) -> None:
    """Read a body and keep none of it (so the client, done sending, reads the answer)."""
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return


async def _stalling(chunks: AsyncIterator[bytes], seconds: float | None) -> AsyncIterator[bytes]:
    iterator = aiter(chunks)
    while True:
        try:
            async with asyncio.timeout(seconds):
                chunk = await anext(iterator)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise RejectRequest(
                f"The request body stopped arriving (nothing for {seconds:g} s). Send again.",
                status=408,
            ) from None
        yield chunk


async def _spool(chunks: AsyncIterator[bytes], spool: IO[bytes], limit: int) -> int:
    size, pending, pending_size = 0, [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= FLUSH_BYTES:
            await asyncio.to_thread(spool.write, b"".join(pending))
            pending, pending_size = [], 0
    await asyncio.to_thread(spool.write, b"".join(pending))
    return size


async def _parse_spooled(spool: IO[bytes], size: int, headers: Mapping[str, str]) -> ActionRequest:
    fd = spool.fileno()  # also moves a SpooledTemporaryFile to disk, if it was not yet
    spool.flush()  # pread reads the file, not Python's buffer
    span = await asyncio.to_thread(find_span, fd, size, ATTACHMENT_DATA)
    if span is not None and span.kind == "scalar":
        span = None  # null, or a wrong type that validation below names
    envelope = await asyncio.to_thread(_envelope, spool, size, span)
    request = parse_action_request(envelope, headers)
    if span is None or request.attachment is None:
        spool.close()
        return request
    return request.with_spooled_data(SpooledData(spool, span))


def _envelope(spool: IO[bytes], size: int, span: Span | None) -> bytes:
    """The body with the attachment data replaced by null: small, parsed as before."""
    start, end = (span.start, span.end) if span is not None else (size, size)
    if size - (end - start) > MAX_ENVELOPE:
        raise RejectRequest(
            f"Besides the attachment's data, the request body is larger than this hub accepts "
            f"({MAX_ENVELOPE:,} bytes).",
            status=413,
        )
    spool.seek(0)
    head = spool.read(start)
    spool.seek(end)
    return head + (b"null" if span is not None else b"") + spool.read()
