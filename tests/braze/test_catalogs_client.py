"""The catalog client against the simulator over real HTTP: what each answer means for the
items of a batch."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from looker_braze.braze.batch import ITEMS, Batch
from looker_braze.braze.catalogs import CatalogField, CatalogItemsClient, CatalogManager
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit
from looker_braze.braze.requester import Requester, RetryPolicy
from looker_braze.errors import BrazeAuthFailed, FailRun
from looker_braze.sim.braze import KeySpec, SimConfig, running
from looker_braze.sim.braze.config import FULL_PERMISSIONS

FAST = RetryPolicy(max_attempts=6, deadline_seconds=30, backoff_initial=0.01, backoff_max=0.05)
KEYS = {
    "sim-key": KeySpec(FULL_PERMISSIONS),
    "track-only": KeySpec(),
}


class Tag:
    def __init__(self, item_id: str) -> None:
        self.item_id = item_id


def batch_of(items: list[dict]) -> Batch:
    batch = Batch(ITEMS)
    for item in items:
        batch.add(orjson.dumps(item), Tag(str(item.get("id"))))
    return batch


@pytest.fixture
async def braze():
    with running(SimConfig(api_keys=KEYS)) as (url, sim):
        async with aiohttp.ClientSession() as session:
            yield url, sim, session


def requester(url: str, session, key: str = "sim-key") -> Requester:
    return Requester(parse_endpoint(url, (url,)), key, session, NoLimit(), FAST)


async def test_create_then_upsert_and_named_rejections(braze):
    url, sim, session = braze
    manager = CatalogManager(requester(url, session))
    fields = (CatalogField("id", "string"), CatalogField("price", "number"))
    assert await manager.create("c", fields, "d") is True
    assert await manager.create("c", fields, "d") is False  # already there: a retried create
    assert (await manager.catalogs())["c"].fields == fields
    client = CatalogItemsClient(requester(url, session), "c", "PUT")
    outcome = await client.send(batch_of([{"id": "a", "price": 1}, {"id": "b", "price": "x"}]))
    assert [tag.item_id for tag in outcome.accepted] == ["a"]  # sent again without b
    ((tag, reason),) = outcome.rejected
    assert tag.item_id == "b" and "unable-to-coerce-value" in reason
    assert set(sim.catalogs.catalogs["c"].items) == {"a"}


@pytest.mark.parametrize("status", [400, 404])
async def test_a_catalog_gone_fails_the_run(braze, status):
    url, sim, session = braze
    sim.set_faults(catalog_not_found_status=status)
    client = CatalogItemsClient(requester(url, session), "gone", "DELETE")
    with pytest.raises(FailRun, match="no catalog 'gone'"):
        await client.send(batch_of([{"id": "a"}]))


async def test_a_key_without_the_permission_names_it(braze):
    url, _, session = braze
    with pytest.raises(BrazeAuthFailed, match=r"catalogs\.get"):
        await CatalogManager(requester(url, session, "track-only")).catalogs()
