"""AsyncStateStore from asyncio: same results, and the event loop keeps running meanwhile."""

from __future__ import annotations

import asyncio
import time

import pytest

from looker_braze.state import AsyncStateStore, Known, RunEnd, Sent

from .conftest import WORKSPACE, run_start

pytestmark = pytest.mark.services


async def test_a_sync_cycle_from_asyncio(store_url):
    async with await AsyncStateStore.open(store_url) as store:
        audience = await store.audience_id(WORKSPACE, "looker_export", "L")
        members = [f"external_id:u{i}" for i in range(10)]
        await store.record_sent(audience, WORKSPACE, [Sent(m, {"a": 1}, True) for m in members])
        run_id = await store.start_run(run_start())
        await store.add_run_members(run_id, members[:4])
        assert await store.lookup(audience, WORKSPACE, members[:1]) == {
            members[0]: Known(True, {"a": 1})
        }
        gone = []
        async for batch in store.gone_members(audience, run_id, batch_size=4):
            gone += batch
            await store.remove_members(audience, batch)  # between batches, as the action does
        assert sorted(gone) == sorted(members[4:])
        await store.finish_run(run_id, RunEnd(success=True, counts={"removed": len(gone)}))
        assert await store.audience_size(audience) == 4
        (record,) = await store.runs(limit=1)
        assert record.id == run_id and record.counts == {"removed": 6}
        assert (await store.run(run_id)).status == "succeeded"
        assert await store.abandon_stale_runs() == 0


async def test_the_event_loop_is_not_blocked_by_the_database(store_url):
    async with await AsyncStateStore.open(store_url) as store:
        run_id = await store.start_run(run_start())
        members = [f"external_id:user-{i:07d}" for i in range(200_000)]
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        task = asyncio.create_task(ticker())
        started = time.monotonic()
        await store.add_run_members(run_id, members)
        took = time.monotonic() - started
        task.cancel()
        assert took > 0.05  # long enough to tell
        assert ticks >= 3  # the loop ran while the store worked on its own thread


async def test_an_abandoned_gone_iteration_is_closed(store_url):
    async with await AsyncStateStore.open(store_url) as store:
        audience = await store.audience_id(WORKSPACE, "looker_export", "L")
        await store.record_sent(audience, WORKSPACE, [Sent(f"m{i}", {}, True) for i in range(9)])
        run_id = await store.start_run(run_start())
        batches = store.gone_members(audience, run_id, batch_size=2)
        assert len(await anext(batches)) == 2
        await batches.aclose()  # e.g. the run failed half-way
        assert await store.audience_size(audience) == 9  # and the store still answers
