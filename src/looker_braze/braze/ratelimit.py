"""Client-side rate limiting for Braze's per-workspace request limits.

Braze counts requests per window: 3,000 per 3 s on /users/track by default; accounts on
"Monthly Active Users - CY 24-25" and Universal MAU contracts have an hourly limit on top of that
burst limit (braze-inc/braze-docs _docs/_api/endpoints/user_data/post_user_track.md, "Monthly
Active Users CY 24-25"; shared/spec/braze-users-track.md, "Contracts").

The burst window is a sliding log of the last N request times: it admits at most N requests in ANY
window of that length, so it can never exceed Braze's limit whatever the window alignment; a leaky
bucket such as aiolimiter's lets up to twice the limit through in one window, hence this small
hand-written limiter. Within the window, requests are also spread out (GCRA, the "virtual
scheduling" form of a leaky bucket: one request every window/N seconds, a burst of BURST_SHARE of
N ahead at most): a window's N all at once reach Braze in a crowd, a hub or Braze that stalls in
the crowd delivers some of them late, into the next window, where they meet that window's own (on
a loaded machine that gave 429s at 100 ms and more of latency).

A 429 also widens the window by WIDEN_STEP, up to WIDEN_MOST in all: Braze counts a request when
it arrives, so a stall between our admitting it and Braze receiving it (a busy event loop, a
descheduled process, the network) can move it into the next window; a 429 says such stalls, or
other clients of the workspace, are there, and a wider window makes room for them. After
CALM_SECONDS without a 429 the window is back to its own width.

The hourly window counts requests in one-second slices instead (memory stays fixed whatever the
hourly limit); a request counts for its whole slice, which can only err on the safe side. A 429
pauses every sender of the process until Braze's retry time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from datetime import UTC, datetime
from typing import Protocol

from looker_braze.errors import FailRun

HOUR = 3600.0
SLICES = 3600  # of the hourly window: one second each
BURST_SHARE = 0.05  # of the window's requests that may go at once, ahead of the even pace
WIDEN_STEP, WIDEN_MOST = 0.1, 0.5  # seconds added to the window per 429, and at most
CALM_SECONDS = 600.0  # without a 429, after which the window is narrow again
# The shortest wait: at Braze's default pace (one request a millisecond) a waiter that slept for
# each request alone would cost the hub a timer and a wake-up per request (measured: 1.8 us of
# hub CPU per row of a narrow Look, a quarter of its cost). Sleeping a little longer lets the
# next few waiters through at once; the pace is kept, since the requests stay within the burst
# tolerance (at least one interval, 150 of them at Braze's default) and the average rate is the
# GCRA's. Never more than a few milliseconds late.
MIN_SLEEP = 0.005


class RateLimiter(Protocol):
    @property
    def requests_per_second(self) -> float:
        """The steady rate the limits allow (inf: no limit)."""

    async def acquire(self, max_wait: float = math.inf) -> None:
        """Wait until one more request may be sent. FailRun when the hourly budget is spent and
        its next slot is more than ``max_wait`` seconds away."""

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Braze said so with a 429)."""

    async def aclose(self) -> None:
        """Release what the limiter holds (a Redis connection ...)."""


class SlicedWindow:
    """At most ``requests`` in any window of ``seconds``, counted per slice of the window."""

    def __init__(self, requests: int, seconds: float, slices: int = SLICES) -> None:
        self.requests = requests
        self.seconds = seconds
        self._slice = seconds / slices
        self._counts: deque[list] = deque()  # [slice start, requests in it], oldest first
        self._total = 0

    def delay(self, now: float) -> float:
        """Seconds until one more request fits (0: now)."""
        self._expire(now)
        excess = self._total - self.requests + 1
        if excess <= 0:
            return 0.0
        for start, count in self._counts:  # the oldest slices leave the window first
            excess -= count
            if excess <= 0:
                return start + self._slice + self.seconds - now
        raise AssertionError("unreachable: the slices hold the total")  # pragma: no cover

    def add(self, now: float) -> None:
        start = math.floor(now / self._slice) * self._slice
        if self._counts and self._counts[-1][0] == start:
            self._counts[-1][1] += 1
        else:
            self._counts.append([start, 1])
        self._total += 1

    def _expire(self, now: float) -> None:
        # A slice leaves when even its last instant is a whole window old.
        counts = self._counts
        while counts and counts[0][0] + self._slice <= now - self.seconds:
            self._total -= counts.popleft()[1]


