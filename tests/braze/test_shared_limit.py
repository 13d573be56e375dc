"""The Redis rate limit shared by processes: exact on Redis's clock, honoured by the Braze
simulator, paused for everyone by one 429, and still limiting when Redis is away."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid

import pytest
from redis import asyncio as aioredis

from looker_braze.braze.ratelimit import SlidingWindowLimiter
from looker_braze.braze.shared_limit import RedisSlidingWindowLimiter, shared_limiter
from looker_braze.errors import FailRun
from looker_braze.sim.braze import SimConfig, running

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]

MICROSECOND = 1e-6  # Redis TIME's granularity

# One hub replica: `tasks` coroutines acquiring for `duration` seconds from the start time the
# test writes to its stdin once every replica said "ready" (imports take a while under load).
# With a simulator URL each acquisition is followed by a real POST /users/track.
WORKER = """
import asyncio, json, sys, time
import aiohttp
from looker_braze.braze.shared_limit import RedisSlidingWindowLimiter

async def main(redis_url, key, requests, seconds, margin, duration, tasks, sim_url):
    limiter = RedisSlidingWindowLimiter(redis_url, key, requests, seconds, margin_seconds=margin)
    stamps, statuses = [], []
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    until = start + duration
    await asyncio.sleep(max(0, start - time.time()))
    async with aiohttp.ClientSession() as session:
        async def one_replica_task(number):
            while time.time() < until:
                stamps.append(await limiter.admit())
                if sim_url:
                    body = {"attributes": [{"external_id": f"u{number}", "tier": "gold"}]}
                    headers = {"Authorization": "Bearer sim-key"}
                    async with session.post(sim_url, json=body, headers=headers) as answer:
                        statuses.append(answer.status)
        await asyncio.gather(*(one_replica_task(n) for n in range(tasks)))
    await limiter.aclose()
    print(json.dumps({"stamps": stamps, "statuses": statuses}))

