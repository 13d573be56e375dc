"""Compact, vectorised columns for generated events, turned into Python values one file at a time.

Millions of generated events would not fit in memory as Python strings, so a frame keeps
numbers only: strings as codes into a small table (``Coded``), event ids as 64-bit keys that a
mixing function turns into UUIDs (``Ids``), plain numpy arrays for numbers (NaN = null).
``values(column, rows)`` makes the Python list for the rows of one Avro file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Two ASCII hex digits per byte value, as one little-endian uint16 (so one lookup per byte).
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype="<u2")
# Where the 32 hex digits go in the 36-character UUID text (the rest are dashes).
_UUID_DIGITS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def mix64(keys: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection on uint64 that scatters consecutive keys."""
    z = keys.astype(np.uint64, copy=True)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def key_base(*parts: object) -> np.uint64:
    """A 64-bit starting key for one family of ids (seed, kind, ...), stable across runs."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "big") & 0xFFFF_FFFF_0000_0000)


def _hex(raw: np.ndarray) -> np.ndarray:
    """(n, k) bytes -> (n, 2k) ASCII hex digits."""
    return _HEX_PAIRS[raw].view(np.uint8)


def _random_bytes(keys: np.ndarray, words: int) -> np.ndarray:
    mixed = [
        mix64(keys ^ np.uint64(0x9E3779B97F4A7C15 * (w + 1) & (2**64 - 1))) for w in range(words)
    ]
    return np.stack(mixed, axis=1).view(np.uint8).reshape(len(keys), words * 8)


def uuid_strings(keys: np.ndarray) -> list[str]:
    """Version-4-shaped UUID strings, one per key, the same for the same key."""
    raw = _random_bytes(keys, 2)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = np.full((len(keys), 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_DIGITS] = _hex(raw)
    return _decode(text.view("S36").ravel())


def hex_strings(keys: np.ndarray, length: int = 24) -> list[str]:
    """Lower-case hex ids of ``length`` digits (Braze user ids are 24)."""
    digits = np.ascontiguousarray(_hex(_random_bytes(keys, 2))[:, :length])
    return _decode(digits.view(f"S{length}").ravel())


def _decode(texts: np.ndarray) -> list[str]:
    # Faster than numpy's astype(str) for short ASCII strings.
    return [text.decode() for text in texts.tolist()]


@dataclass
class Coded:
    """Strings as int codes into ``table``; code -1 is null."""

    codes: np.ndarray
    table: np.ndarray  # object array of str, with None appended so that code -1 maps to it

    @classmethod
    def of(cls, codes: np.ndarray, table: list | np.ndarray) -> Coded:
        # Filled element by element: a table of lists (array fields) stays one list per code.
        values = np.empty(len(table) + 1, dtype=object)
        values[: len(table)] = list(table) if not isinstance(table, np.ndarray) else table
        return cls(np.asarray(codes), values)

    def take(self, rows: np.ndarray) -> Coded:
        return Coded(self.codes[rows], self.table)


@dataclass
class Ids:
    """UUIDs derived from 64-bit keys: equal keys, equal ids (so re-deliveries keep their id)."""

    keys: np.ndarray

    def take(self, rows: np.ndarray) -> Ids:
        return Ids(self.keys[rows])


Column = Coded | Ids | np.ndarray


def take(column: Column, rows: np.ndarray) -> Column:
    return column[rows] if isinstance(column, np.ndarray) else column.take(rows)


def values(column: Column, rows: np.ndarray) -> list[Any]:
    """Python values of ``column`` at ``rows``, as fastavro wants them."""
    if isinstance(column, Coded):
        return column.table[column.codes[rows]].tolist()
    if isinstance(column, Ids):
        return uuid_strings(column.keys[rows])
    picked = column[rows]
    if picked.dtype.kind == "f" and np.isnan(picked).any():
        return [None if v != v else v for v in picked.tolist()]
    return picked.tolist()


def constant(text: str | None, n: int) -> Coded:
    return Coded.of(np.full(n, -1 if text is None else 0), [] if text is None else [text])


def choice(rng: np.random.Generator, table: list[str], n: int, null_share: float = 0.0) -> Coded:
    """Strings drawn uniformly from ``table``; a share of them null."""
    codes = rng.integers(0, len(table), n)
    if null_share:
        codes[rng.random(n) < null_share] = -1
    return Coded.of(codes, table)


@dataclass
class Frame:
    """Events of one type as columns; ``time`` is UTC epoch seconds."""

    event_type: str
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def time(self) -> np.ndarray:
        return self.columns["time"]

    def __len__(self) -> int:
        return len(self.columns["time"])
