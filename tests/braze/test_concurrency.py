"""The in-flight controller: rate x latency (with headroom) in flight, within a byte budget and a
cap; over real HTTP against the simulator at a given latency."""

from __future__ import annotations

import asyncio
import math
import random

import aiohttp
import orjson
import pytest

from looker_braze.braze.batch import Batch
from looker_braze.braze.client import Dispatcher, RetryPolicy, UsersTrackClient
from looker_braze.braze.concurrency import CEILING, HEADROOM, INITIAL, QUEUEING, SPARE, InFlight
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import SlidingWindowLimiter
from looker_braze.sim import population
from looker_braze.sim.braze import SimConfig, running

pytestmark = pytest.mark.timeout(120)


def test_the_target_follows_rate_times_latency_with_headroom():
    in_flight = InFlight(rate=1000)
    assert in_flight.target == INITIAL  # nothing observed yet
    for _ in range(200):
        in_flight.observe(0.05)
    assert in_flight.latency == pytest.approx(0.05)
    assert in_flight.target == math.ceil(1000 * 0.05 * HEADROOM + SPARE)  # 77
    for _ in range(200):
        in_flight.observe(0.2)
    assert in_flight.target == math.ceil(1000 * 0.2 * HEADROOM + SPARE)  # 302


def test_the_target_stays_within_one_and_the_cap():
    fast = InFlight(rate=10)
    fast.observe(0.0001)
    assert fast.target == SPARE + 1
    capped = InFlight(rate=1000, cap=40)
    capped.observe(1.0)
    assert capped.target == 40
    unlimited = InFlight(rate=math.inf)
    unlimited.observe(0.01)
    assert unlimited.target == CEILING


def test_smoothing_ignores_a_single_slow_answer():
    in_flight = InFlight(rate=100)
    for _ in range(100):
        in_flight.observe(0.1)
    in_flight.observe(5.0)
    assert in_flight.latency < 0.7


async def test_the_byte_budget_holds_but_one_request_always_goes():
    in_flight = InFlight(rate=math.inf, byte_budget=10_000)
    await in_flight.acquire(4000)
    await in_flight.acquire(4000)
    third = asyncio.create_task(in_flight.acquire(4000))
    await asyncio.sleep(0.01)
    assert not third.done() and in_flight.bytes == 8000  # 12,000 would be over the budget
    in_flight.release(4000)
    await asyncio.wait_for(third, 1)
    in_flight.release(4000)
    in_flight.release(4000)
    await in_flight.acquire(50_000)  # alone, a body over the budget still goes
    assert in_flight.count == 1


def flag(i: int) -> bytes:
    return orjson.dumps({"external_id": population.external_id(i), "tier": "gold"})


async def send_through(url, in_flight, batches: list[Batch], limiter) -> Dispatcher:
    accepted = []
    async with aiohttp.ClientSession() as session:
        endpoint = parse_endpoint(url, [url])
        client = UsersTrackClient(
            endpoint, "sim-key", session, limiter, RetryPolicy(), on_latency=in_flight.observe
        )
        dispatcher = Dispatcher(
            client, in_flight, lambda b, o: accepted.extend(o.accepted), lambda b: None
        )
        for batch in batches:
            await dispatcher.submit(batch)
        await dispatcher.drain()
    assert len(accepted) == sum(len(batch) for batch in batches)
    return dispatcher


def batches(count: int, per_batch: int = 1) -> list[Batch]:
    made = []
    for start in range(0, count * per_batch, per_batch):
        batch = Batch()
        for i in range(start, start + per_batch):
            batch.add(flag(i), i)
        made.append(batch)
    return made


async def test_in_flight_converges_near_rate_times_latency_over_http():
    rate, latency = 200.0, 0.1  # 20 requests in flight carry the rate
    limiter = SlidingWindowLimiter(int(rate), 1.0)
    in_flight = InFlight(rate=rate)
    config = SimConfig(users=1000, latency_ms=(latency * 1000, latency * 1000))
    with running(config) as (url, sim):
        await send_through(url, in_flight, batches(500), limiter)
        assert sim.stats()["rate_limited_requests"] == 0
    # What Braze's answers took: on a loaded machine the simulator answers late, and the target
    # must follow what was measured, not what was configured.
    measured = in_flight.latency
    assert latency <= measured < latency * 3
    expected = rate * measured * HEADROOM + SPARE  # 32 at the configured latency
    assert expected * 0.8 <= in_flight.target <= expected * 1.6
    assert rate * latency <= in_flight.peak <= expected * 1.6  # enough kept in flight, not more


async def test_the_byte_budget_holds_over_http():
    per_batch = 40  # ~2.4 kB a request
    body = len(batches(1, per_batch)[0].body())
    in_flight = InFlight(rate=math.inf, byte_budget=3 * body + 10)
    with running(SimConfig(users=4000, latency_ms=(20, 30))) as (url, _):
        await send_through(url, in_flight, batches(40, per_batch), SlidingWindowLimiter(10**6, 1))
    assert in_flight.peak_bytes <= in_flight.byte_budget
    assert in_flight.peak == 3  # the budget, not the target (the cap, here), was the limit


async def test_a_fixed_number_in_flight_is_never_exceeded():
    in_flight = InFlight.fixed(2)
    with running(SimConfig(users=100, latency_ms=(5, 10))) as (url, _):
        await send_through(url, in_flight, batches(30), SlidingWindowLimiter(10**6, 1))
    assert in_flight.peak == 2


def test_queueing_does_not_drive_the_target_up():
    in_flight = InFlight(rate=1000)
    for _ in range(100):
        in_flight.observe(0.01)  # Braze 10 ms away
    for _ in range(2000):
        in_flight.observe(0.5)  # then a queue of our own making
    assert in_flight.latency == pytest.approx(0.5)
    assert in_flight.target == math.ceil(1000 * QUEUEING * 0.01 * HEADROOM + SPARE)  # 62, not 512


def test_braze_own_spread_of_latency_is_followed():
    rng = random.Random(1)
    in_flight = InFlight(rate=1000)
    for _ in range(3000):
        in_flight.observe(rng.uniform(0.05, 0.2))  # 50 to 200 ms from a cloud hub
    assert in_flight.target >= 1000 * 0.125 * 1.2  # the mean, with room to spare


def test_a_fast_first_answer_does_not_pin_the_floor():
    in_flight = InFlight(rate=1000)
    in_flight.observe(0.0005)  # a 400 answered at once, say
    for _ in range(200):
        in_flight.observe(0.1)
    assert in_flight.floor > 0.05
    assert in_flight.target == math.ceil(1000 * 0.1 * HEADROOM + SPARE)
