"""Braze's less usual answers, as Braze gives them, read by the users/track client over real HTTP
against the simulator configured for each: 202 queued, non-success 2xx, 3xx, 403 and 404, Max
Input Length Exceeded, the contracts' limits."""

from __future__ import annotations

import math
from contextlib import suppress

import aiohttp
import orjson
import pytest

from looker_braze.braze.answers import Answer, failure
from looker_braze.braze.batch import Batch, BatchSize
from looker_braze.braze.client import Dispatcher, RetryPolicy, UsersTrackClient
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit, SlidingWindowLimiter
from looker_braze.errors import BrazeAuthFailed, FailRun, InvalidEndpoint
from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running

FAST = RetryPolicy(max_attempts=3, deadline_seconds=10, backoff_initial=0.01, backoff_max=0.05)
KEY = "key-of-this-workspace-42"


def flag(i: int, label: str = "L") -> dict:
    return {"external_id": population.external_id(i), "looker_export": {"add": [label]}}


def batch_of(objects: list[dict], first: int = 0) -> Batch:
    batch = Batch()
    for i, obj in enumerate(objects, first):
        batch.add(orjson.dumps(obj), i)
    return batch


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def client(url, session, key=KEY, limiter=None, size=None, policy=FAST) -> UsersTrackClient:
    endpoint = parse_endpoint(url, [url])
    return UsersTrackClient(
        endpoint, key, session, limiter or NoLimit(), policy, timeout_seconds=5, batch_size=size
    )


def config(**changes) -> SimConfig:
    return SimConfig(users=2000, api_keys={KEY: KeySpec()}, **changes)


class Collect:
    """A Dispatcher's callbacks: what was accepted, rejected and handed back as failed."""

    def __init__(self) -> None:
        self.accepted, self.rejected, self.failed = [], [], []

    def outcome(self, batch, outcome) -> None:
        self.accepted += outcome.accepted
        self.rejected += outcome.rejected

    def failure(self, batch) -> None:
        self.failed += batch.tags


async def dispatch(c: UsersTrackClient, users: range, in_flight=4) -> tuple[Dispatcher, Collect]:
    """Send ``users`` through a Dispatcher and its own Batcher; the run's failure is kept."""
    seen = Collect()
    dispatcher = Dispatcher(c, in_flight, seen.outcome, seen.failure)
    batcher = dispatcher.batcher()
    with suppress(FailRun):  # the run's failure stays in dispatcher.failure
        for i in users:
            for ready in batcher.add(orjson.dumps(flag(i)), i):
                await dispatcher.submit(ready)
        last = batcher.flush()
        if last is not None:
            await dispatcher.submit(last)
    with suppress(FailRun):
        await dispatcher.drain()
    return dispatcher, seen


# ---------------------------------------------------------------- 2xx answers


async def test_202_queued_is_accepted_and_counted_as_queued(session):
    with running(config(queued_rate=1.0)) as (url, sim):
        dispatcher, seen = await dispatch(client(url, session), range(300))
        assert sorted(seen.accepted) == list(range(300)) and not seen.rejected
        assert sim.stats()["requests"] == {"202": 4}
        assert sim.segment_count("looker_export", "L") == 300  # the data was received
    assert dispatcher.failure is None
    assert dispatcher.notes().queued == 300


async def test_a_share_of_queued_answers_is_counted_exactly(session):
    with running(config(queued_rate=0.5, seed=5)) as (url, sim):
        dispatcher, seen = await dispatch(client(url, session), range(1500))
        queued_requests = sim.stats()["requests"]["202"]
    assert sorted(seen.accepted) == list(range(1500))
    assert 0 < queued_requests < 20
    assert dispatcher.notes().queued == 75 * queued_requests


async def test_a_2xx_with_another_message_confirms_nothing(session):
    with running(config(success_message="partially processed")) as (url, sim):
        outcome = await client(url, session).send(batch_of([flag(i) for i in range(5)]))
        applied = sim.segment_count("looker_export", "L")
    assert outcome.accepted == []
    assert [tag for tag, _ in outcome.rejected] == list(range(5))
    assert {reason for _, reason in outcome.rejected} == {
        'not confirmed by Braze (HTTP 201 "partially processed")'
    }
    assert outcome.messages == ["partially processed"]
    assert applied == 5  # Braze may well have applied them: the client only refuses to assume


