"""The Braze settings checks: endpoint rules (the hub's), and the key tried on real simulators of
two instances standing in for Braze's hosts, probing included. The key is never in a message."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.braze.instances import REST_HOSTS
from looker_braze.check import CheckRequest, Status, run_check
from looker_braze.check.endpoint import braze_targets, endpoint_findings
from looker_braze.check.findings import mask_key
from tests.check.servers import (
    ALL_KEYS,
    EU_HOST,
    EU_KEY,
    EU_NO_TRACK_KEY,
    NO_TRACK_KEY,
    US_HOST,
    US_KEY,
    closed_port_url,
    two_instances,
)

US_ENDPOINT = f"https://{US_HOST}"


def _statuses(findings):
    return [(f.check, f.status) for f in findings]


@pytest.mark.parametrize(
    "raw, status, words",
    [
        ("https://rest.iad-01.braze.com", Status.PASS, "instance US-01"),
        ("https://rest.fra-02.braze.eu/", Status.PASS, "instance EU-02"),
        ("https://rest.us-10.braze.com", Status.PASS, "instance US-10"),
        ("https://dashboard-03.braze.com", Status.PROBLEM, "https://rest.iad-03.braze.com"),
        ("rest.iad-02.braze.com", Status.PROBLEM, "no protocol"),
        ("https://rest.notbraze.com", Status.PROBLEM, "not a Braze REST endpoint"),
        ("https://rest.iad-01.braze.com/users/track", Status.PROBLEM, "bare REST address"),
        ("https://x.example/?.braze.com", Status.PROBLEM, "bare REST address"),
        ("", Status.PROBLEM, "missing"),
    ],
)
def test_endpoints_are_judged_by_the_hubs_own_rules(raw, status, words):
    endpoint, findings = endpoint_findings(raw)
    assert findings[0].status is status and words in findings[0].message
    assert (endpoint is None) == (status is Status.PROBLEM)


def test_a_host_of_brazes_pattern_not_documented_yet_is_admitted_with_a_warning():
    endpoint, findings = endpoint_findings("https://rest.sfo-01.braze.com")
    assert endpoint.instance == "SFO-01"
    assert _statuses(findings) == [("endpoint", Status.PASS), ("endpoint", Status.WARNING)]
    assert "not one of the instances Braze documents" in findings[1].message


def test_http_is_upgraded_with_a_warning_and_extra_endpoints_are_admitted():
    endpoint, findings = endpoint_findings("http://rest.au-01.braze.com")
    assert endpoint.base_url == "https://rest.au-01.braze.com"
    assert _statuses(findings) == [("endpoint", Status.PASS), ("endpoint", Status.WARNING)]
    endpoint, findings = endpoint_findings("http://127.0.0.1:9/", ("http://127.0.0.1:9",))
    assert endpoint.instance == "custom" and "LOOKER_BRAZE_EXTRA_ENDPOINTS" in findings[0].message
    _, findings = endpoint_findings("http://127.0.0.1:9/")
    assert findings[0].status is Status.PROBLEM


def test_without_stand_ins_only_brazes_own_hosts_are_ever_probed():
    targets = braze_targets(None)
    assert set(targets) == set(REST_HOSTS.values())
    assert all(url == f"https://{host}" for host, url in targets.items())


async def _key_check(braze, key, probe=False, endpoint=US_ENDPOINT, hosts=None):
    request = CheckRequest(
        endpoint=endpoint, api_key=key, probe_instances=probe,
        braze_hosts=hosts or braze.hosts, timeout_seconds=5,
    )  # fmt: skip
    findings = await run_check(request)
    for finding in findings:
        assert not any(k in finding.message for k in ALL_KEYS), finding
    return findings[1:]  # the endpoint's line is tested above


async def test_a_working_key_passes():
    with two_instances() as braze:
        findings = await _key_check(braze, US_KEY)
        eu = await _key_check(braze, EU_KEY, endpoint=f"https://{EU_HOST}")
    assert _statuses(findings) == [("key", Status.PASS)]
    assert mask_key(US_KEY) in findings[0].message and "users.track" in findings[0].message
    assert "EU-01" in eu[0].message and eu[0].status is Status.PASS


async def test_a_key_without_users_track_is_told_so():
    with two_instances() as braze:
        findings = await _key_check(braze, NO_TRACK_KEY, probe=True)
    assert _statuses(findings) == [("key", Status.PROBLEM)]
    assert "lacks the users.track permission (403" in findings[0].message


async def test_a_refused_key_without_probing_suggests_probing():
    with two_instances() as braze:
        findings = await _key_check(braze, EU_KEY)
        asked = braze.eu.stats()["requests"]
    assert _statuses(findings) == [("key", Status.PROBLEM)]
    assert "(401)" in findings[0].message and "--probe-instances" in findings[0].message
    assert asked == {}  # without --probe-instances the key goes nowhere else


async def test_probing_finds_the_instance_the_key_belongs_to():
    with two_instances() as braze:
        findings = await _key_check(braze, EU_KEY, probe=True)
    assert _statuses(findings) == [("key", Status.PROBLEM)]
    assert "this key belongs to EU-01, use https://rest.fra-01.braze.eu" in findings[0].message


async def test_probing_says_when_the_key_lacks_the_permission_at_home_too():
    with two_instances() as braze:
        findings = await _key_check(braze, EU_NO_TRACK_KEY, probe=True)
    assert "belongs to EU-01" in findings[0].message
    assert "lacks it there too" in findings[0].message


async def test_a_key_no_instance_knows_is_invalid_and_unreachable_hosts_are_named():
    with two_instances() as braze:
        hosts = {**braze.hosts, "rest.jp-01.braze.com": closed_port_url()}
        findings = await _key_check(braze, "revoked-key-0000000000000", probe=True, hosts=hosts)
    assert _statuses(findings) == [("key", Status.PROBLEM), ("key.instance", Status.WARNING)]
    assert "none of the 2 other Braze REST hosts" in findings[0].message
    assert "invalid or revoked" in findings[0].message
    assert "rest.jp-01.braze.com" in findings[1].message


async def test_an_unreachable_endpoint_and_an_invalid_one():
    findings = await run_check(
        CheckRequest(endpoint=US_ENDPOINT, api_key=US_KEY, braze_hosts={US_HOST: closed_port_url()})
    )
    assert findings[1].status is Status.PROBLEM and "Could not reach" in findings[1].message
    findings = await run_check(CheckRequest(endpoint="https://evil.example", api_key=US_KEY))
    assert _statuses(findings) == [("endpoint", Status.PROBLEM), ("key", Status.WARNING)]
    assert "not tried" in findings[1].message


def test_masking_never_shows_a_short_key_and_only_the_end_of_a_long_one():
    assert mask_key("short-key") == "****"
    assert mask_key(US_KEY) == "****" + US_KEY[-4:]


async def test_a_spent_quota_is_a_warning_with_the_wait():
    from looker_braze.sim.braze import SimConfig, running

    with running(SimConfig(rate_limit_requests=1, rate_limit_seconds=60)) as (url, _):
        hosts = {US_HOST: url}
        await run_check(CheckRequest(endpoint=US_ENDPOINT, api_key="sim-key", braze_hosts=hosts))
        findings = await run_check(
            CheckRequest(endpoint=US_ENDPOINT, api_key="sim-key", braze_hosts=hosts)
        )
    assert _statuses(findings)[1] == ("key", Status.WARNING)
    assert "(429)" in findings[1].message and "Check again in 6" in findings[1].message


async def test_a_key_pasted_with_a_space_is_named_without_being_sent():
    with two_instances() as braze:
        findings = await _key_check(braze, "us01-key 4b1c9f0e-2d3a-4e5f-8a7b")
        asked = braze.us.stats()["requests"]
    assert _statuses(findings) == [("key", Status.PROBLEM)]
    assert "copy it again" in findings[0].message and asked == {}


async def test_a_refused_plan_or_account_is_not_blamed_on_the_key():
    from looker_braze.braze.instances import Endpoint
    from looker_braze.check.endpoint import key_findings
    from looker_braze.sim.braze import SimConfig, running

    with running(SimConfig(account_state="inactive")) as (url, _):
        async with aiohttp.ClientSession() as session:
            findings = await key_findings(session, Endpoint(url, "custom"), "sim-key")
    assert _statuses(findings) == [("key", Status.PROBLEM)]
    assert "rate plan" in findings[0].message and "new key will not help" in findings[0].message
    assert "sim-key" not in findings[0].message
