"""The rate limit over real HTTP, in each of Braze's documented header forms."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from looker_braze.sim.braze import BrazeSimulator, SimConfig, running
from looker_braze.sim.braze.contracts import MAU_HOURLY_REQUESTS
from looker_braze.sim.braze.limits import Decision, FixedWindowLimiter, limit_headers

BEARER = {"Authorization": "Bearer sim-key"}
BODY = {"attributes": [{"external_id": "user-00000001", "a": 1}]}
LIMIT_NAMES = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}


async def burst(url: str, count: int, headers=BEARER) -> list[tuple[int, dict]]:
    answers = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            async with session.post(f"{url}/users/track", json=BODY, headers=headers) as answer:
                lowered = {name.lower(): value for name, value in answer.headers.items()}
                answers.append((answer.status, lowered))
    return answers


def limited(style: str, requests: int = 3, seconds: float = 2.0) -> SimConfig:
    return SimConfig(
        users=5, rate_limit_requests=requests, rate_limit_seconds=seconds, rate_limit_headers=style
    )


async def test_epoch_headers_on_every_answer_and_429_beyond_the_quota():
    with running(limited("epoch")) as (url, sim):
        before = time.time()
        answers = await burst(url, 5)
    assert [status for status, _ in answers] == [201, 201, 201, 429, 429]
    assert [int(h["x-ratelimit-remaining"]) for _, h in answers] == [2, 1, 0, 0, 0]
    for _, headers in answers:
        assert headers.keys() >= LIMIT_NAMES
        assert headers["x-ratelimit-limit"] == "3"
        assert before + 1 <= int(headers["x-ratelimit-reset"]) <= before + 4  # epoch seconds
    assert sim.stats()["rate_limited_requests"] == 2
    assert sim.stats()["objects_received"] == 3  # limited requests were not read


async def test_remaining_style_sends_seconds_until_the_reset():
    with running(limited("remaining")) as (url, _):
        answers = await burst(url, 4)
    assert [status for status, _ in answers] == [201, 201, 201, 429]
    assert all(1 <= int(h["x-ratelimit-reset"]) <= 2 for _, h in answers)


async def test_retry_after_style_sends_only_retry_after_on_429():
    with running(limited("retry-after")) as (url, _):
        answers = await burst(url, 4)
    passed, refused = answers[0][1], answers[3][1]
    assert passed.keys() >= LIMIT_NAMES
    assert 1 <= int(passed["x-ratelimit-reset"]) <= 2
    assert answers[3][0] == 429
    assert not LIMIT_NAMES & refused.keys()
    assert 1 <= int(refused["x-ratelimit-retry-after"]) <= 2


async def test_the_quota_comes_back_when_the_window_ends():
    with running(limited("epoch", requests=2, seconds=0.3)) as (url, _):
        first = await burst(url, 3)
        await asyncio.sleep(0.35)
        second = await burst(url, 2)
    assert [status for status, _ in first + second] == [201, 201, 429, 201, 201]


async def test_bad_keys_do_not_use_the_quota():
    with running(limited("epoch", requests=2)) as (url, sim):
        refused = await burst(url, 5, headers={"Authorization": "Bearer wrong"})
        answers = await burst(url, 2)
    assert {status for status, _ in refused} == {401}
    assert [status for status, _ in answers] == [201, 201]
    assert sim.stats()["rate_limited_requests"] == 0


async def test_no_limit_configured_sends_no_limit_headers():
    with running(SimConfig(users=5)) as (url, _):
        answers = await burst(url, 3)
    assert all(status == 201 and not LIMIT_NAMES & h.keys() for status, h in answers)


async def test_the_limit_can_be_changed_at_run_time():
    with running(SimConfig(users=5)) as (url, _):
        async with aiohttp.ClientSession() as session:
            change = {"rate_limit_requests": 1, "rate_limit_headers": "retry-after"}
            async with session.put(f"{url}/sim/faults", json=change) as answer:
                assert answer.status == 200
                assert (await answer.json())["rate_limit_requests"] == 1
        answers = await burst(url, 2)
    assert [status for status, _ in answers] == [201, 429]
    assert "x-ratelimit-retry-after" in answers[1][1]


@pytest.mark.parametrize(
    ("lowercase", "name"), [(False, b"X-RateLimit-Limit"), (True, b"x-ratelimit-limit")]
)
def test_header_names_follow_the_lowercase_switch(lowercase, name):
    decision = Decision(True, 10, 9, 1_000_003.2, 1_000_000.0)
    assert limit_headers(decision, "epoch", lowercase)[0] == (name, b"10")
    assert limit_headers(decision, "epoch", lowercase)[2][1] == b"1000004"
    assert limit_headers(decision, "remaining", lowercase)[2][1] == b"4"


def test_the_window_counts_requests_on_its_clock():
    now = [100.0]
    limiter = FixedWindowLimiter(2, 3.0, clock=lambda: now[0])
    assert [limiter.take().allowed for _ in range(3)] == [True, True, False]
    now[0] = 102.9
    assert not limiter.take().allowed
    now[0] = 103.0
    decision = limiter.take()
    assert (decision.allowed, decision.remaining, decision.reset_at) == (True, 1, 106.0)


def mau(hourly: int, seconds: float = 3600.0, **changes) -> SimConfig:
    return SimConfig(
        users=5, contract="mau", hourly_limit_requests=hourly, hourly_limit_seconds=seconds,
        **changes,
    )  # fmt: skip


async def test_the_mau_contract_refuses_past_its_hourly_limit_with_the_hour_reset():
    with running(mau(3, rate_limit_requests=100)) as (url, sim):
        before = time.time()
        answers = await burst(url, 5)
        stats = sim.stats()
    assert [status for status, _ in answers] == [201, 201, 201, 429, 429]
    assert answers[3][1]["x-ratelimit-limit"] == "3"  # the hourly window's headers
    assert before + 3500 <= int(answers[3][1]["x-ratelimit-reset"]) <= before + 3602
    assert answers[0][1]["x-ratelimit-limit"] == "100"  # passing answers: the burst window's
    assert stats["hourly_limited_requests"] == stats["rate_limited_requests"] == 2
    assert stats["objects_received"] == 3


async def test_an_hourly_refusal_does_not_use_the_burst_quota():
    with running(mau(2, seconds=0.4, rate_limit_requests=3, rate_limit_seconds=60)) as (url, _):
        first = await burst(url, 3)
        await asyncio.sleep(0.45)  # the "hour" is over; the burst window is not
        second = await burst(url, 2)
    assert [status for status, _ in first + second] == [201, 201, 429, 201, 429]
    assert second[1][1]["x-ratelimit-limit"] == "3"  # refused by the burst window this time


async def test_the_mau_contract_has_an_hourly_limit_by_default():
    sim = BrazeSimulator(SimConfig(contract="mau"))
    assert sim.terms.hourly_requests == MAU_HOURLY_REQUESTS
    assert sim.terms.max_objects == 50
    assert BrazeSimulator(SimConfig()).terms.hourly_requests is None


async def test_the_hourly_limit_retry_after_form():
    with running(mau(1, rate_limit_headers="retry-after")) as (url, _):
        answers = await burst(url, 2)
    assert answers[1][0] == 429
    assert 3500 <= int(answers[1][1]["x-ratelimit-retry-after"]) <= 3600


def test_the_simulator_settles_its_heap_so_collector_passes_do_not_stall_its_counting():
    # A full pass over a workspace of millions of values stalled the simulator long enough to
    # bunch the requests waiting on it into one window (429s real Braze would not answer).
    import gc

    from looker_braze.sim.braze.simulator import FREEZE_EVERY

    sim = BrazeSimulator(SimConfig(users=0))
    before = gc.get_freeze_count()
    objects = [{"external_id": f"u{i}", "tier": "gold"} for i in range(75)]
    for _ in range(FREEZE_EVERY // 75 + 1):
        assert sim.track({"attributes": objects})[0] in (200, 201)
    assert gc.get_freeze_count() > before
