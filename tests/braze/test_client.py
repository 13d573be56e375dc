"""The users/track client against the Braze simulator over real HTTP."""

from __future__ import annotations

import time

import aiohttp
import orjson
import pytest

from looker_braze.braze.batch import Batch, Batcher
from looker_braze.braze.client import (
    BatchOutcome,
    Dispatcher,
    RetryPolicy,
    UsersTrackClient,
)
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit, SlidingWindowLimiter
from looker_braze.braze.requester import retry_after_seconds
from looker_braze.errors import BrazeAuthFailed, FailRun
from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running

FAST = RetryPolicy(max_attempts=6, deadline_seconds=30, backoff_initial=0.01, backoff_max=0.05)


def batch_of(objects: list[dict]) -> Batch:
    batch = Batch()
    for i, obj in enumerate(objects):
        batch.add(orjson.dumps(obj), i)
    return batch


def flag(i: int, label: str = "L") -> dict:
    return {"external_id": population.external_id(i), "looker_export": {"add": [label]}}


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


class Requests:
    """Counts what the client says it sent (a RequestCounter)."""

    def __init__(self) -> None:
        self.made = self.retries = 0

    def request_made(self, retry: bool) -> None:
        self.made += 1
        self.retries += retry


def client(
    url, session, key="sim-key", limiter=None, policy=FAST, counter=None
) -> UsersTrackClient:
    endpoint = parse_endpoint(url, [url])
    return UsersTrackClient(
        endpoint, key, session, limiter or NoLimit(), policy, timeout_seconds=5, counter=counter
    )


async def test_accepted_batch(session):
    with running(SimConfig(users=10)) as (url, sim):
        outcome = await client(url, session).send(batch_of([flag(i) for i in range(10)]))
        assert outcome.accepted == list(range(10)) and outcome.rejected == []
        assert sim.segment_count("looker_export", "L") == 10


async def test_per_object_errors_are_traced_to_their_objects(session):
    objects = [flag(0), {"external_id": "x", "braze_id": "y"}, flag(2), {"nothing": 1}]
    with running(SimConfig(users=10)) as (url, _):
        outcome = await client(url, session).send(batch_of(objects))
    assert outcome.accepted == [0, 2]
    assert [tag for tag, _ in outcome.rejected] == [1, 3]
    assert all(reason for _, reason in outcome.rejected)


async def test_every_object_invalid_is_a_400_and_all_are_rejected(session):
    with running(SimConfig(users=10)) as (url, _):
        outcome = await client(url, session).send(batch_of([{"nothing": 1}, {"nothing": 2}]))
    assert outcome.accepted == [] and [tag for tag, _ in outcome.rejected] == [0, 1]


async def test_413_splits_the_batch_until_it_fits(session):
    with running(SimConfig(users=75, max_bytes=2000)) as (url, sim):
        objects = [{**flag(i), "bio": "x" * 100} for i in range(75)]
        outcome = await client(url, session).send(batch_of(objects))
        assert sorted(outcome.accepted) == list(range(75))
        assert sim.stats()["requests"].get("413", 0) >= 1


@pytest.mark.parametrize("style", ["epoch", "remaining", "retry-after"])
async def test_429_waits_as_braze_says_and_delivers(session, style):
    config = SimConfig(
        users=100, rate_limit_requests=3, rate_limit_seconds=1, rate_limit_headers=style
    )
    with running(config) as (url, sim):
        requests = Requests()
        lax = SlidingWindowLimiter(1000, 1)  # a limiter that is too lax
        c = client(url, session, limiter=lax, counter=requests)
        outcome = BatchOutcome()
        for start in range(0, 100, 10):
            outcome.merge(await c.send(batch_of([flag(i) for i in range(start, start + 10)])))
        assert len(outcome.accepted) == 100 and requests.retries > 0
        assert requests.made == sum(sim.stats()["requests"].values()) == 10 + requests.retries
        assert sim.segment_count("looker_export", "L") == 100


