"""braze.probe against real servers on 127.0.0.1: the simulator for Braze's answers, odd servers
for the rest. The probe must change nothing in the workspace and never repeat the key."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.braze.probe import KeyVerdict, probe_hosts, probe_key, sendable
from looker_braze.sim.braze import SimConfig, running
from tests.check.servers import (
    EU_KEY,
    NO_TRACK_KEY,
    US_KEY,
    closed_port_url,
    odd_server,
    two_instances,
)


async def _probe(url: str, key: str, timeout: float = 5.0):
    async with aiohttp.ClientSession() as session:
        return await probe_key(session, url, key, timeout)


@pytest.mark.parametrize(
    "key, verdict, status",
    [
        (US_KEY, KeyVerdict.ACCEPTED, 400),
        (NO_TRACK_KEY, KeyVerdict.NO_PERMISSION, 403),
        (EU_KEY, KeyVerdict.INVALID_KEY, 401),
        ("not-a-key", KeyVerdict.INVALID_KEY, 401),
    ],
)
async def test_simulator_answers_tell_the_keys_apart(key, verdict, status):
    with two_instances() as braze:
        probe = await _probe(braze.us_url, key)
    assert (probe.verdict, probe.status) == (verdict, status)
    assert probe.verdict.knows_key == (verdict in (KeyVerdict.ACCEPTED, KeyVerdict.NO_PERMISSION))


@pytest.mark.parametrize("state", ["rate_plan", "inactive"])
async def test_a_plan_or_account_refusal_is_told_apart_from_a_missing_permission(state):
    with running(SimConfig(account_state=state)) as (url, _):
        probe = await _probe(url, "sim-key")
    assert (probe.verdict, probe.status) == (KeyVerdict.PLAN_REFUSED, 403)
    assert probe.verdict.knows_key


async def test_the_probe_changes_nothing_in_the_workspace():
    with running(SimConfig(users=50)) as (url, sim):
        before = sim.stats()
        profile_before = sim.profile("external_id", "user-00000007")
        probe = await _probe(url, "sim-key")
        after = sim.stats()
        assert sim.profile("external_id", "user-00000007") == profile_before
    assert probe.verdict is KeyVerdict.ACCEPTED
    assert after["requests"] == {"400": 1}  # the one probe, refused for its empty body
    unchanged = ("users", "objects_received", "objects_processed", "data_points",
                 "attributes_processed", "not_found", "dropped_values")  # fmt: skip
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}


async def test_a_spent_quota_is_told_apart_with_the_wait():
    with running(SimConfig(rate_limit_requests=1, rate_limit_seconds=30)) as (url, _):
        first = await _probe(url, "sim-key")
        second = await _probe(url, "sim-key")
    assert first.verdict is KeyVerdict.ACCEPTED
    assert second.verdict is KeyVerdict.RATE_LIMITED and second.status == 429
    assert second.retry_after is not None and 0 < second.retry_after <= 31  # epoch seconds round up
    assert second.verdict.knows_key


@pytest.mark.parametrize(
    "mode, verdict, status, detail",
    [
        ("missing", KeyVerdict.NOT_FOUND, 404, "Not Found"),
        ("html500", KeyVerdict.UNEXPECTED, 500, "<html>oops</html>"),
        ("redirect", KeyVerdict.UNEXPECTED, 307, "redirected to https://elsewhere.example"),
    ],
)
async def test_answers_of_something_else_than_braze(mode, verdict, status, detail):
    with odd_server(mode) as url:
        probe = await _probe(url, US_KEY)
    assert (probe.verdict, probe.status) == (verdict, status)
    assert detail in probe.detail


async def test_a_host_that_echoes_the_key_does_not_get_it_into_the_detail():
    with odd_server("echo") as url:
        probe = await _probe(url, US_KEY)
    assert probe.verdict is KeyVerdict.INVALID_KEY
    assert US_KEY not in probe.detail and "<the key>" in probe.detail


async def test_no_answer_is_unreachable_not_an_error():
    refused = await _probe(closed_port_url(), US_KEY)
    with odd_server("slow") as url:
        silent = await _probe(url, US_KEY, timeout=0.3)
    assert refused.verdict is KeyVerdict.UNREACHABLE and refused.status is None
    assert "cannot connect" in refused.detail
    assert silent.verdict is KeyVerdict.UNREACHABLE and "0.3 s" in silent.detail


async def test_probe_hosts_asks_every_host_at_once():
    with two_instances() as braze:
        targets = {**braze.hosts, "rest.au-01.braze.com": closed_port_url()}
        async with aiohttp.ClientSession() as session:
            results = await probe_hosts(session, EU_KEY, targets, 5.0)
    assert {host: probe.verdict for host, probe in results.items()} == {
        "rest.iad-01.braze.com": KeyVerdict.INVALID_KEY,
        "rest.fra-01.braze.eu": KeyVerdict.ACCEPTED,
        "rest.au-01.braze.com": KeyVerdict.UNREACHABLE,
    }


async def test_a_key_with_a_line_break_is_not_sent_and_not_echoed():
    key = "abc\r\nX-Injected: secret-part-1234"
    with running(SimConfig()) as (url, sim):
        probe = await _probe(url, key)
        assert sim.stats()["requests"] == {}
    assert probe.verdict is KeyVerdict.UNEXPECTED and "secret" not in probe.detail
    assert not sendable(key) and not sendable("") and sendable(US_KEY)
