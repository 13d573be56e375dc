"""The workspace's request quota on ``/users/track`` and the headers that tell clients about it.

A fixed window (``requests`` per ``seconds``, starting with the first request after the previous
window ended) matches Braze's documented headers, whose Reset is "when the window resets". An MAU
contract's hourly limit is a second, hour-long window of the same kind.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple


class Decision(NamedTuple):
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # wall-clock epoch seconds when the window resets
    now: float


class FixedWindowLimiter:
    def __init__(self, requests: int, seconds: float, clock: Callable[[], float] = time.time):
        self.requests = requests
        self.seconds = seconds
        self._clock = clock
        self._window_end = 0.0
        self._used = 0

    def take(self, count: bool = True) -> Decision:
        """Count one request if the window has room (unless ``count`` is false: only look); say
        how things stand either way."""
        now = self._clock()
        if now >= self._window_end:
            self._window_end = now + self.seconds
            self._used = 0
        allowed = self._used < self.requests
        self._used += allowed and count
        return Decision(allowed, self.requests, self.requests - self._used, self._window_end, now)


def limit_headers(decision: Decision, style: str, lowercase: bool) -> list[tuple[bytes, bytes]]:
    """The rate limit headers of one answer in the configured documented form."""
    wait = max(0, math.ceil(decision.reset_at - decision.now))
    if style == "retry-after" and not decision.allowed:
        headers = [("X-Ratelimit-Retry-After", wait)]
    else:
        reset = math.ceil(decision.reset_at) if style == "epoch" else wait
        headers = [
            ("X-RateLimit-Limit", decision.limit),
            ("X-RateLimit-Remaining", decision.remaining),
            ("X-RateLimit-Reset", reset),
        ]
    return [
        ((name.lower() if lowercase else name).encode(), str(value).encode())
        for name, value in headers
    ]
