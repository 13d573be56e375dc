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
        ids = key_base(self.seed, event_type, self.chunk) + np.arange(len(rows), dtype=np.uint64)
        columns.update(id=Ids(ids), time=np.asarray(times, dtype=np.int64), **extra)
        frame = Frame(event_type, columns)
        self.frames.append(frame)
        return frame


def bernoulli(rng: np.random.Generator, p: float, n: int) -> np.ndarray:
    return rng.random(n) < p


def repeat_extra(rng: np.random.Generator, rows: np.ndarray, extra_mean: float) -> np.ndarray:
    """Each row once plus a Poisson number of repeats (people open a message more than once)."""
    return np.repeat(rows, 1 + rng.poisson(extra_mean, len(rows)))