async def test_a_2xx_with_another_message_keeps_the_listed_objects_own_reasons(session):
    objects = [flag(0), {"external_id": "x", "braze_id": "y"}, flag(2)]
    with running(config(success_message="Partial Success")) as (url, _):
        outcome = await client(url, session).send(batch_of(objects))
    reasons = dict(outcome.rejected)
    assert outcome.accepted == [] and sorted(reasons) == [0, 1, 2]
    assert "only one of" in reasons[1]
    assert reasons[0] == reasons[2] == 'not confirmed by Braze (HTTP 201 "Partial Success")'


async def test_non_success_messages_are_kept_short_and_once(session):
    long = "processing delayed; " * 20
    with running(config(success_message=long)) as (url, _):
        dispatcher, seen = await dispatch(client(url, session), range(400))
    assert not seen.accepted and len(seen.rejected) == 400
    (message,) = dispatcher.notes().messages
    assert len(message) <= 80 and message.startswith("processing delayed;")


# ---------------------------------------------------------------- 3xx, 401, 403, 404


async def test_a_redirect_to_another_host_is_not_followed_and_nothing_is_sent(session):
    with running(config()) as (elsewhere, other):
        target = f"{elsewhere}/users/track?api_key=secret&x=1"
        with running(config(redirect_rate=1.0, redirect_to=target)) as (url, sim):
            dispatcher, seen = await dispatch(client(url, session), range(200))
            stats = sim.stats()
        assert sum(other.stats()["requests"].values()) == 0  # the key never travelled there
    assert stats["requests"] == {"307": stats["redirected_requests"]}
    assert stats["objects_received"] == 0
    assert seen.accepted == [] and seen.rejected == []
    assert sorted(seen.failed) == list(range(200))  # all handed back: counted as not sent
    message = str(dispatcher.failure)
    assert isinstance(dispatcher.failure, InvalidEndpoint)
    assert "307" in message and elsewhere.removeprefix("http://") in message
    assert "never redirects" in message and "endpoint" in message
    assert "secret" not in message and "/users/track" not in message.split("redirect to")[1]


@pytest.mark.parametrize("status", [301, 302, 308])
async def test_every_redirect_status_stops_the_send(session, status):
    with (
        running(config(redirect_rate=1.0, redirect_status=status)) as (url, _),
        pytest.raises(InvalidEndpoint, match=f"HTTP {status}"),
    ):
        await client(url, session).send(batch_of([flag(0)]))


async def test_401_says_invalid_key_without_the_key(session):
    with running(config()) as (url, sim):
        with pytest.raises(BrazeAuthFailed) as raised:
            await client(url, session, key="not-a-key-77").send(batch_of([flag(0)]))
        assert sim.stats()["requests"] == {"401": 1}
    assert "401" in str(raised.value) and "not-a-key-77" not in str(raised.value)


async def test_404_for_an_unknown_key_names_the_key_and_the_endpoint(session):
    with running(config(unknown_key_status=404)) as (url, sim):
        with pytest.raises(FailRun) as raised:
            await client(url, session, key="not-a-key-77").send(batch_of([flag(0)]))
        assert sim.stats()["requests"] == {"404": 1}  # not retried
    message = str(raised.value)
    assert "404" in message and "API key" in message and "endpoint" in message
    assert url in message  # which endpoint
    assert "not-a-key-77" not in message


@pytest.mark.parametrize(
    ("state", "keys", "expected", "unexpected"),
    [
        ("active", {KEY: KeySpec(permissions=frozenset())}, "users.track", "rate plan"),
        ("rate_plan", {KEY: KeySpec()}, "rate plan", "permission"),
        ("inactive", {KEY: KeySpec()}, "inactivated", "permission"),
    ],
)
async def test_403_tells_a_missing_permission_from_a_plan_or_account(
    session, state, keys, expected, unexpected
):
    with running(SimConfig(users=1, api_keys=keys, account_state=state)) as (url, sim):
        with pytest.raises(BrazeAuthFailed) as raised:
            await client(url, session).send(batch_of([flag(0)]))
        assert sim.stats()["requests"] == {"403": 1}
    message = str(raised.value)
    assert "403" in message and expected in message and unexpected not in message
    assert KEY not in message


