"""Which identifiers a run has already seen, in about 8 bytes an identifier.

A Python set of a million strings costs ~100 MB, which breaks the hub's memory bound; no library
offers a compact exact set of strings, so this keeps 64-bit hashes in sorted numpy arrays merged
like an LSM tree (log n levels, each checked with one vectorised binary search per row batch).
Two different identifiers share a 64-bit hash with probability ~n^2/2^65 (3e-8 for a million):
the only way a distinct user could be taken for a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_FLUSH_AT = 1 << 16


class SeenIds:
    def __init__(self) -> None:
        self._levels: list[np.ndarray] = []  # sorted, unique, sizes decreasing
        self._recent: set[int] = set()
        self.count = 0

    def add_many(self, keys: Sequence[str]) -> list[bool]:
        """For each key in order: True the first time it is seen (in this call or before)."""
        if not keys:
            return []
        hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
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
        # Merge while the newest level is at least as big as the one before: O(log n) levels.
        while len(self._levels) > 1 and len(self._levels[-1]) >= len(self._levels[-2]):
            newest = self._levels.pop()
            # Levels are disjoint (a hash enters a level only if no level had it), so a merge is
            # a concatenation and one sort: a single new array, no unique() copies.
            merged = np.concatenate((self._levels[-1], newest))
            merged.sort()
            self._levels[-1] = merged

    def __len__(self) -> int:
        return self.count + len(self._recent)
