"""An events batch that needs two requests (a 413 splits it) and whose second half fails: the
half Braze accepted is marked sent in the ledger and counted sent; the other half is held
(outcome unknown) or released (Braze certainly did nothing), never counted twice. A small
stand-in answers each request with the next of a script, over real HTTP on 127.0.0.1; the
ledger is a real SQLite state store."""

from __future__ import annotations

from contextlib import suppress

import aiohttp
import orjson
import pytest
from aiohttp import web

from looker_braze.actions.braze.events.report import EventReport
from looker_braze.actions.braze.events.sending import (
    Delivery,
    EventsClient,
    Ledger,
    count_failed,
    count_outcome,
)
from looker_braze.braze.batch import Batch
from looker_braze.braze.client import Dispatcher, RetryPolicy
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit
from looker_braze.errors import LookerBrazeError
from looker_braze.hub.action import RunProgress
from looker_braze.state import AsyncStateStore, open_store
from looker_braze.state import events as ledger_rows

WORKSPACE = "w"
KEYS = [f"k{i}" for i in range(4)]


@pytest.fixture
async def scripted():
    answers: list[tuple[int, dict]] = []

    async def track(request: web.Request) -> web.Response:
        await request.read()
        status, payload = answers.pop(0)
        return web.json_response(payload, status=status)

    app = web.Application()
    app.router.add_post("/users/track", track)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", answers
    finally:
        await runner.cleanup()


async def _send_split_batch(url: str, tmp_path, second: tuple[int, dict]):
    store = AsyncStateStore(open_store(f"sqlite:///{tmp_path / 'state.db'}"))
    ledger = Ledger(store, WORKSPACE, None, take_unknown=False)
    assert (await ledger.reserve(KEYS)).taken == set(KEYS)
    report = EventReport("event", RunProgress("t", None))
    report.read = len(KEYS)
    batch = Batch("events")
    for i, key in enumerate(KEYS):
        event = {"external_id": f"u{i}", "name": "visit", "time": "2025-01-31T10:00:00Z"}
        batch.add(orjson.dumps(event), Delivery(key, 1))
    async with aiohttp.ClientSession() as session:
        endpoint = parse_endpoint(url, [url])
        client = EventsClient(
            endpoint, "key", session, NoLimit(), RetryPolicy(max_attempts=3, deadline_seconds=5),
            timeout_seconds=5, ledger=ledger,
        )  # fmt: skip
        dispatcher = Dispatcher(
            client,
            1,
            lambda _, outcome: count_outcome(report, outcome),
            lambda part: count_failed(report, client, part),
        )
        await dispatcher.submit(batch)
        with suppress(LookerBrazeError):
            await dispatcher.drain()
    statuses = await ledger.statuses(KEYS)
    store.store.close()
    return report, statuses


@pytest.mark.parametrize(
    ("second", "status", "outcome"),
    [
        ((500, {"message": "Internal Server Error"}), ledger_rows.PENDING, "unknown"),
        ((401, {"message": "Invalid API Key"}), None, "not_sent"),
    ],
)
async def test_the_half_braze_accepted_is_marked_sent(scripted, tmp_path, second, status, outcome):
    url, answers = scripted
    answers += [(413, {"message": "too large"}), (201, {"message": "success"}), second]
    report, statuses = await _send_split_batch(url, tmp_path, second)
    assert not answers  # one request each: a request that may have acted is never repeated
    assert [statuses.get(key) for key in KEYS] == [ledger_rows.SENT] * 2 + [status] * 2
    assert report.sent == 2 and getattr(report, outcome) == 2
    assert report.accounted == report.read == 4
