"""Which identifiers a run has already seen: about 8 bytes an identifier in memory, then disk.

A Python set of a million strings costs ~100 MB, which breaks the hub's memory bound; no library
offers a compact exact set of strings, so this keeps 64-bit hashes in sorted numpy arrays merged
like an LSM tree (log n levels, each checked with one vectorised binary search per row batch).
Past ``memory_ids`` distinct identifiers (default 2 million, 16 MB) the hashes move to a
temporary SQLite table on disk, whose page cache is bounded: memory stays flat whatever the size
of the send, at the cost of a B-tree insert per new identifier.

Two different identifiers share a 64-bit hash with probability ~n^2/2^65 (3e-8 for a million):
the only way a distinct user could be taken for a duplicate.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Sequence

import numpy as np

_FLUSH_AT = 1 << 16
MEMORY_IDS = 2_000_000
_DISK_CACHE_KIB = 16 * 1024  # SQLite page cache of the spilled set


class SeenIds:
    def __init__(self, memory_ids: int = MEMORY_IDS) -> None:
        self._levels: list[np.ndarray] = []  # sorted, unique, sizes decreasing
        self._recent: set[int] = set()
        self._memory_ids = memory_ids
        self._disk: _DiskSet | None = None
        self.count = 0

    def add_many(self, keys: Sequence[str]) -> list[bool]:
        """For each key in order: True the first time it is seen (in this call or before)."""
        if not keys:
            return []
        hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
        if self._disk is not None:
            return self._disk.add_many(hashes)
        seen_before = self._in_levels(hashes)
        new = []
        recent = self._recent
        for value, old in zip(hashes.tolist(), seen_before.tolist(), strict=True):
            is_new = not old and value not in recent
            if is_new:
                recent.add(value)
            new.append(is_new)
        self._after_batch()
        return new

    def _in_levels(self, hashes: np.ndarray) -> np.ndarray:
        found = np.zeros(len(hashes), dtype=bool)
        for level in self._levels:
            index = np.searchsorted(level, hashes)
            index[index == len(level)] = len(level) - 1
            found |= level[index] == hashes
        return found

    def _after_batch(self) -> None:
        if len(self._recent) < _FLUSH_AT:
            return
        level = np.fromiter(self._recent, dtype=np.int64, count=len(self._recent))
        level.sort()
        self.count += len(level)
        self._recent = set()
        self._levels.append(level)
        if self.count >= self._memory_ids:
            self._spill()  # before merging: a merge would briefly hold the budget twice
            return
        # Merge while the newest level is at least as big as the one before: O(log n) levels.
        while len(self._levels) > 1 and len(self._levels[-1]) >= len(self._levels[-2]):
            newest = self._levels.pop()
            # Levels are disjoint (a hash enters a level only if no level had it), so a merge is
            # a concatenation and one sort: a single new array, no unique() copies.
            merged = np.concatenate((self._levels[-1], newest))
            merged.sort()
            self._levels[-1] = merged

    def _spill(self) -> None:
        self._disk = _DiskSet()
        while self._levels:  # each level freed as soon as it is on disk
            self._disk.insert_known(self._levels.pop())

    def __len__(self) -> int:
        if self._disk is not None:
            return self._disk.count
        return self.count + len(self._recent)

    def close(self) -> None:
        """Remove the spilled set's file, if there is one."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None

    def __enter__(self) -> SeenIds:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class _DiskSet:
    """64-bit hashes in a temporary SQLite table; removed when closed."""

    def __init__(self) -> None:
        handle, self._path = tempfile.mkstemp(prefix="looker-braze-seen-", suffix=".sqlite3")
        os.close(handle)
        self._db = sqlite3.connect(self._path)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            f"PRAGMA cache_size=-{_DISK_CACHE_KIB};"
            "CREATE TABLE seen (hash INTEGER PRIMARY KEY) WITHOUT ROWID;"
        )
        self.count = 0

    def insert_known(self, hashes: np.ndarray) -> None:
        # In slices: a list of two million Python ints would cost 70 MB for a moment.
        for start in range(0, len(hashes), _FLUSH_AT):
            chunk = hashes[start : start + _FLUSH_AT].tolist()
            self._db.executemany("INSERT INTO seen VALUES (?)", ((h,) for h in chunk))
        self.count += len(hashes)

    def add_many(self, hashes: np.ndarray) -> list[bool]:
        values = hashes.tolist()
        inserted = set()
        for (value,) in self._db.execute(
            "INSERT OR IGNORE INTO seen SELECT value FROM json_each(?) RETURNING hash",
            (str(values),),
        ):
            inserted.add(value)
        self.count += len(inserted)
        new = []
        for value in values:  # the first occurrence of an inserted hash is the new one
            if value in inserted:
                inserted.discard(value)
                new.append(True)
            else:
                new.append(False)
        return new

    def close(self) -> None:
        self._db.close()
        os.unlink(self._path)