asyncio.run(main(*json.loads(sys.argv[1])))
"""


def replicas(count: int, *args) -> list[dict]:
    """Run ``count`` worker processes, started together once all are ready; what each printed."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, json.dumps(list(args))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    start = time.time() + 0.2
    for process in processes:
        process.stdin.write(f"{start}\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return results


def most_in_any_window(stamps: list[float], seconds: float) -> int:
    """The largest number of stamps in any half-open window [t, t + seconds)."""
    stamps = sorted(stamps)
    most, first = 0, 0
    for last, stamp in enumerate(stamps):
        while stamp - stamps[first] >= seconds - MICROSECOND:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_three_processes_never_exceed_the_limit_in_any_window(redis_url):
    requests, seconds, duration = 30, 1.0, 3.0
    results = replicas(
        3, redis_url, f"test-{uuid.uuid4()}", requests, seconds, 0.0, duration, 4, ""
    )
    stamps = [stamp for result in results for stamp in result["stamps"]]
    # Slots go out in the order processes ask: nobody starves (the first window's burst may
    # go to whoever asked first).
    assert min(len(result["stamps"]) for result in results) >= requests / 3
    assert most_in_any_window(stamps, seconds) == requests  # full, and never more
    # Not merely slow: the limit is used (three windows open within the run; the slack of one
    # is for a machine so loaded that the first acquisitions come late).
    assert len(stamps) >= requests * (duration / seconds - 1)


def test_processes_sending_to_the_simulator_are_never_rate_limited(redis_url):
    requests, seconds, duration = 20, 1.0, 3.0
    config = SimConfig(rate_limit_requests=requests, rate_limit_seconds=seconds)
    with running(config) as (url, sim):
        results = replicas(
            3, redis_url, f"test-{uuid.uuid4()}", requests, seconds, 0.1, duration, 4,
            f"{url}/users/track",
        )  # fmt: skip
        stats = sim.stats()
    statuses = [status for result in results for status in result["statuses"]]
    assert stats["rate_limited_requests"] == 0
    assert set(statuses) == {201}
    assert stats["requests"].get("201", 0) == len(statuses)
    assert len(statuses) >= requests * (duration / seconds - 1)  # the limit was used


async def test_a_429_seen_by_one_process_pauses_the_others(redis_url):
    key = f"test-{uuid.uuid4()}"
    seen_429 = RedisSlidingWindowLimiter(redis_url, key, 100, 1.0)
    other = RedisSlidingWindowLimiter(redis_url, key, 100, 1.0)  # its own Redis connection
    clock = aioredis.Redis.from_url(redis_url)
    try:
        seconds, micros = await clock.time()
        paused_at = seconds + micros / 1e6
        seen_429.pause(0.4)
        await asyncio.sleep(0.05)  # the shared pause is written in the background
        assert await other.admit() >= paused_at + 0.4
    finally:
        await seen_429.aclose()
        await other.aclose()
        await clock.aclose()


async def test_the_redis_keys_do_not_hold_the_workspace_text(redis_url):
    workspace = f"https://rest.iad-01.braze.com#keyhash-{uuid.uuid4().hex}"
    limiter = RedisSlidingWindowLimiter(redis_url, workspace, 5, 1.0)
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await limiter.acquire()
        limiter.pause(0.01)
        await asyncio.sleep(0.05)
        keys = [key async for key in client.scan_iter(match="looker-braze:ratelimit:*")]
        assert keys and not any("keyhash" in key or "braze.com" in key for key in keys)
    finally:
        await limiter.aclose()
        await client.aclose()


async def test_without_redis_each_process_still_limits_itself(caplog):
    limiter = RedisSlidingWindowLimiter("redis://127.0.0.1:1/0", "down", 3, 0.3, margin_seconds=0)
    started = time.monotonic()
    stamps = [await limiter.admit() for _ in range(7)]
    assert time.monotonic() - started >= 0.6 - 0.01  # 7 at 3 per 0.3 s need two more windows
    assert stamps[3] - stamps[0] >= 0.3 - 0.01
    assert sum("Redis unreachable" in r.getMessage() for r in caplog.records) == 1  # once
    await limiter.aclose()


async def test_shared_limiter_picks_redis_only_when_configured(redis_url):
    assert isinstance(shared_limiter(None, "w", 10, 1.0), SlidingWindowLimiter)
    limiter = shared_limiter(redis_url, "w", 10, 1.0)
    assert isinstance(limiter, RedisSlidingWindowLimiter)
    await limiter.aclose()


async def test_the_hourly_budget_is_shared_and_holds_in_every_window(redis_url):
    key = f"test-{uuid.uuid4()}"
    hourly, hour = 6, 0.5  # a short "hour": the same code, seconds instead of an hour
    shape = {"margin_seconds": 0, "hourly_requests": hourly, "hourly_seconds": hour}
    limiters = [RedisSlidingWindowLimiter(redis_url, key, 1000, 1.0, **shape) for _ in range(2)]
    stamps: list[float] = []

    async def replica(limiter):
        until = time.monotonic() + 1.6
        while time.monotonic() < until:
            stamps.append(await limiter.admit(max_wait=5))

    try:
        await asyncio.gather(*(replica(limiter) for limiter in limiters))
    finally:
        for limiter in limiters:
            await limiter.aclose()
    assert most_in_any_window(stamps, hour) == hourly  # full, never more
    assert len(stamps) >= hourly * 3  # and it came back window after window


async def test_a_spent_hourly_budget_refuses_without_reserving(redis_url):
    key = f"test-{uuid.uuid4()}"
    first = RedisSlidingWindowLimiter(redis_url, key, 100, 1.0, hourly_requests=3)
    other = RedisSlidingWindowLimiter(redis_url, key, 100, 1.0, hourly_requests=3)
    try:
        for limiter in (first, other, first):
            await limiter.acquire(max_wait=60)
        for limiter in (other, first, other):  # refused again and again: nothing reserved
            with pytest.raises(FailRun, match="hourly limit of 3 Braze requests is used up"):
                await limiter.acquire(max_wait=60)
        assert first.requests_per_second == pytest.approx(3 / 3600, rel=1e-3)  # + the margin
    finally:
        await first.aclose()
        await other.aclose()


async def test_the_shared_pace_spreads_requests_across_processes(redis_url):
    key = f"test-{uuid.uuid4()}"
    limiters = [RedisSlidingWindowLimiter(redis_url, key, 200, 1.0, margin_seconds=0) for _ in "ab"]
    try:
        stamps = sorted(
            [await limiter.admit() for _ in range(30) for limiter in limiters]
        )  # 60 slots, one every 5 ms after a burst of 10
    finally:
        for limiter in limiters:
            await limiter.aclose()
    assert stamps[-1] - stamps[0] >= (60 - 10 - 1) * 0.005 - 0.001
    assert most_in_any_window(stamps, 0.05) <= 10 + 10 + 1
