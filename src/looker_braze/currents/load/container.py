"""Avro object container files: which codec compressed a file, and the same file uncompressed.

polars' native Avro reader (the fast path) knows only the null, deflate and snappy codecs, while
the Avro spec also allows bzip2, xz and zstandard. Rather than decode those files record by
record with fastavro (about ten times slower), ``uncompressed`` rewrites the container with codec
null, block by block, and polars reads that. Hand-written because no library exposes "decompress
the blocks, keep the encoding": the container layout is small and fixed by the Avro spec
(https://avro.apache.org/docs/current/specification/#object-container-files):

    "Obj\\x01" | metadata: map<bytes> (avro.schema, avro.codec) | 16-byte sync marker
    then blocks: object count (long) | byte size (long) | the objects, compressed | sync marker

Longs are zig-zag varints. Snappy blocks end with a 4-byte CRC32 of the uncompressed data.
Decompression: deflate, bzip2 and xz from the standard library; snappy and zstandard from
``cramjam`` (the ``[currents]`` extra), which fastavro also uses for snappy.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from binascii import crc32
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAGIC = b"Obj\x01"
SYNC_SIZE = 16
CODECS = ("null", "deflate", "bzip2", "xz", "snappy", "zstandard")  # the Avro spec's list
CODEC_KEY = "avro.codec"


class MissingCodecLibrary(Exception):
    """The file's codec is valid Avro but the library that decompresses it is not installed."""


class BadContainer(Exception):
    """The bytes are not a well-formed Avro container (truncated, corrupt, unknown codec)."""


@dataclass(frozen=True)
class Header:
    metadata: dict[str, bytes]
    sync: bytes
    end: int  # offset of the first block

    @property
    def codec(self) -> str:
        return self.metadata.get(CODEC_KEY, b"null").decode("utf-8", "replace") or "null"


def read_header(data: bytes) -> Header:
    if data[:4] != MAGIC:
        raise BadContainer("no Avro magic bytes")
    cursor = _Cursor(data, 4)
    metadata: dict[str, bytes] = {}
    while count := cursor.long():
        if count < 0:  # a negative count is followed by the block's byte size
            count = -count
            cursor.long()
        for _ in range(count):
            key = cursor.bytes().decode("utf-8", "replace")
            metadata[key] = cursor.bytes()
    sync = cursor.take(SYNC_SIZE)
    return Header(metadata, sync, cursor.offset)


def uncompressed(data: bytes, header: Header) -> bytes:
    """The same container with every block decompressed and the codec set to null."""
    if header.codec == "null":
        return data
    decompress = _decompressor(header.codec)
    metadata = {**header.metadata, CODEC_KEY: b"null"}
    out = bytearray(MAGIC)
    out += _long(len(metadata))
    for key, value in metadata.items():
        out += _bytes(key.encode()) + _bytes(value)
    out += _long(0) + header.sync
    for count, block in _blocks(data, header):
        try:
            plain = decompress(block)
        except BadContainer:
            raise
        except Exception as exc:  # zlib.error, LZMAError, OSError, cramjam's DecompressionError
            raise BadContainer(f"a {header.codec} block does not decompress: {exc}") from None
        out += _long(count) + _long(len(plain)) + plain + header.sync
    return bytes(out)


def _blocks(data: bytes, header: Header) -> Iterator[tuple[int, bytes]]:
    cursor = _Cursor(data, header.end)
    while cursor.offset < len(data):
        count = cursor.long()
        block = cursor.take(cursor.long())
        if cursor.take(SYNC_SIZE) != header.sync:
            raise BadContainer(f"a block at byte {cursor.offset - SYNC_SIZE} lacks the sync marker")
        yield count, block


def _decompressor(codec: str) -> Callable[[bytes], bytes]:
    if codec == "deflate":
        return lambda block: zlib.decompress(block, -15)  # raw deflate, no zlib header
    if codec == "bzip2":
        return bz2.decompress
    if codec == "xz":
        return lzma.decompress
    if codec in ("snappy", "zstandard"):
        return _cramjam(codec)
    raise BadContainer(f"unknown Avro codec {codec!r} (Avro allows {', '.join(CODECS)})")


def _cramjam(codec: str) -> Callable[[bytes], bytes]:
    try:
        import cramjam
    except ImportError:
        raise MissingCodecLibrary(
            f"the file is compressed with the {codec} codec, which needs the Python package "
            "cramjam: pip install 'looker-braze[currents]'"
        ) from None
    if codec == "zstandard":
        return lambda block: bytes(cramjam.zstd.decompress(block))
    return lambda block: _snappy(cramjam, block)


def _snappy(cramjam, block: bytes) -> bytes:
    plain = bytes(cramjam.snappy.decompress_raw(block[:-4]))
    if crc32(plain) != int.from_bytes(block[-4:], "big"):
        raise BadContainer("a snappy block fails its CRC check")
    return plain


class _Cursor:
    """Reads Avro's binary primitives from ``data``; running past the end is a BadContainer."""

    def __init__(self, data: bytes, offset: int) -> None:
        self.data, self.offset = data, offset

    def take(self, size: int) -> bytes:
        if size < 0 or self.offset + size > len(self.data):
            raise BadContainer("the file ends in the middle of a block (truncated?)")
        chunk = self.data[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def long(self) -> int:
        shift = value = 0
        while True:
            if self.offset >= len(self.data) or shift > 63:
                raise BadContainer("the file ends in the middle of a number (truncated?)")
            byte = self.data[self.offset]
            self.offset += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)
            shift += 7

    def bytes(self) -> bytes:
        return self.take(self.long())


def _long(value: int) -> bytes:
    zigzag = (value << 1) ^ (value >> 63)
    out = bytearray()
    while zigzag > 0x7F:
        out.append((zigzag & 0x7F) | 0x80)
        zigzag >>= 7
    out.append(zigzag)
    return bytes(out)


def _bytes(value: bytes) -> bytes:
    return _long(len(value)) + value
