"""Bytes behind one async ``read(n)``, wherever they are: in memory, in a file, or recorded first
and then live. The json_detail parser reads through these (jsondetail.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Protocol


class ByteReader(Protocol):
    async def read(self, n: int = -1) -> bytes: ...


class BytesReader:
    """Bytes in memory behind the async read interface (an inline attachment, a recording)."""

    def __init__(self, data: bytes) -> None:
        # A view and an offset: slicing the rest off a bytes object at every read would copy it
        # every time (quadratic in its size).
        self._data = memoryview(data)
        self._pos = 0

    @property
    def left(self) -> int:
        return len(self._data) - self._pos

    async def read(self, n: int = -1) -> bytes:
        # At most n bytes: ijson's async parsers expect no more.
        end = len(self._data) if n < 0 else self._pos + n
        chunk = bytes(self._data[self._pos : end])
        self._pos += len(chunk)
        return chunk


class FileReader:
    """A file behind the async read interface (reads block: a local file or a spool)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    async def read(self, n: int = -1) -> bytes:
        return self._file.read(n)


class ReplayReader:
    """Replays recorded bytes, then continues with the live reader."""

    def __init__(self, recorded: Sequence[bytes], reader: ByteReader) -> None:
        self._recorded = BytesReader(b"".join(recorded))
        self._reader = reader

    async def read(self, n: int = -1) -> bytes:
        if self._recorded.left:
            return await self._recorded.read(n)
        return await self._reader.read(n)