class Pace:
    """GCRA: the theoretical arrival time of the next request moves on by ``seconds / requests``
    per request; a request may come up to ``tolerance`` ahead of it."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.interval = seconds / requests
        self.tolerance = self.interval * max(1, math.floor(requests * BURST_SHARE))
        self._theoretical = -math.inf

    @property
    def earliest(self) -> float:
        return self._theoretical - self.tolerance

    def take(self, now: float) -> None:
        self._theoretical = max(self._theoretical, now) + self.interval

    def resize(self, requests: int, seconds: float) -> None:
        """A new window, keeping the requests already paced."""
        self.interval = seconds / requests
        self.tolerance = self.interval * max(1, math.floor(requests * BURST_SHARE))


def widened(seconds: float, base: float) -> float:
    """The window after one more 429."""
    return min(base + WIDEN_MOST, seconds + WIDEN_STEP)


def calmed(seconds: float, base: float, last_429: float, now: float) -> float:
    """The window now: its own width again once CALM_SECONDS went by without a 429."""
    return base if now - last_429 >= CALM_SECONDS else seconds


class SlidingWindowLimiter:
    def __init__(
        self,
        requests: int,
        seconds: float,
        clock=time.monotonic,
        hourly_requests: int | None = None,
        hourly_seconds: float = HOUR,
    ) -> None:
        self.requests = requests
        self.seconds = self._base_seconds = seconds
        self._last_429 = -math.inf
        self._clock = clock
        self._sent: deque[float] = deque()
        self._hourly = SlicedWindow(hourly_requests, hourly_seconds) if hourly_requests else None
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._pace = Pace(requests, seconds)

    @property
    def requests_per_second(self) -> float:
        hourly = self._hourly
        if hourly is None:
            return steady_rate(self.requests, self.seconds, None)
        return steady_rate(self.requests, self.seconds, hourly.requests, hourly.seconds)

    async def acquire(self, max_wait: float = math.inf) -> None:
        async with self._lock:  # first come, first served
            while (delay := self._delay(self._clock(), max_wait)) > 0:
                await asyncio.sleep(max(delay, MIN_SLEEP))
            now = self._clock()
            self._pace.take(now)
            self._sent.append(now)
            if self._hourly is not None:
                self._hourly.add(now)

    def _delay(self, now: float, max_wait: float) -> float:
        if self.seconds != self._base_seconds:
            self.seconds = calmed(self.seconds, self._base_seconds, self._last_429, now)
            self._pace.resize(self.requests, self.seconds)
        while self._sent and now - self._sent[0] >= self.seconds:
            self._sent.popleft()
        wait = max(self._paused_until, self._pace.earliest) - now
        if len(self._sent) >= self.requests:
            wait = max(wait, self._sent[0] + self.seconds - now)
        if self._hourly is not None:
            hourly = self._hourly.delay(now)
            if hourly > max_wait:
                raise hourly_limit_used_up(self._hourly.requests, hourly)
            wait = max(wait, hourly)
        return wait

    def pause(self, seconds: float) -> None:
        self._last_429 = self._clock()
        self._paused_until = max(self._paused_until, self._last_429 + seconds)
        self.seconds = widened(self.seconds, self._base_seconds)
        self._pace.resize(self.requests, self.seconds)

    async def aclose(self) -> None:
        return None


class NoLimit:
    requests_per_second = math.inf

    async def acquire(self, max_wait: float = math.inf) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None

    async def aclose(self) -> None:
        return None


def steady_rate(
    requests: int, seconds: float, hourly_requests: int | None, hourly_seconds: float = HOUR
) -> float:
    """Requests per second the burst and hourly limits allow in the long run."""
    rate = requests / seconds
    return min(rate, hourly_requests / hourly_seconds) if hourly_requests else rate


def hourly_limit_used_up(requests: int, seconds_left: float) -> FailRun:
    until = _clock_time(time.time() + seconds_left)
    return FailRun(
        f"The workspace's hourly limit of {requests:,} Braze requests is used up until {until}. "
        f"The send stopped; the rows not sent are counted as not sent. Send again after {until}."
    )


def braze_limit_used_up(seconds_left: float, max_wait: float) -> FailRun:
    """Braze's own 429 asked for a wait longer than a send waits (an hourly contract, usually)."""
    until = _clock_time(time.time() + seconds_left)
    return FailRun(
        f"Braze's request limit for this workspace is used up until {until} (Braze asked to wait "
        f"{seconds_left:,.0f} s; a send waits at most {max_wait:,.0f} s). The send stopped; the "
        f"rows not sent are counted as not sent. Send again after {until}."
    )


def _clock_time(epoch: float) -> str:
    """A UTC time rounded up to the minute; with the date when it is not within 12 hours."""
    moment = datetime.fromtimestamp(math.ceil(epoch / 60) * 60, UTC)
    if epoch - time.time() > 12 * HOUR:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{moment:%H:%M} UTC"
