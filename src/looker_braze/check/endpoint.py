"""Checks of the Braze settings: is the endpoint a Braze REST host, does the key work there.

The endpoint goes through the hub's own ``parse_endpoint``, so the check and Looker show the same
words. The key is tried with braze.probe's request that changes nothing. A 401 cannot tell an
invalid key from a key of another instance; with ``probe_instances`` the key is tried on Braze's
other REST hosts (only Braze's own: ``REST_HOSTS``, or the ``braze_hosts`` stand-ins of a test).
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from looker_braze.braze.instances import INSTANCE_BY_HOST, REST_HOSTS, Endpoint, parse_endpoint
from looker_braze.braze.probe import KeyProbe, KeyVerdict, probe_hosts, probe_key, sendable
from looker_braze.check.findings import Finding, mask_key, passed, problem, warning
from looker_braze.errors import InvalidEndpoint

KEY_PAGE = "Braze: Settings > API Keys"


def endpoint_findings(
    raw: str, extra_endpoints: tuple[str, ...] = ()
) -> tuple[Endpoint | None, list[Finding]]:
    """The endpoint the hub would use (None when it refuses it) and what to say about it."""
    try:
        endpoint = parse_endpoint(raw, extra_endpoints)
    except InvalidEndpoint as exc:
        return None, [problem("endpoint", str(exc))]
    if endpoint.instance == "custom":
        return endpoint, [
            passed(
                "endpoint",
                f"{endpoint.base_url} is admitted by --extra-endpoint; it is not a Braze REST "
                "host, so the hub accepts it only when LOOKER_BRAZE_EXTRA_ENDPOINTS lists it.",
            )
        ]
    findings = [
        passed(
            "endpoint",
            f"{endpoint.base_url} is the REST endpoint of Braze instance {endpoint.instance}.",
        )
    ]
    if endpoint.base_url.removeprefix("https://") not in INSTANCE_BY_HOST:
        findings.append(
            warning(
                "endpoint",
                f"{endpoint.base_url} has the form of a Braze REST host but is not one of the "
                "instances Braze documents today (US-01 to US-08, US-10, EU-01, EU-02, AU-01, "
                "ID-01, JP-01, KR-01): the hub accepts it; check it against your dashboard's "
                "API settings if the key is refused.",
            )
        )
    if raw.strip().lower().startswith("http://"):
        findings.append(
            warning(
                "endpoint",
                f"The endpoint starts with http://; the hub upgrades it to https:// so the key "
                f"never travels in clear text. Write {endpoint.base_url} in the settings.",
            )
        )
    return endpoint, findings


def braze_targets(braze_hosts: Mapping[str, str] | None) -> dict[str, str]:
    """Braze REST host -> the base URL requests for it go to: Braze itself unless a test
    stands in for some hosts (then only those are ever contacted)."""
    if braze_hosts is not None:
        return dict(braze_hosts)
    return {host: f"https://{host}" for host in REST_HOSTS.values()}


async def key_findings(
    session: aiohttp.ClientSession,
    endpoint: Endpoint,
    api_key: str,
    *,
    probe_instances: bool = False,
    braze_hosts: Mapping[str, str] | None = None,
    timeout_seconds: float = 15.0,
) -> list[Finding]:
    if not sendable(api_key):
        return [
            problem(
                "key",
                f"The key {mask_key(api_key)} holds spaces, line breaks or other characters no "
                f"Braze key has: copy it again from Braze ({KEY_PAGE}).",
            )
        ]
    targets = braze_targets(braze_hosts)
    url = _target(endpoint, targets)
    probe = await probe_key(session, url, api_key, timeout_seconds)
    if probe.verdict is not KeyVerdict.INVALID_KEY or not probe_instances:
        return [_verdict_finding(endpoint, api_key, probe)]
    others = {host: base for host, base in targets.items() if base != url}
    results = await probe_hosts(session, api_key, others, timeout_seconds)
    return _instance_findings(endpoint, api_key, results)


def _target(endpoint: Endpoint, targets: Mapping[str, str]) -> str:
    host = endpoint.base_url.removeprefix("https://")
    if endpoint.instance != "custom" and host in targets:
        return targets[host]
    return endpoint.base_url


def _where(endpoint: Endpoint) -> str:
    if endpoint.instance == "custom":
        return endpoint.base_url
    return f"{endpoint.base_url} ({endpoint.instance})"


def _said(probe: KeyProbe) -> str:
    return f"; Braze said: {probe.detail}" if probe.detail else ""


def _verdict_finding(endpoint: Endpoint, api_key: str, probe: KeyProbe) -> Finding:
    key, where = f"The key {mask_key(api_key)}", _where(endpoint)
    verdict = probe.verdict
    if verdict is KeyVerdict.ACCEPTED:
        return passed(
            "key", f"{key} works at {where} and holds users.track (checked by a request that "
            "changes nothing).",
        )  # fmt: skip
    if verdict is KeyVerdict.INVALID_KEY:
        return problem(
            "key",
            f"Braze refused the key {mask_key(api_key)} (401) at {where}: it is invalid or "
            "revoked, or it belongs to another Braze instance or workspace. Check it "
            f"({KEY_PAGE}); to find its instance, run again with --probe-instances (sends the key "
            "to Braze's other REST hosts).",
        )
    if verdict is KeyVerdict.NO_PERMISSION:
        return problem(
            "key",
            f"{key} is known at {where} but lacks the users.track permission (403{_said(probe)}): "
            f"tick users.track on the key ({KEY_PAGE}) or use a key that has it.",
        )
    if verdict is KeyVerdict.PLAN_REFUSED:
        return problem(
            "key",
            f"{key} is known at {where}, but Braze refuses the workspace (403{_said(probe)}): "
            "its rate plan does not include this API or the account is inactivated. A new key "
            "will not help: ask your Braze administrator or Braze Support.",
        )
    if verdict is KeyVerdict.RATE_LIMITED:
        wait = f"{probe.retry_after:.0f} s" if probe.retry_after is not None else "a moment"
        return warning(
            "key",
            f"Braze rate-limited the check (429) at {where}: the workspace's /users/track quota "
            f"is spent right now, so the key's permission is unconfirmed. Check again in {wait}.",
        )
    return _not_braze_finding(endpoint, probe)


def _not_braze_finding(endpoint: Endpoint, probe: KeyProbe) -> Finding:
    where = _where(endpoint)
    if probe.verdict is KeyVerdict.UNREACHABLE:
        return problem(
            "key",
            f"Could not reach {where} ({probe.detail}): check the address and this machine's "
            "network, firewall or proxy.",
        )
    if probe.verdict is KeyVerdict.NOT_FOUND:
        return problem(
            "key",
            f"{where} answered 404 for /users/track: it is not a Braze REST API. Use your "
            "instance's REST endpoint, e.g. https://rest.iad-01.braze.com.",
        )
    status = probe.status or 0
    hint = "Braze is having trouble: check again later" if status >= 500 else "check the endpoint"
    return problem("key", f"{where} answered HTTP {status} to the check{_said(probe)}: {hint}.")


def _instance_findings(
    endpoint: Endpoint, api_key: str, results: Mapping[str, KeyProbe]
) -> list[Finding]:
    refused = f"Braze refused the key {mask_key(api_key)} (401) at {_where(endpoint)}"
    homes = [(host, probe) for host, probe in results.items() if probe.verdict.knows_key]
    unreachable = sorted(host for host, p in results.items() if p.verdict is KeyVerdict.UNREACHABLE)
    if homes:
        return [_home_finding(refused, host, probe) for host, probe in homes]
    findings = [
        problem(
            "key",
            f"{refused}, and none of the {len(results)} other Braze REST hosts asked knows it: "
            f"the key is invalid or revoked. Create a REST API key with users.track ({KEY_PAGE}).",
        )
    ]
    if unreachable:
        findings.append(
            warning(
                "key.instance",
                f"{len(unreachable)} Braze host{'s' * (len(unreachable) != 1)} could not be "
                f"reached ({', '.join(unreachable)}): the key may belong to that instance.",
            )
        )
    return findings


def _home_finding(refused: str, host: str, probe: KeyProbe) -> Finding:
    instance = INSTANCE_BY_HOST.get(host, host)
    advice = f"this key belongs to {instance}, use https://{host} as the REST API endpoint"
    if probe.verdict is KeyVerdict.NO_PERMISSION:
        advice += " (and tick the key's users.track permission: it lacks it there too)"
    return problem("key", f"{refused}: {advice}.")
