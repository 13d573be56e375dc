"""Batches of objects within Braze's limits: users/track takes 75 objects and 4 MB a request.

A batch fills one array of the request body: "attributes" (the flag action), "events" or
"purchases" (the events action), "items" (the catalog item endpoints); the name is the batch's
``array``, which users/track's per-object errors name back (``input_array``).

Objects arrive already encoded (orjson bytes), so a batch knows its exact size and its body is a
join, and the caller's ``tag`` for each object lets a per-object error be traced to its row.

How many objects a request may hold depends on the account's contract: 75 combined on most
accounts, 50 on "Monthly Active Users - CY 24-25" ones (Braze's users/track page,
braze-inc/braze-docs _docs/_api/endpoints/user_data/post_user_track.md; shared/spec/
braze-users-track.md, "Contracts"). One BatchSize per send is shared by the Batcher and the client:
when Braze answers 400 "Max Input Length Exceeded" the client shrinks it, and the batches formed
after that are already small.
"""

from __future__ import annotations

from collections.abc import Hashable

from looker_braze.errors import RejectRow

MAX_OBJECTS = 75
# The first smaller size tried after "Max Input Length Exceeded": the MAU contracts' cap.
MAU_OBJECTS = 50
MAX_BYTES = 4_000_000  # Braze answers 413 above 4 MB; counted in decimal megabytes to be safe
ATTRIBUTES = "attributes"
ITEMS = "items"  # the catalog item endpoints' array
_TAIL = b"]}"
_TAIL_BYTES = len(_TAIL)


def _head(array: str) -> bytes:
    return b'{"' + array.encode() + b'":['


class Batch:
    """Objects written straight into the request body, with the offsets where each one ends.

    Why one body rather than a list of the encoded objects: orjson's bytes keep the buffer they
    were written in (about 4 KB each, however short the JSON), so a list of them costs ~300 KB a
    batch; hundreds of batches are in flight at Braze's latency. The objects are cut back out of
    the body only in the rare cases that need them (413 halves, resending a subset)."""

    __slots__ = ("_body", "_ends", "array", "tags")

    def __init__(self, array: str = ATTRIBUTES) -> None:
        self.array = array
        self._body = bytearray(_head(array))
        self._ends: list[int] = []  # where each object ends in the body
        self.tags: list[Hashable] = []

    def __len__(self) -> int:
        return len(self._ends)

    @property
    def size(self) -> int:
        """The exact length of ``body()``."""
        return len(self._body) + len(_TAIL)

    def add(self, obj: bytes, tag: Hashable) -> None:
        if self._ends:
            self._body += b","
        self._body += obj
        self._ends.append(len(self._body))
        self.tags.append(tag)

    @property
    def objects(self) -> list[bytes]:
        starts = [len(_head(self.array)), *(end + 1 for end in self._ends[:-1])]
        body = self._body
        return [bytes(body[start:end]) for start, end in zip(starts, self._ends, strict=True)]

    def body(self) -> bytes:
        return bytes(self._body) + _TAIL

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self) // 2
        objects = self.objects
        return _batch_of(objects[:middle], self.tags[:middle], self.array), _batch_of(
            objects[middle:], self.tags[middle:], self.array
        )

    def subset(self, indices: list[int]) -> Batch:
        objects = self.objects
        return _batch_of([objects[i] for i in indices], [self.tags[i] for i in indices], self.array)


def _batch_of(objects: list[bytes], tags: list[Hashable], array: str) -> Batch:
    batch = Batch(array)
    for obj, tag in zip(objects, tags, strict=True):
        batch.add(obj, tag)
    return batch


def chunks(batch: Batch, size: int) -> list[Batch]:
    """``batch`` cut into batches of at most ``size`` objects, in order."""
    if len(batch) <= size:
        return [batch]
    return [
        _batch_of(
            batch.objects[start : start + size], batch.tags[start : start + size], batch.array
        )
        for start in range(0, len(batch), size)
    ]


class BatchSize:
    """Objects per request for one send; shrinks (never grows) when Braze says they are too many."""

    __slots__ = ("current", "initial")

    def __init__(self, objects: int = MAX_OBJECTS) -> None:
        if objects < 1:
            raise ValueError(f"a request holds 1 object or more, not {objects}")
        self.initial = self.current = objects

    def shrink(self, refused: int) -> bool:
        """Braze refused a request of ``refused`` objects as too long: from now on send fewer
        (50, the MAU contracts' cap, then halves). False when nothing smaller is possible. A
        refused request larger than the current size (sent before another one shrank it) changes
        nothing: sent again at the current size, it answers for itself."""
        if refused > self.current:
            return True
        if refused <= 1:
            return False
        self.current = MAU_OBJECTS if refused > MAU_OBJECTS else refused // 2
        return True

    @property
    def change(self) -> tuple[int, int] | None:
        """(from, to) once it shrank; None while it holds its first size."""
        return None if self.current == self.initial else (self.initial, self.current)


_NONE_READY: list[Batch] = []  # shared empty answer; callers only iterate over it


class Batcher:
    """``add`` returns the batches that became ready (none, one, or two); ``flush`` the rest.

    ``max_objects`` is a number, or the send's BatchSize (read at every object, so a shrink
    applies to the batch being filled); ``array`` is the request array the batches fill."""

    def __init__(
        self,
        max_objects: int | BatchSize = MAX_OBJECTS,
        max_bytes: int = MAX_BYTES,
        array: str = ATTRIBUTES,
    ) -> None:
        self.size = max_objects if isinstance(max_objects, BatchSize) else BatchSize(max_objects)
        self.max_bytes = max_bytes
        self.array = array
        self._envelope = len(_head(array)) + _TAIL_BYTES
        self._current = Batch(array)

    @property
    def max_objects(self) -> int:
        return self.size.current

    def add(self, obj: bytes, tag: Hashable) -> list[Batch]:
        size = len(obj)
        if size + self._envelope > self.max_bytes:
            raise RejectRow(
                f"{_NOUNS.get(self.array, 'object')} larger than Braze's 4 MB request limit"
            )
        # Batch.add, inlined: this runs once for every object of a send.
        current = self._current
        body, ends = current._body, current._ends
        if ends:
            if len(body) + size + 1 + _TAIL_BYTES > self.max_bytes:
                ready = chunks(self._take(), self.size.current)
                self._current.add(obj, tag)
                return ready
            body += b","
        body += obj
        ends.append(len(body))
        current.tags.append(tag)
        limit = self.size.current
        if len(ends) >= limit:
            return chunks(self._take(), limit)  # more than one only right after a shrink
        return _NONE_READY

    def flush(self) -> Batch | None:
        """The batch being filled, if any (right after a shrink it may hold more than the new
        size: the client cuts any batch larger than the current size before sending it)."""
        batch = self._take()
        return batch if len(batch) else None

    def _take(self) -> Batch:
        batch, self._current = self._current, Batch(self.array)
        return batch


_NOUNS = {
    ATTRIBUTES: "user object",
    "events": "event object",
    "purchases": "purchase object",
    ITEMS: "catalog item",
}
