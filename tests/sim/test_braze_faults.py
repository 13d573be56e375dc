"""Fault injection over real HTTP: 5xx shares, latency, connections really dropped."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from looker_braze.sim.braze import SimConfig, running
from looker_braze.sim.braze.faults import FaultInjector, FaultSettings

BEARER = {"Authorization": "Bearer sim-key"}
BODY = {"attributes": [{"external_id": "user-00000001", "tags": {"add": ["a"]}}]}


async def send(session: aiohttp.ClientSession, url: str) -> int | str:
    """The status, or "dropped" when the connection closed without an answer."""
    try:
        async with session.post(f"{url}/users/track", json=BODY, headers=BEARER) as answer:
            await answer.read()
            return answer.status
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
        return "dropped"


async def statuses(url: str, count: int) -> list[int | str]:
    async with aiohttp.ClientSession() as session:
        return [await send(session, url) for _ in range(count)]


async def test_the_share_of_server_errors_is_about_as_configured():
    with running(SimConfig(users=5, error_rate=0.3, seed=7)) as (url, sim):
        seen = await statuses(url, 300)
    errors = [status for status in seen if status != 201]
    assert set(errors) <= {500, 502, 503, 504}
    assert len(set(errors)) >= 3  # a mix, not one code
    assert 0.2 <= len(errors) / len(seen) <= 0.4
    counted = sim.stats()["requests"]
    assert sum(n for code, n in counted.items() if code.startswith("5")) == len(errors)
    assert sim.stats()["objects_received"] == seen.count(201)  # a 5xx processed nothing


async def test_gateway_errors_answer_html_and_500_answers_json():
    with running(SimConfig(error_rate=1.0, seed=1)) as (url, _):
        async with aiohttp.ClientSession() as session:
            kinds = {}
            for _ in range(40):
                async with session.post(f"{url}/users/track", json=BODY, headers=BEARER) as answer:
                    kinds[answer.status] = answer.content_type
    assert kinds.get(500) == "application/json"
    assert {kinds[code] for code in (502, 503, 504) if code in kinds} == {"text/html"}


async def test_the_same_seed_gives_the_same_faults():
    runs = []
    for _ in range(2):
        with running(SimConfig(users=5, error_rate=0.5, seed=42)) as (url, _):
            runs.append(await statuses(url, 40))
    assert runs[0] == runs[1]
    assert len(set(runs[0])) > 1


async def test_dropped_connections_really_drop_and_serving_goes_on():
    with running(SimConfig(users=5, drop_rate=1.0)) as (url, sim):
        assert await statuses(url, 3) == ["dropped"] * 3
        assert sim.stats()["requests"] == {"dropped": 3}
        sim.set_faults(drop_rate=0.0)
        assert await statuses(url, 2) == [201, 201]


async def test_a_share_of_connections_drops():
    with running(SimConfig(users=5, drop_rate=0.5, seed=3)) as (url, sim):
        seen = await statuses(url, 100)
    assert 30 <= seen.count("dropped") <= 70
    assert set(seen) == {"dropped", 201}
    assert sim.stats()["requests"]["dropped"] == seen.count("dropped")


async def test_latency_delays_answers_without_blocking_others():
    with running(SimConfig(users=5, latency_ms=(150, 200))) as (url, _):
        async with aiohttp.ClientSession() as session:
            started = time.perf_counter()
            answers = await asyncio.gather(*(send(session, url) for _ in range(10)))
            elapsed = time.perf_counter() - started
    assert answers == [201] * 10
    assert 0.15 <= elapsed < 1.5  # ten delayed requests overlap: not 10 x 150 ms


async def test_faults_change_over_http():
    with running(SimConfig(users=5)) as (url, _):
        async with aiohttp.ClientSession() as session:
            async with session.put(f"{url}/sim/faults", json={"error_rate": 1.0}) as answer:
                assert (await answer.json())["error_rate"] == 1.0
            assert {await send(session, url) for _ in range(5)} <= {500, 502, 503, 504}
            bad = {"error_rate": 2, "latency_ms": [5, 1], "nonsense": 1}
            async with session.put(f"{url}/sim/faults", json=bad) as answer:
                assert answer.status == 400
                assert (await answer.json())["errors"]
            async with session.get(f"{url}/sim/faults") as answer:
                assert (await answer.json())["error_rate"] == 1.0  # a bad change changed nothing


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"error_rate": 1.5}, "error rate"),
        ({"drop_rate": -0.1}, "drop rate"),
        ({"latency_ms": (10, 5)}, "latency"),
        ({"rate_limit_requests": 0}, "rate limit"),
        ({"rate_limit_seconds": 0}, "window"),
        ({"rate_limit_headers": "sometimes"}, "rate_limit_headers"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_set_faults_refuses_bad_settings(changes, problem):
    from looker_braze.errors import ConfigError
    from looker_braze.sim.braze import BrazeSimulator

    sim = BrazeSimulator(SimConfig())
    with pytest.raises(ConfigError) as raised:
        sim.set_faults(**changes)
    assert problem in str(raised.value)


def test_no_faults_draw_nothing():
    injector = FaultInjector(FaultSettings(), seed=1)
    assert {injector.draw() for _ in range(100)} == {(0.0, False, None, False, False, False)}


def test_sim_config_lists_every_problem_at_once():
    from looker_braze.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        SimConfig(users=-1, api_keys={}, error_rate=3, array_cap=0, rate_limit_headers="x")
    assert len(raised.value.problems) == 5


async def test_a_share_of_requests_is_queued_and_a_share_redirected():
    config = SimConfig(users=5, queued_rate=0.3, redirect_rate=0.2, seed=11)
    with running(config) as (url, sim):
        async with aiohttp.ClientSession() as session:
            seen = []
            for _ in range(300):
                async with session.post(
                    f"{url}/users/track", json=BODY, headers=BEARER, allow_redirects=False
                ) as answer:
                    seen.append(answer.status)
        stats = sim.stats()
    assert set(seen) == {201, 202, 307}
    assert 0.1 <= seen.count(307) / 300 <= 0.3
    assert 0.15 <= seen.count(202) / (300 - seen.count(307)) <= 0.45
    assert stats["queued_answers"] == seen.count(202)
    assert stats["objects_received"] == seen.count(201) + seen.count(202)


async def test_answers_change_over_http_and_reset_restores_the_start():
    with running(SimConfig(users=5)) as (url, sim):
        async with aiohttp.ClientSession() as session:
            change = {"account_state": "inactive", "contract": "legacy", "max_objects": 10,
                      "success_message": "ok-ish", "unknown_key_status": 404,
                      "hourly_limit_requests": 7, "redirect_status": 308}  # fmt: skip
            async with session.put(f"{url}/sim/faults", json=change) as answer:
                settings = await answer.json()
            assert answer.status == 200 and settings.items() >= change.items()
            assert await send(session, url) == 403
            assert sim.terms.per_array and sim.terms.max_objects == 10
            async with session.put(f"{url}/sim/faults", json={"account_state": "x"}) as answer:
                assert answer.status == 400
            async with session.get(f"{url}/sim/faults") as answer:
                assert (await answer.json())["account_state"] == "inactive"
        sim.reset()
        assert sim.fault_settings()["account_state"] == "active"
        assert sim.terms.max_objects == 75 and sim.terms.hourly_requests is None


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"queued_rate": 2}, "queued_rate"),
        ({"redirect_rate": -1}, "redirect_rate"),
        ({"redirect_status": 200}, "redirect_status"),
        ({"redirect_to": "elsewhere"}, "redirect_to"),
        ({"unknown_key_status": 403}, "unknown_key_status"),
        ({"account_state": "closed"}, "account_state"),
        ({"contract": "gold"}, "contract"),
        ({"max_objects": 0}, "max_objects"),
        ({"hourly_limit_requests": 0}, "hourly_limit_requests"),
        ({"hourly_limit_seconds": 0}, "hourly_limit_seconds"),
    ],
)
def test_set_faults_refuses_bad_answer_settings(changes, problem):
    from looker_braze.errors import ConfigError
    from looker_braze.sim.braze import BrazeSimulator

    sim = BrazeSimulator(SimConfig())
    with pytest.raises(ConfigError) as raised:
        sim.set_faults(**changes)
    assert problem in str(raised.value)
    with pytest.raises(ConfigError):
        SimConfig(**changes)  # the same rules at start


def test_a_share_left_at_zero_does_not_change_the_other_faults_sequence():
    plain = FaultInjector(FaultSettings(error_rate=0.5), seed=4)
    with_zero = FaultInjector(FaultSettings(error_rate=0.5, queued_rate=0.0), seed=4)
    assert [plain.draw() for _ in range(50)] == [with_zero.draw() for _ in range(50)]