# ---------------------------------------------------------------- contracts


async def test_max_input_length_shrinks_the_batches_for_the_rest_of_the_send(session):
    size = BatchSize(75)
    with running(config(contract="mau", max_objects=30)) as (url, sim):
        c = client(url, session, size=size)
        dispatcher, seen = await dispatch(c, range(1000), in_flight=1)
        stats = sim.stats()
    assert sorted(seen.accepted) == list(range(1000)) and not seen.rejected  # nothing rejected
    assert stats["requests"]["400"] == 2  # 75 refused, then 50; every later batch holds 25
    assert size.current == 25 and dispatcher.notes().batch_size == (75, 25)
    assert dispatcher.batcher().max_objects == 25  # batches formed from now on are small


async def test_max_input_length_with_many_batches_in_flight_shrinks_once_per_step(session):
    with running(config(contract="mau")) as (url, sim):  # 50 objects a request
        dispatcher, seen = await dispatch(client(url, session), range(2000), in_flight=8)
        stats = sim.stats()
    assert sorted(seen.accepted) == list(range(2000)) and not seen.rejected
    assert dispatcher.notes().batch_size == (75, 50)
    assert stats["requests"]["400"] <= 9  # the first batches in flight, not every batch
    assert stats["max_objects_in_request"] == 75  # only the refused ones


async def test_the_legacy_contract_takes_75_attributes(session):
    with running(config(contract="legacy")) as (url, sim):
        outcome = await client(url, session).send(batch_of([flag(i) for i in range(75)]))
        assert sim.stats()["requests"] == {"201": 1}
    assert len(outcome.accepted) == 75 and outcome.batch_size is None


async def test_the_hub_stops_when_the_hourly_budget_is_spent(session):
    limiter = SlidingWindowLimiter(3000, 3, hourly_requests=4)
    with running(config(contract="mau", max_objects=75, hourly_limit_requests=4)) as (url, sim):
        dispatcher, seen = await dispatch(client(url, session, limiter=limiter), range(500))
        stats = sim.stats()
    assert stats["requests"] == {"201": 4} and stats["rate_limited_requests"] == 0
    assert len(seen.accepted) == 4 * 75
    message = str(dispatcher.failure)
    assert "hourly limit of 4 Braze requests is used up until" in message
    assert "UTC" in message and "counted as not sent" in message
    assert not seen.rejected and seen.failed  # handed back to be counted as not sent


async def test_braze_asking_to_wait_past_the_policy_stops_the_send(session):
    # The hub does not know the workspace's hourly limit: Braze's 429 says when it comes back.
    with running(config(contract="mau", max_objects=75, hourly_limit_requests=2)) as (url, sim):
        dispatcher, seen = await dispatch(client(url, session), range(300), in_flight=1)
        stats = sim.stats()
    assert stats["requests"] == {"201": 2, "429": 1}  # no retry after the long wait
    assert len(seen.accepted) == 150
    message = str(dispatcher.failure)
    assert "Braze's request limit for this workspace is used up until" in message
    assert "counted as not sent" in message


def test_the_limiters_report_their_steady_rate():
    assert SlidingWindowLimiter(3000, 3).requests_per_second == 1000
    assert SlidingWindowLimiter(3000, 3, hourly_requests=36_000).requests_per_second == 10
    assert NoLimit().requests_per_second == math.inf


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        ("https://user:pw@evil.example:8443/users/track?api_key=k", "evil.example:8443"),
        ("/users/track/", "rest.iad-01.braze.com"),  # relative: the same host
        (None, "nowhere (no Location)"),
        ("http://[::1", "rest.iad-01.braze.com"),  # unreadable: said as the endpoint's
    ],
)
def test_a_redirect_message_names_only_the_host(location, shown):
    endpoint = parse_endpoint("https://rest.iad-01.braze.com", [])
    message = str(failure(Answer(302, {}, location), endpoint))
    assert f"redirect to {shown}." in message
    assert "pw" not in message and "api_key" not in message
