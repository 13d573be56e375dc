"""How many requests a send keeps in flight to Braze: enough to use the workspace's rate limit at
the latency Braze answers with, within a memory budget and a cap.

Little's law: a sender that keeps C requests in flight, each answered after L seconds, sends C / L
requests a second; reaching the limit's rate R takes R x L in flight. The target is HEADROOM times
that plus SPARE (latency varies, and requests queued at the rate limiter hold a slot too), from
the latency smoothed over the last answers. The rate limiter does the pacing: a larger target
does not send faster, it only holds more request bodies in memory, which the byte budget bounds.
Before the first answer the target is INITIAL, the fixed number this replaced.

Latency that is queueing is not distance: when the hub (or the far side) is short of CPU, answers
wait in a queue, the latency grows with the number in flight, and following it only lengthens the
queue (on a busy two-core machine at Braze's 3,000/3 s it ran to the cap and cost 15 % more hub
CPU per row). So the latency used is at most QUEUEING times the send's floor, the lowest smoothed
latency seen since WARM_UP answers: Braze's own spread (50 to 200 ms from a cloud hub) fits in
that, a queue does not. (TCP Vegas' "base RTT" is the same idea.)
"""

from __future__ import annotations

import asyncio
import math

INITIAL = 16
HEADROOM = 1.5
SPARE = 2
SMOOTHING = 0.1  # weight of the newest answer in the smoothed latency
QUEUEING = 4.0  # latency above this many times the floor is taken for queueing
WARM_UP = 20  # answers before the smoothed latency can set the floor
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
        self.floor = math.inf  # the lowest smoothed latency of the send, after WARM_UP
        self._answers = 0
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
        """One answer Braze worked on came back ``seconds`` after its request left."""
        latency = self.latency
        self.latency = seconds if latency is None else latency + SMOOTHING * (seconds - latency)
        self._answers += 1
        if self._answers >= WARM_UP:
            self.floor = min(self.floor, self.latency)
        usable = min(self.latency, QUEUEING * self.floor)
        wanted = self.rate * usable * HEADROOM + SPARE
        self.target = max(1, min(self.cap, math.ceil(wanted) if wanted < self.cap else self.cap))
        self._changed.set()

    def _fits(self, size: int) -> bool:
        if self.count == 0:
            return True
        return self.count < self.target and self.bytes + size <= self.byte_budget


def connection_limit(cap: int | None) -> int:
    """Connections a Braze session may open: two sends at their highest in flight."""
    return 2 * (cap or CEILING)
