import asyncio
import time

from looker_braze.braze.ratelimit import SlidingWindowLimiter


async def test_never_more_than_the_limit_in_any_window():
    limiter = SlidingWindowLimiter(requests=20, seconds=0.3)
    stamps: list[float] = []

    async def worker():
        for _ in range(10):
            await limiter.acquire()
            stamps.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(6)))
    assert len(stamps) == 60
    stamps.sort()
    for i in range(len(stamps) - 20):
        assert stamps[i + 20] - stamps[i] >= 0.3 - 1e-3  # the 21st is always a window later
    assert time.monotonic() - started >= 0.6  # 60 requests at 20 per 0.3 s need 2 windows


async def test_pause_holds_everyone_back():
    limiter = SlidingWindowLimiter(requests=1000, seconds=1)
    limiter.pause(0.2)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.19
