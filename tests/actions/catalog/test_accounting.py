"""Every row of a catalog send is accounted for exactly once, and Braze holds exactly the valid
first row of each id: a property of the catalog action, against the simulator over real HTTP
with injected 5xx faults."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.catalog.action import CatalogAction
from looker_braze.braze.catalog_rules import item_id_problem
from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import ActionRequest, Attachment
from looker_braze.hub.rows import RowSource
from looker_braze.settings import HubSettings
from looker_braze.sim.braze import SimConfig, running

BUCKETS = ("sent", "duplicates", "invalid", "rejected", "not_sent")
FIELDS = {"dimensions": [
    {"name": "p.sku", "type": "string", "tags": ["braze_catalog_id"]},
    {"name": "p.name", "type": "string", "tags": ["braze_catalog[name]"]},
], "measures": []}  # fmt: skip


@pytest.fixture(scope="module")
def braze():
    with running(SimConfig(error_rate=0.05, seed=3)) as (url, sim):
        yield url, sim


ids = st.one_of(
    st.text("ab-_", min_size=1, max_size=3),  # valid, often repeated
    st.sampled_from(["", " ", "a b", "é", "x" * 251, "ok.dot"]),  # invalid
    st.integers(0, 5),  # numeric ids become text
)
names = st.one_of(st.none(), st.text("xyz", max_size=3), st.just("n" * 5001))
rows = st.lists(st.tuples(ids, names), max_size=150)


@settings(
    max_examples=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
@given(rows=rows)
def test_every_row_is_accounted_for_exactly_once(braze, rows):
    url, sim = braze
    sim.reset()
    fields = [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}]
    sim.catalogs.create({"catalogs": [{"name": "c", "fields": fields}]})
    counts = asyncio.run(send(url, rows))
    expected: dict[str, dict] = {}
    bad: set[str] = set()  # ids whose first row was invalid: their later rows are duplicates
    duplicates = invalid = 0
    for raw_id, name in rows:
        item_id = str(raw_id).strip()
        if item_id_problem(item_id):
            invalid += 1
        elif item_id in expected or item_id in bad:
            duplicates += 1
        elif name is not None and len(name) > 5000:
            invalid += 1
            bad.add(item_id)
        else:
            expected[item_id] = {"name": name}
    assert counts.get("read", 0) == len(rows)
    assert sum(counts.get(bucket, 0) for bucket in BUCKETS) == len(rows)
    assert (counts.get("duplicates", 0), counts.get("invalid", 0)) == (duplicates, invalid)
    assert counts.get("sent", 0) == len(expected)
    assert sim.catalogs.catalogs["c"].items == expected


async def send(url: str, rows: list) -> dict[str, int]:
    settings_ = HubSettings(base_url="http://hub", label="t", secret="s", extra_endpoints=(url,))
    action = CatalogAction(settings_)
    data = [{"p.sku": {"value": i}, "p.name": {"value": n}} for i, n in rows]
    request = ActionRequest(
        type="query",
        params={"braze_api_key": "sim-key", "braze_api_endpoint": url},
        form_params={"braze_catalog_name": "c"},
        attachment=Attachment(
            mimetype="application/json",
            data=orjson.dumps({"fields": FIELDS, "data": data}).decode(),
        ),
    )
    progress = RunProgress("braze_catalog", None)
    try:
        await action.execute(request, RowSource(request, None), progress)
    finally:
        await action.shutdown()
    return progress.counts
