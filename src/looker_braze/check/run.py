"""The checklist in order: endpoint, key, Look, LookML view. Each part runs when its input is
given and adds its findings; nothing here prints or exits (cli/check.py does)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from looker_braze.actions.braze.catalog.definition import NAME as CATALOG_ACTION
from looker_braze.actions.braze.definition import DEFAULT_ARRAY_ATTRIBUTE
from looker_braze.check.catalog import catalog_look_findings
from looker_braze.check.endpoint import endpoint_findings, key_findings
from looker_braze.check.findings import Finding, warning
from looker_braze.check.look import check_options, look_findings
from looker_braze.check.lookml import lookml_findings


@dataclass(frozen=True)
class CheckRequest:
    endpoint: str | None = None
    api_key: str | None = field(default=None, repr=False)
    extra_endpoints: tuple[str, ...] = ()
    probe_instances: bool = False
    look: Path | None = None
    lookml: Path | None = None
    action: str = "braze"  # or "braze_catalog": whose tags and rules the Look is checked for
    key_kind: str = "external_id"
    array_attribute: str = DEFAULT_ARRAY_ATTRIBUTE
    timeout_seconds: float = 15.0
    # Braze REST host -> base URL that stands in for it. For tests: when set, only these hosts
    # are ever contacted; unset, the key goes to Braze's own hosts only.
    braze_hosts: Mapping[str, str] | None = None


async def run_check(request: CheckRequest) -> list[Finding]:
    findings: list[Finding] = []
    if request.endpoint is not None:
        findings += await _settings_findings(request)
    if request.look is not None:
        with request.look.open("rb") as file:
            if request.action == CATALOG_ACTION:
                findings += await catalog_look_findings(file)
            else:
                options = check_options(request.key_kind, request.array_attribute)
                findings += await look_findings(file, options)
    if request.lookml is not None:
        text = request.lookml.read_text(encoding="utf-8", errors="replace")
        findings += lookml_findings(text, request.key_kind, request.array_attribute)
    return findings


async def _settings_findings(request: CheckRequest) -> list[Finding]:
    assert request.endpoint is not None
    endpoint, findings = endpoint_findings(request.endpoint, request.extra_endpoints)
    if not request.api_key:
        return findings
    if endpoint is None:
        return [*findings, warning("key", "The key was not tried: fix the endpoint first.")]
    async with aiohttp.ClientSession() as session:
        findings += await key_findings(
            session,
            endpoint,
            request.api_key,
            probe_instances=request.probe_instances,
            braze_hosts=request.braze_hosts,
            timeout_seconds=request.timeout_seconds,
        )
    return findings
