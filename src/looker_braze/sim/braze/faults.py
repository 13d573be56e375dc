"""Fault injection: a share of requests answered 5xx, added latency, dropped connections (before
Braze reads the request, or after it applied it: a lost answer, the case that makes a resend
duplicate events); and
Braze's infrastructure answers: a share redirected (a proxy, a wrong host), a share queued (202
during maintenance).

One seeded RNG draws the faults in request order, so a test with a fixed seed sees the same
sequence every run. A share left at 0 draws nothing: adding a kind of fault does not change the
sequence the others see.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import NamedTuple

SERVER_ERRORS = (500, 502, 503, 504)


@dataclass
class FaultSettings:
    error_rate: float = 0.0
    latency_ms: tuple[float, float] = (0.0, 0.0)
    drop_rate: float = 0.0
    redirect_rate: float = 0.0
    queued_rate: float = 0.0
    lost_answer_rate: float = 0.0  # applied, then the connection dropped without an answer

    def any(self) -> bool:
        return bool(
            self.lost_answer_rate
            or self.error_rate
            or self.drop_rate
            or self.latency_ms[1]
            or self.redirect_rate
            or self.queued_rate
        )


class Fault(NamedTuple):
    delay_s: float
    drop: bool
    status: int | None  # a 5xx to answer instead of the real one
    redirect: bool = False  # answer a redirect instead of the real answer
    queued: bool = False  # answer 202 "queued" in place of a success
    lose_answer: bool = False  # apply the request, then drop the connection without answering


NO_FAULT = Fault(0.0, False, None)


class FaultInjector:
    def __init__(self, settings: FaultSettings, seed: int) -> None:
        self.settings = settings
        self._rng = random.Random(seed)

    def draw(self) -> Fault:
        settings = self.settings
        if not settings.any():
            return NO_FAULT
        rng = self._rng
        low, high = settings.latency_ms
        delay = rng.uniform(low, high) / 1000 if high else 0.0
        if rng.random() < settings.drop_rate:
            return Fault(delay, True, None)
        if rng.random() < settings.error_rate:
            return Fault(delay, False, rng.choice(SERVER_ERRORS))
        if settings.redirect_rate and rng.random() < settings.redirect_rate:
            return Fault(delay, False, None, redirect=True)
        queued = bool(settings.queued_rate) and rng.random() < settings.queued_rate
        lost = bool(settings.lost_answer_rate) and rng.random() < settings.lost_answer_rate
        return Fault(delay, False, None, queued=queued, lose_answer=lost)


async def drop_connection(send) -> None:
    """Close the client's connection without an answer, as a crashed Braze edge would.

    ASGI has no message for this. uvicorn's ``send`` is a method of its request cycle, which
    holds the transport: aborting that transport is the only way to drop the connection. The
    yields let uvicorn see the connection lost, so it does not try to answer 500 on it.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("dropped connection (fault injection)")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)
