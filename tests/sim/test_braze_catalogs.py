"""The simulated catalog endpoints over real HTTP: Braze's answers, error ids, limits, and the
fault injection that applies to every endpoint (shared/spec/braze-activation.md §3)."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.sim.braze import KeySpec, SimConfig, running
from looker_braze.sim.braze.config import FULL_PERMISSIONS

KEY, TRACK_ONLY = "cat-key", "track-only"
CONFIG = SimConfig(
    api_keys={
        KEY: KeySpec(FULL_PERMISSIONS),
        TRACK_ONLY: KeySpec(),
    }
)
BEARER = {"Authorization": f"Bearer {KEY}"}
FIELDS = [
    {"name": "id", "type": "string"},
    {"name": "name", "type": "string"},
    {"name": "price", "type": "number"},
    {"name": "in_stock", "type": "boolean"},
    {"name": "updated", "type": "time"},
]


@pytest.fixture(scope="module")
def server():
    with running(CONFIG) as (url, sim):
        yield url, sim


@pytest.fixture
async def client(server):
    url, sim = server
    sim.reset()
    async with aiohttp.ClientSession(base_url=url) as session:
        yield session, sim


async def call(session, method, path, body=None, headers=BEARER):
    async with session.request(method, path, json=body, headers=headers) as answer:
        return answer.status, await answer.json(), answer.headers


async def create(session, name="products", fields=FIELDS):
    body = {"catalogs": [{"name": name, "description": "d", "fields": fields}]}
    return await call(session, "POST", "/catalogs", body)


async def test_create_list_and_upsert_items(client):
    session, sim = client
    status, body, _ = await create(session)
    assert status == 201 and body["catalogs"][0]["fields"] == FIELDS
    item = {"id": "sku-1", "name": "Widget", "price": 9.5, "in_stock": True,
            "updated": "2025-01-31T00:00:00Z"}  # fmt: skip
    status, body, _ = await call(session, "PUT", "/catalogs/products/items", {"items": [item]})
    assert (status, body) == (202, {"message": "success"})
    status, body, _ = await call(session, "GET", "/catalogs")
    assert status == 200 and body["catalogs"][0]["num_items"] == 1
    async with session.get("/sim/catalogs/products/items") as answer:
        assert await answer.json() == [item]
    status, _, _ = await call(
        session, "DELETE", "/catalogs/products/items", {"items": [{"id": "sku-1"}]}
    )
    assert status == 202 and sim.catalogs.catalogs["products"].items == {}


@pytest.mark.parametrize(
    ("item", "error_id"),
    [
        ({"id": "bad id"}, "invalid-ids"),
        ({"id": "x" * 251}, "ids-too-large"),
        ({"id": 7}, "ids-not-string"),
        ({"name": "no id"}, "items-missing-ids"),
        ({"id": "a", "colour": "red"}, "invalid-fields"),
        ({"id": "a", "name": "x" * 5001}, "items-too-large"),
        ({"id": "a", "price": "cheap"}, "unable-to-coerce-value"),
    ],
)
async def test_each_item_rule_answers_its_error_id_and_applies_nothing(client, item, error_id):
    session, sim = client
    await create(session)
    good = {"id": "good", "name": "ok"}
    body = {"items": [good, item]}
    status, body, _ = await call(session, "PUT", "/catalogs/products/items", body)
    assert status == 400 and body["message"] == "Invalid Request"
    assert [error["id"] for error in body["errors"]] == [error_id]
    assert body["errors"][0]["parameter_values"] == [str(item.get("id"))]
    assert sim.catalogs.catalogs["products"].items == {}  # nothing of a refused request


async def test_duplicate_ids_and_too_many_items(client):
    session, _ = client
    await create(session)
    status, body, _ = await call(
        session, "PUT", "/catalogs/products/items", {"items": [{"id": "a"}, {"id": "a"}]}
    )
    assert status == 400 and body["errors"][0]["id"] == "ids-not-unique"
    items = [{"id": f"i{n}"} for n in range(51)]
    status, body, _ = await call(session, "PUT", "/catalogs/products/items", {"items": items})
    assert status == 400 and body["errors"][0]["id"] == "request-includes-too-many-items"


async def test_unknown_catalog_missing_permission_and_bad_catalogs(client):
    session, sim = client
    status, body, _ = await call(session, "PUT", "/catalogs/nope/items", {"items": [{"id": "a"}]})
    assert status == 404 and body["errors"][0]["id"] == "catalog-not-found"
    sim.set_faults(catalog_not_found_status=400)
    status, _, _ = await call(session, "DELETE", "/catalogs/nope/items", {"items": [{"id": "a"}]})
    assert status == 400
    status, body, _ = await call(
        session, "GET", "/catalogs", headers={"Authorization": f"Bearer {TRACK_ONLY}"}
    )
    assert (status, body["message"]) == (403, "Access Denied")
    status, body, _ = await create(session, fields=[{"name": "name", "type": "string"}])
    assert status == 400 and body["errors"][0]["id"] == "id-not-first-column"
    await create(session)
    status, body, _ = await create(session)
    assert status == 400 and body["errors"][0]["id"] == "catalog-name-already-exists"


async def test_shared_item_limit_answers_429_with_headers(client):
    session, sim = client
    await create(session)
    sim.set_faults(catalog_items_limit=2, catalog_limit_seconds=30)
    statuses = []
    for _ in range(3):
        status, _, headers = await call(
            session, "PUT", "/catalogs/products/items", {"items": [{"id": "a"}]}
        )
        statuses.append(status)
    assert statuses == [202, 202, 429] and "X-RateLimit-Reset" in headers
    status, _, _ = await call(session, "GET", "/catalogs")  # management has its own limit
    assert status == 200


async def test_faults_apply_to_catalog_endpoints(client):
    session, sim = client
    await create(session)
    sim.set_faults(error_rate=1.0)
    async with session.get("/catalogs", headers=BEARER) as answer:
        assert answer.status >= 500
    sim.set_faults(error_rate=0.0, drop_rate=1.0)
    with pytest.raises(aiohttp.ClientError):
        await call(session, "PUT", "/catalogs/products/items", {"items": [{"id": "a"}]})


async def test_patch_edits_existing_items_and_post_creates(client):
    session, sim = client
    await create(session)
    path = "/catalogs/products/items"
    assert (await call(session, "POST", path, {"items": [{"id": "a", "name": "A"}]}))[0] == 202
    body = {"items": [{"id": "a", "price": 2}, {"id": "missing", "price": 3}]}
    assert (await call(session, "PATCH", path, body))[0] == 202
    items = sim.catalogs.catalogs["products"].items
    assert set(items) == {"a"} and items["a"]["name"] == "A" and items["a"]["price"] == 2
    status, body, _ = await call(session, "POST", path, {"items": [{"id": 5}]})
    assert status == 400 and body["errors"][0]["id"] == "ids-not-strings"  # PUT: ids-not-string


@pytest.mark.parametrize(
    ("value", "error_id"),
    [({"a.b": 1}, "invalid-keys-in-value-object"), ({"$x": 1}, "invalid-keys-in-value-object")],
)
async def test_object_values_follow_the_key_rules(client, value, error_id):
    session, _ = client
    await create(session, fields=[*FIELDS, {"name": "extra", "type": "object"}])
    body = {"items": [{"id": "a", "extra": value}]}
    status, answer, _ = await call(session, "PUT", "/catalogs/products/items", body)
    assert status == 400 and answer["errors"][0]["id"] == error_id


async def test_values_nested_deeper_than_50_levels_are_refused(client):
    session, _ = client
    await create(session, fields=[*FIELDS, {"name": "extra", "type": "object"}])
    deep: dict = {}
    for _ in range(51):
        deep = {"k": deep}
    body = {"items": [{"id": "a", "extra": deep}]}
    status, answer, _ = await call(session, "PUT", "/catalogs/products/items", body)
    assert status == 400 and answer["errors"][0]["id"] == "too-deep-nesting-in-value-object"
