"""Making event frames from the columns of the events they follow (a Delivery from its Send ...).

A frame may carry more columns than its writer schema has; the writer keeps the schema's fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from looker_braze.currents.generate.columns import Column, Frame, Ids, key_base, take


@dataclass
class EventMaker:
    seed: int
    chunk: int
    frames: list[Frame] = field(default_factory=list)
    # Ids made so far per event type: a type emitted more than once (Canvas progressions, step
    # by step) continues its keys, so no two of its events share an id.
    issued: dict[str, int] = field(default_factory=dict)
    # Draws for the event types added with the whole catalogue inside the first four families
    # (email, push, cards and webhooks, sessions) come from this generator, so the events those
    # families made before stay the same for the same seed.
    side: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.side = np.random.default_rng([self.seed, self.chunk, 1])

    def emit(
        self,
        event_type: str,
        base: dict[str, Column],
        rows: np.ndarray,
        times: np.ndarray,
        **extra: Column,
    ) -> Frame:
        """Events of ``event_type`` copying ``base`` at ``rows``, at ``times``, with new ids."""
        columns = {name: take(column, rows) for name, column in base.items()}
        first = self.issued.get(event_type, 0)
        self.issued[event_type] = first + len(rows)
        keys = np.arange(first, first + len(rows), dtype=np.uint64)
        ids = key_base(self.seed, event_type, self.chunk) + keys
        columns.update(id=Ids(ids), time=np.asarray(times, dtype=np.int64), **extra)
        frame = Frame(event_type, columns)
        self.frames.append(frame)
        return frame


def bernoulli(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return rng.random(n) < p


def repeat_extra(rng: np.random.Generator, rows: np.ndarray, extra_mean: float) -> np.ndarray:
    """Each row once plus a Poisson number of repeats (people open a message more than once)."""
    return np.repeat(rows, 1 + rng.poisson(extra_mean, len(rows)))
