"""Time for the generator: the UTC window, local days in the configured zone, and when Braze
queues each event (which decides its ``date=`` folder): most within minutes, some late."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Window:
    start: int  # UTC epoch seconds of start_date 00:00 UTC
    days: int
    local_midnights: np.ndarray  # epoch seconds of local midnight of local day 0..days+extra

    @property
    def end(self) -> int:
        return self.start + self.days * DAY

    def uniform_times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.integers(self.start, self.end, n, dtype=np.int64)

    def time_in_local_day(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """A uniformly random second inside each local ``day`` (23 or 25 hours on DST days)."""
        begin = self.local_midnights[day]
        length = self.local_midnights[day + 1] - begin
        return begin + (rng.random(len(day)) * length).astype(np.int64)


def window(start_date: dt.date, days: int, zone: str) -> Window:
    tz = ZoneInfo(zone)
    midnights = [
        dt.datetime.combine(start_date + dt.timedelta(days=d), dt.time(), tz).timestamp()
        for d in range(days + 2)
    ]
    start = int(dt.datetime.combine(start_date, dt.time(), dt.UTC).timestamp())
    return Window(start, days, np.array(midnights, dtype=np.int64))


def later(rng: np.random.Generator, times: np.ndarray, low: float, high: float) -> np.ndarray:
    """Each time plus a uniform delay in [low, high) seconds."""
    return times + rng.uniform(low, high, len(times)).astype(np.int64)


def after_delay(rng: np.random.Generator, times: np.ndarray, mean_seconds: float) -> np.ndarray:
    """Each time plus an exponential delay (how long people take to open a message)."""
    return times + 1 + rng.exponential(mean_seconds, len(times)).astype(np.int64)


def queue_times(rng: np.random.Generator, times: np.ndarray, late_rate: float) -> np.ndarray:
    """When Braze queued each event: within 5 minutes, or 1-48 hours late for ``late_rate``."""
    queued = later(rng, times, 0, 300)
    late = rng.random(len(times)) < late_rate
    queued[late] = later(rng, times[late], HOUR, 48 * HOUR)
    return queued
