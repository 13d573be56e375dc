"""A batch that needs several requests (413 halves, a resend after a 400) and whose run stops
part way: what Braze accepted or rejected before the stop is counted as that, only the rest as
not sent. A small stand-in handler scripts Braze's answers (httpx MockTransport style, over real
HTTP on 127.0.0.1)."""

from __future__ import annotations

from contextlib import suppress

import aiohttp
import orjson
import pytest
from aiohttp import web

from looker_braze.braze.client import Dispatcher
from looker_braze.errors import FailRun
from tests.braze.test_client_answers import Collect, batch_of, client, flag


@pytest.fixture
async def scripted():
    """A stand-in for Braze answering each request with the next (status, body) of a script."""
    answers: list[tuple[int, dict]] = []
    seen: list[list[str]] = []

    async def track(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        seen.append([obj["external_id"] for obj in body["attributes"]])
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
        yield f"http://127.0.0.1:{port}", answers, seen
    finally:
        await runner.cleanup()


async def _dispatch_one(url: str, tags: range) -> tuple[Dispatcher, Collect]:
    seen = Collect()
    async with aiohttp.ClientSession() as session:
        dispatcher = Dispatcher(client(url, session), 1, seen.outcome, seen.failure)
        await dispatcher.submit(batch_of([flag(i) for i in tags]))
        with suppress(FailRun):
            await dispatcher.drain()
    return dispatcher, seen


async def test_the_half_braze_accepted_before_a_fatal_answer_counts_as_sent(scripted):
    url, answers, requests = scripted
    answers += [
        (413, {"message": "too large"}),
        (201, {"message": "success", "attributes_processed": 2}),
        (401, {"message": "Invalid API Key"}),
    ]
    dispatcher, seen = await _dispatch_one(url, range(4))
    assert [len(r) for r in requests] == [4, 2, 2]
    assert dispatcher.failure is not None
    assert sorted(seen.accepted) == [0, 1]
    assert sorted(seen.failed) == [2, 3]
    assert seen.rejected == []


async def test_rejections_before_a_failed_resend_stay_rejections(scripted):
    url, answers, _ = scripted
    answers += [
        (400, {"message": "success", "errors": [{"type": "bad email", "index": 1}]}),
        (401, {"message": "Invalid API Key"}),
    ]
    dispatcher, seen = await _dispatch_one(url, range(3))
    assert dispatcher.failure is not None
    assert [tag for tag, _ in seen.rejected] == [1]
    assert seen.accepted == []
    assert sorted(seen.failed) == [0, 2]  # every object exactly once


async def test_a_batch_that_failed_at_once_is_all_not_sent(scripted):
    url, answers, _ = scripted
    answers += [(401, {"message": "Invalid API Key"})]
    _, seen = await _dispatch_one(url, range(3))
    assert (seen.accepted, seen.rejected, sorted(seen.failed)) == ([], [], [0, 1, 2])
