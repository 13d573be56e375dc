"""How many requests a send keeps in flight to Braze: enough to use the workspace's rate limit at
the latency Braze answers with, within a memory budget and a cap.

Little's law: a sender that keeps C requests in flight, each answered after L seconds, sends C / L
requests a second; reaching the limit's rate R takes R x L in flight. The target is HEADROOM times
that plus SPARE (latency varies, and requests queued at the rate limiter hold a slot too), from
the latency smoothed over the last answers. The rate limiter does the pacing: a larger target
does not send faster, it only holds more request bodies in memory, which the byte budget bounds.
Before the first answer the target is INITIAL, the fixed number this replaced.
"""

from __future__ import annotations

import asyncio
import math

INITIAL = 16
HEADROOM = 1.5
SPARE = 2
SMOOTHING = 0.1  # weight of the newest answer in the smoothed latency
CEILING = 512  # in flight at most when no cap is set (Braze's 3,000/3 s at 300 ms needs 450)
DEFAULT_BYTE_BUDGET = 16 * 1024 * 1024


class InFlight:
    """Slots for requests in flight; ``observe`` each answer's latency, the target follows."""

    def __init__(
        self,
        rate: float,
        byte_budget: int = DEFAULT_BYTE_BUDGET,
        cap: int | None = None,
        initial: int = INITIAL,
    ) -> None:
        if not rate > 0 or byte_budget < 1 or (cap is not None and cap < 1):
            raise ValueError("rate > 0, byte_budget >= 1 and cap >= 1, please")
        self.rate = rate  # requests per second the rate limit allows
        self.byte_budget = byte_budget
        self.cap = cap or CEILING
        self.target = min(initial, self.cap)
        self.latency: float | None = None  # smoothed seconds per answer
        self.count = 0
        self.bytes = 0
        self.peak = 0  # most requests in flight at once, for tests and benchmarks
        self.peak_bytes = 0
        self._changed = asyncio.Event()

    @classmethod
    def fixed(cls, slots: int) -> InFlight:
        """Exactly ``slots`` in flight whatever the latency (no rate to follow, no byte budget)."""
        return cls(math.inf, byte_budget=2**62, cap=slots, initial=slots)

    async def acquire(self, size: int) -> None:
        """Wait for a slot for a request body of ``size`` bytes. One request always fits when
        none is in flight, however large: a body over the budget must still go."""
        while not self._fits(size):
            self._changed.clear()
            await self._changed.wait()
        self.count += 1
        self.bytes += size
        self.peak = max(self.peak, self.count)
        self.peak_bytes = max(self.peak_bytes, self.bytes)

    def release(self, size: int) -> None:
        self.count -= 1
        self.bytes -= size
        self._changed.set()

    def observe(self, seconds: float) -> None:
        """One answer came back ``seconds`` after its request left."""
        latency = self.latency
        self.latency = seconds if latency is None else latency + SMOOTHING * (seconds - latency)
        wanted = self.rate * self.latency * HEADROOM + SPARE
        self.target = max(1, min(self.cap, math.ceil(wanted) if wanted < self.cap else self.cap))
        self._changed.set()

    def _fits(self, size: int) -> bool:
        if self.count == 0:
            return True
        return self.count < self.target and self.bytes + size <= self.byte_budget


def connection_limit(cap: int | None) -> int:
    """Connections a Braze session may open: two sends at their highest in flight."""
    return 2 * (cap or CEILING)
