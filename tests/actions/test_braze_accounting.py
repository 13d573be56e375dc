"""Every row is accounted for exactly once, whatever the Look: a property of the Braze action,
checked against the Braze simulator over real HTTP."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze import BrazeAction
from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import ActionRequest, Attachment
from looker_braze.hub.rows import RowSource
from looker_braze.settings import HubSettings
from looker_braze.sim.braze import SimConfig, running
from looker_braze.sim.looks import LookSpec, compute_truth, look_bytes

BUCKETS = ("sent", "duplicates", "invalid", "rejected", "not_sent")


@pytest.fixture(scope="module")
def braze():
    with running(SimConfig(users=2000, error_rate=0.05, seed=11)) as (url, sim):
        yield url, sim


looks = st.builds(
    LookSpec,
    rows=st.integers(0, 400),
    seed=st.integers(0, 10_000),
    id_kind=st.sampled_from(["external_id", "email", "phone", "braze_id", "user_alias"]),
    known_users=st.just(2000),
    unknown_share=st.floats(0, 0.5),
    duplicate_share=st.floats(0, 0.3),
    invalid_id_share=st.floats(0, 0.2),
    invalid_attribute_share=st.floats(0, 0.3),
    null_share=st.floats(0, 0.3),
    fields_first=st.booleans(),
    timezone=st.sampled_from(["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"]),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=looks, update_existing_only=st.sampled_from(["yes", "no"]))
def test_every_row_is_accounted_for_exactly_once(braze, spec, update_existing_only):
    url, _ = braze
    truth = compute_truth(spec)
    counts = asyncio.run(send(url, spec, update_existing_only))
    assert counts.get("read", 0) == truth.rows
    assert sum(counts.get(bucket, 0) for bucket in BUCKETS) == truth.rows
    assert counts.get("duplicates", 0) == truth.duplicate_rows
    assert counts.get("invalid", 0) == truth.invalid_id_rows
    assert counts.get("sent", 0) == truth.distinct_ids  # 5xx faults were retried, none lost
    assert counts.get("not_sent", 0) == 0


async def send(url: str, spec: LookSpec, update_existing_only: str) -> dict[str, int]:
    settings_ = HubSettings(base_url="http://hub", label="t", secret="s", extra_endpoints=(url,))
    action = BrazeAction(settings_)
    request = ActionRequest(
        type="query",
        params={"braze_api_key": "sim-key", "braze_api_endpoint": url},
        form_params={
            "braze_key": spec.id_kind,
            "braze_alias_label": "looker",
            "braze_update_existing_only": update_existing_only,
        },
        attachment=Attachment(mimetype="application/json", data=look_bytes(spec).decode()),
    )
    progress = RunProgress("braze", None)
    try:
        result = await action.execute(request, RowSource(request, None), progress)
    finally:
        await action.shutdown()
    assert result.success, result.message
    return progress.counts