async def test_lower_case_headers_are_understood(session):
    config = SimConfig(
        users=20, rate_limit_requests=1, rate_limit_seconds=1, lowercase_headers=True
    )
    with running(config) as (url, _):
        c = client(url, session)
        for i in range(3):
            assert (await c.send(batch_of([flag(i)]))).accepted == [0]


async def test_5xx_and_dropped_connections_are_retried(session):
    with running(SimConfig(users=300, error_rate=0.3, drop_rate=0.1, seed=3)) as (url, sim):
        c = client(url, session)
        accepted = 0
        for start in range(0, 300, 30):
            accepted += len(
                (await c.send(batch_of([flag(i) for i in range(start, start + 30)]))).accepted
            )
        assert accepted == 300
        assert sim.segment_count("looker_export", "L") == 300


async def test_braze_down_fails_the_run_after_a_bounded_number_of_attempts(session):
    with running(SimConfig(users=1, error_rate=1.0)) as (url, sim):
        started = time.monotonic()
        requests = Requests()
        with pytest.raises(FailRun, match=f"kept failing .* after {FAST.max_attempts} attempts"):
            await client(url, session, counter=requests).send(batch_of([flag(0)]))
        assert time.monotonic() - started < 10
        assert sum(sim.stats()["requests"].values()) == FAST.max_attempts
        # The failed batch's requests and retries are counted all the same.
        assert (requests.made, requests.retries) == (FAST.max_attempts, FAST.max_attempts - 1)


async def test_401_and_403_fail_fast_without_showing_the_key(session):
    keys = {"good": KeySpec(), "no-track": KeySpec(permissions=frozenset())}
    with running(SimConfig(users=1, api_keys=keys)) as (url, sim):
        with pytest.raises(BrazeAuthFailed) as unauthorized:
            await client(url, session, key="wrong-key-123").send(batch_of([flag(0)]))
        with pytest.raises(BrazeAuthFailed) as forbidden:
            await client(url, session, key="no-track").send(batch_of([flag(0)]))
        assert sum(sim.stats()["requests"].values()) == 2  # no retries
    assert "401" in str(unauthorized.value) and "wrong-key-123" not in str(unauthorized.value)
    assert "users.track" in str(forbidden.value) and "no-track" not in str(forbidden.value)


async def test_dispatcher_sends_everything_and_stops_at_the_first_fatal_error(session):
    with running(SimConfig(users=1000, latency_ms=(1, 5))) as (url, sim):
        accepted, failed = [], []
        dispatcher = Dispatcher(
            client(url, session),
            8,
            lambda b, o: accepted.extend(o.accepted),
            lambda b: failed.append(b),
        )
        batcher = Batcher()
        for i in range(1000):
            for ready in batcher.add(orjson.dumps(flag(i)), i):
                await dispatcher.submit(ready)
        await dispatcher.submit(batcher.flush())
        await dispatcher.drain()
        assert sorted(accepted) == list(range(1000)) and not failed
        assert sim.stats()["max_objects_in_request"] == 75

        bad = Dispatcher(
            client(url, session, key="nope"), 4, lambda b, o: None, lambda b: failed.append(b)
        )
        with pytest.raises(BrazeAuthFailed):
            for _ in range(20):
                await bad.submit(batch_of([flag(0)]))
            await bad.drain()
        assert failed  # the failed batches are handed back for accounting


@pytest.mark.parametrize(
    "headers, expected",
    [
        ({"X-Ratelimit-Retry-After": "2.5"}, 2.5),
        ({"x-ratelimit-retry-after": "3"}, 3.0),
        ({"X-RateLimit-Reset": "4"}, 4.0),
        ({"X-RateLimit-Reset": str(1_700_000_010)}, 10.0),
        ({"Retry-After": "1"}, 1.0),
        ({}, 1.0),
    ],
)
def test_retry_after_in_every_documented_form(headers, expected):
    assert retry_after_seconds(headers, now=1_700_000_000) == pytest.approx(expected)
