"""Client-side rate limiting for Braze's per-workspace request limits.

Braze counts requests per window (default 3,000 per 3 s on /users/track). A sliding log of the
last N request times admits at most N requests in ANY window of that length, so it can never
exceed Braze's limit whatever the window alignment; a leaky bucket such as aiolimiter's lets up
to twice the limit through in one window, hence this small hand-written limiter. A 429 pauses
every sender of the process until Braze's retry time.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Protocol


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait until one more request may be sent."""

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Braze said so with a 429)."""

    async def aclose(self) -> None:
        """Release what the limiter holds (a Redis connection ...)."""


class SlidingWindowLimiter:
    def __init__(self, requests: int, seconds: float, clock=time.monotonic) -> None:
        self.requests = requests
        self.seconds = seconds
        self._clock = clock
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            while (delay := self._delay(self._clock())) > 0:
                await asyncio.sleep(delay)
            self._sent.append(self._clock())

    def _delay(self, now: float) -> float:
        while self._sent and now - self._sent[0] >= self.seconds:
            self._sent.popleft()
        wait = self._paused_until - now
        if len(self._sent) >= self.requests:
            wait = max(wait, self._sent[0] + self.seconds - now)
        return wait

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def aclose(self) -> None:
        return None


class NoLimit:
    async def acquire(self) -> None:
        return None

    def pause(self, seconds: float) -> None:
        return None

    async def aclose(self) -> None:
        return None
