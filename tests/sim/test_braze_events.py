"""Events and purchases in the Braze simulator over real HTTP: Braze's per-object checks
(braze-activation.md §1.3, §1.4) with errors mapped by input_array + index, every occurrence
stored (never deduplicated), purchase properties billed, the inspection endpoints, and a lost
answer that leaves the data applied."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.sim.braze import SimConfig, running

BEARER = {"Authorization": "Bearer sim-key"}
EVENT = {"external_id": "u1", "name": "signed_up", "time": "2025-01-31T10:00:00Z"}
PURCHASE = {"external_id": "u1", "product_id": "Plan", "currency": "USD", "price": 9.5,
            "time": "2025-01-31T10:00:00Z"}  # fmt: skip


@pytest.fixture(scope="module")
def server():
    with running(SimConfig()) as (url, sim):
        yield url, sim


async def track(session, body):
    async with session.post("/users/track", json=body, headers=BEARER) as response:
        return response.status, await response.json()


async def inspect(session, path, **params):
    async with session.get(path, params=params) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"properties": {"time": 1}}, "property key 'time' is reserved"),
        ({"properties": {"event_name": 1}}, "property key 'event_name' is reserved"),
        ({"properties": {"$x": 1}}, "property key '$x' is not valid"),
        ({"properties": {"": 1}}, "property key '' is not valid"),
        ({"properties": {"k" * 256: 1}}, "is not valid"),
        ({"properties": {"s": "x" * 256}}, "longer than 255 characters"),
        ({"properties": {"n": ["x" * 1000] * 101}}, "larger than 100,000 bytes"),
        ({"properties": []}, "'properties' is not valid"),
        ({"time": "tomorrow-ish"}, "'time' is not valid"),
        ({"name": ""}, "'name' is not valid"),
    ],
)
async def test_event_checks_reject_one_object_by_index(client, change, reason):
    session, _ = client
    status, body = await track(session, {"events": [EVENT, {**EVENT, **change}]})
    assert status == 201 and body["events_processed"] == 1
    assert body["errors"] == [{"type": body["errors"][0]["type"], "input_array": "events",
                               "index": 1}]  # fmt: skip
    assert reason in body["errors"][0]["type"]


@pytest.mark.parametrize(
    "change",
    [{"currency": "XYZ"}, {"currency": "US"}, {"price": "9.5"}, {"quantity": 0},
     {"quantity": 101}, {"quantity": 1.5}, {"product_id": "p" * 256}, {"product_id": ""}],
)  # fmt: skip
async def test_purchase_checks_reject_one_object_by_index(client, change):
    session, _ = client
    status, body = await track(session, {"purchases": [{**PURCHASE, **change}, PURCHASE]})
    assert status == 201 and body["purchases_processed"] == 1
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [("purchases", 0)]


async def test_properties_size_is_a_setting(client):
    session, sim = client
    sim.set_faults(event_properties_max_bytes=50_000)
    big = {**EVENT, "properties": {"n": ["x" * 1000] * 60}}  # ~60 KB
    status, body = await track(session, {"events": [big]})
    assert status == 400 and "larger than 50,000 bytes" in body["errors"][0]["type"]
    sim.set_faults(event_properties_max_bytes=100_000)
    assert (await track(session, {"events": [big]}))[0] == 201


async def test_every_occurrence_is_stored_and_shown(client):
    session, sim = client
    await track(
        session,
        {
            "events": [EVENT, EVENT],
            "purchases": [
                {**PURCHASE, "currency": "eur", "quantity": 2, "properties": {"a": 1, "b": 2}}
            ],
        },
    )
    status, events = await inspect(session, "/sim/events", external_id="u1")
    assert status == 200 and len(events) == 2  # Braze never deduplicates
    assert events[0] == {"name": "signed_up", "time": "2025-01-31T10:00:00.000Z", "properties": {}}
    status, purchases = await inspect(session, "/sim/purchases", external_id="u1")
    assert purchases == [
        {"product_id": "Plan", "currency": "EUR", "price": 9.5, "quantity": 2,
         "time": "2025-01-31T10:00:00.000Z", "properties": {"a": 1, "b": 2}}
    ]  # fmt: skip
    assert sim.stats()["data_points"] == 2 + 3  # two events; a purchase and its two properties
    assert (await inspect(session, "/sim/events", external_id="nobody"))[0] == 404
    assert (await inspect(session, "/sim/events"))[0] == 400


async def test_a_lost_answer_leaves_the_events_applied(client):
    session, sim = client
    sim.set_faults(lost_answer_rate=1.0)
    with pytest.raises(aiohttp.ClientError):
        await track(session, {"events": [EVENT]})
    sim.set_faults(lost_answer_rate=0.0)
    assert len(sim.occurrences("events", "external_id", "u1")) == 1
    assert sim.stats()["requests"]["answer_lost"] == 1
