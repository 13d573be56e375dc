"""Batches of users/track attribute objects within Braze's limits: 75 objects and 4 MB a request.

Objects arrive already encoded (orjson bytes), so a batch knows its exact size and its body is a
join, and the caller's ``tag`` for each object lets a per-object error be traced to its row.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from looker_braze.errors import RejectRow

MAX_OBJECTS = 75
MAX_BYTES = 4_000_000  # Braze answers 413 above 4 MB; counted in decimal megabytes to be safe
_HEAD, _TAIL = b'{"attributes":[', b"]}"
_ENVELOPE = len(_HEAD) + len(_TAIL)


@dataclass
class Batch:
    objects: list[bytes] = field(default_factory=list)
    tags: list[Hashable] = field(default_factory=list)
    size: int = _ENVELOPE

    def __len__(self) -> int:
        return len(self.objects)

    def add(self, obj: bytes, tag: Hashable) -> None:
        self.size += len(obj) + (1 if self.objects else 0)
        self.objects.append(obj)
        self.tags.append(tag)

    def body(self) -> bytes:
        return _HEAD + b",".join(self.objects) + _TAIL

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self.objects) // 2
        return _batch_of(self.objects[:middle], self.tags[:middle]), _batch_of(
            self.objects[middle:], self.tags[middle:]
        )

    def subset(self, indices: list[int]) -> Batch:
        return _batch_of([self.objects[i] for i in indices], [self.tags[i] for i in indices])


def _batch_of(objects: list[bytes], tags: list[Hashable]) -> Batch:
    batch = Batch()
    for obj, tag in zip(objects, tags, strict=True):
        batch.add(obj, tag)
    return batch


_NONE_READY: list[Batch] = []  # shared empty answer; callers only iterate over it


class Batcher:
    """``add`` returns the batches that became ready (none, one, or two); ``flush`` the rest."""

    def __init__(self, max_objects: int = MAX_OBJECTS, max_bytes: int = MAX_BYTES) -> None:
        self.max_objects = max_objects
        self.max_bytes = max_bytes
        self._current = Batch()

    def add(self, obj: bytes, tag: Hashable) -> list[Batch]:
        size = len(obj)
        if size + _ENVELOPE > self.max_bytes:
            raise RejectRow("user object larger than Braze's 4 MB request limit")
        current = self._current
        if current.objects and current.size + size + 1 > self.max_bytes:
            ready = [self._take()]
            self._current.add(obj, tag)
            return ready
        # Batch.add, inlined: this runs once for every object of a send.
        objects = current.objects
        current.size += size + 1 if objects else size
        objects.append(obj)
        current.tags.append(tag)
        if len(objects) >= self.max_objects:
            return [self._take()]
        return _NONE_READY

    def flush(self) -> Batch | None:
        batch = self._take()
        return batch if batch.objects else None

    def _take(self) -> Batch:
        batch, self._current = self._current, Batch()
        return batch
