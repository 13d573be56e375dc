import asyncio
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.braze.ratelimit import CALM_SECONDS, SlicedWindow, SlidingWindowLimiter
from looker_braze.errors import FailRun


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


WINDOW, LIMIT = 10.0, 7


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 4), min_size=1, max_size=80))
def test_the_sliced_window_never_admits_more_than_the_limit_in_any_window(gaps):
    window = SlicedWindow(LIMIT, WINDOW, slices=20)
    now, admitted = 0.0, []
    for gap in gaps:
        now += gap
        wait = window.delay(now)
        assert wait <= WINDOW + WINDOW / 20  # the oldest slice leaves a window after it began
        now += wait
        assert window.delay(now) == 0
        window.add(now)
        admitted.append(now)
    for i, stamp in enumerate(admitted):  # every window (t - WINDOW, t] ending at a request
        assert sum(1 for other in admitted[: i + 1] if other > stamp - WINDOW) <= LIMIT


def test_the_sliced_window_holds_fixed_memory_whatever_the_limit():
    window = SlicedWindow(1_000_000, 3600.0)
    for i in range(100_000):
        window.add(i * 0.01)  # 1,000 seconds of 100 requests a second
    assert len(window._counts) == 1000  # one entry per second-long slice, not per request


async def test_an_hourly_budget_spent_for_longer_than_the_caller_waits_stops():
    now = [1000.0]
    limiter = SlidingWindowLimiter(100, 1, clock=lambda: now[0], hourly_requests=3)
    for _ in range(3):
        await limiter.acquire(max_wait=60)
    with pytest.raises(FailRun, match="hourly limit of 3 Braze requests is used up until"):
        await limiter.acquire(max_wait=60)
    now[0] += 3601.0  # the hour went by
    await limiter.acquire(max_wait=60)
    assert limiter.requests_per_second == 3 / 3600


async def test_an_hourly_wait_within_the_callers_patience_is_waited():
    limiter = SlidingWindowLimiter(100, 1, hourly_requests=2, hourly_seconds=0.3)
    started = time.monotonic()
    for _ in range(3):
        await limiter.acquire(max_wait=5)
    assert time.monotonic() - started >= 0.3 - 0.01


async def test_requests_are_spread_over_the_window_not_sent_in_a_crowd():
    limiter = SlidingWindowLimiter(200, 1.0)  # one every 5 ms, 10 (5 %) ahead at most
    stamps = []
    for _ in range(60):
        await limiter.acquire()
        stamps.append(time.monotonic())
    assert stamps[-1] - stamps[0] >= (60 - 10 - 1) * 0.005 - 0.01
    for i in range(len(stamps) - 25):  # 25 = the burst, 10 paced, and 5 of timer slack
        assert stamps[i + 25] - stamps[i] >= 0.05


async def test_each_429_widens_the_window_a_little_up_to_a_bound_until_calm():
    now = [0.0]
    limiter = SlidingWindowLimiter(100, 3.0, clock=lambda: now[0])
    rate = limiter.requests_per_second
    limiter.pause(0)
    assert limiter.seconds == pytest.approx(3.1) and limiter.requests_per_second < rate
    for _ in range(20):
        limiter.pause(0)
    assert limiter.seconds == pytest.approx(3.5)
    now[0] += CALM_SECONDS - 1
    await limiter.acquire()
    assert limiter.seconds == pytest.approx(3.5)
    now[0] += 1
    await limiter.acquire()
    assert limiter.seconds == 3.0
