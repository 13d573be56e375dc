"""The hub's limits on executes, over real HTTP: large bodies spooled to disk, concurrent executes
capped with a "busy" answer, and a deadline per run."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import orjson
import pytest

from looker_braze.hub.action import Action, Registry
from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.hub.protocol import ActionDefinition, ActionResult, Form
from looker_braze.hub.server import create_app
from looker_braze.serving import background_server
from looker_braze.settings import HubSettings

from .spools import deleted_files

SECRET = "limits-secret"
HEADERS = {"Authorization": authorization_header(new_token(SECRET))}


class SlowRows(Action):
    """Reads rows, pausing ``form_params.pause`` seconds after each block."""

    name = "slow"

    def definition(self, looker):
        return ActionDefinition(name=self.name, label="Slow", description="reads slowly")

    async def form(self, request):
        return Form(())

    async def execute(self, request, rows, progress):
        await progress.begin(mode="count")
        count = 0
        async with rows.open() as stream:
            async for batch in stream.batches(("a.b",)):
                count += len(batch)
                progress.add("read", len(batch))
                await asyncio.sleep(float(request.form_params.get("pause", 0)))
        return ActionResult(success=True, message=f"{count} rows")


def look(rows: int) -> bytes:
    document = {
        "fields": {"dimensions": [{"name": "a.b"}]},
        "data": [{"a.b": {"value": f'row "{i}" é'}} for i in range(rows)],
    }
    return orjson.dumps(document)


def execute_body(rows: int, encoding: str = "plain", **form) -> bytes:
    document = look(rows)
    data, mimetype = {
        "plain": (document.decode(), "application/json"),
        "base64": (base64.b64encode(document).decode(), "application/json;base64"),
        "object": (orjson.loads(document), "application/json"),
    }[encoding]
    attachment = {"mimetype": mimetype, "extension": "json", "data": data}
    return orjson.dumps({"type": "query", "attachment": attachment, "form_params": form})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = HubSettings(
        base_url="https://hub.example.com",
        label="Limits",
        secret=SECRET,
        keepalive_seconds=0.2,
        max_concurrent_runs=2,
        run_deadline_seconds=1.5,
        download_stall_seconds=0.5,
        state_url=f"sqlite:///{tmp_path_factory.mktemp('state')}/state.sqlite3",
    )
    app = create_app(settings, Registry([SlowRows()]))
    app.state.hub.spool_above = 1024  # every body of these tests but the smallest is spooled
    with background_server(app) as url:
        yield url


async def post(session, url, body):
    async with session.post(f"{url}/actions/slow/execute", data=body, headers=HEADERS) as answer:
        return answer.status, answer.headers, orjson.loads(await answer.read())["looker"]


@pytest.mark.parametrize("encoding", ["plain", "base64", "object"])
async def test_a_spooled_body_is_read_and_its_spool_deleted(server, encoding):
    before = deleted_files()
    async with aiohttp.ClientSession() as session:
        status, _, looker = await post(session, server, execute_body(2500, encoding))
    assert status == 200 and looker == {
        "success": True, "message": "2500 rows", "refresh_query": False, "validation_errors": {}
    }  # fmt: skip
    await asyncio.sleep(0.1)  # the run's task ends just after the answer is written
    assert deleted_files() == before


async def test_bad_base64_in_a_spooled_body_is_a_clear_failed_answer(server):
    body = execute_body(100, "base64").replace(b'"data":"', b'"data":"!!!')
    async with aiohttp.ClientSession() as session:
        status, _, looker = await post(session, server, body)
    assert status == 200 and looker["success"] is False
    assert "marked base64 but is not valid base64" in looker["message"]


async def test_executes_beyond_the_cap_are_answered_busy(server):
    slow = execute_body(2000, pause="0.5")  # two blocks, about 1 s
    async with aiohttp.ClientSession() as session:
        running = [asyncio.create_task(post(session, server, slow)) for _ in range(2)]
        await asyncio.sleep(0.3)
        status, headers, busy = await post(session, server, execute_body(3000))
        finished = await asyncio.gather(*running)
        after = await post(session, server, execute_body(3))
    assert status == 200 and busy["success"] is False and headers["Retry-After"] == "60"
    assert "busy" in busy["message"] and "LOOKER_BRAZE_MAX_CONCURRENT_RUNS" in busy["message"]
    assert [looker["message"] for _, _, looker in finished] == ["2000 rows", "2000 rows"]
    assert after[2]["message"] == "3 rows"  # the slots are free again


async def test_a_run_past_its_deadline_is_stopped_and_its_counts_kept(server):
    async with aiohttp.ClientSession() as session:
        status, _, looker = await post(session, server, execute_body(5000, pause="1"))
        async with session.get(f"{server}/runs", headers=HEADERS) as answer:
            latest = (await answer.json())["runs"][0]
    assert status == 200 and looker["success"] is False
    assert "Stopped after 1.5 s" in looker["message"]
    assert "LOOKER_BRAZE_RUN_DEADLINE_SECONDS" in looker["message"]
    assert latest["success"] is False and latest["message"] == looker["message"]
    assert 0 < latest["counts"]["read"] < 5000  # the blocks read before the deadline


async def test_status_answers_while_a_large_body_is_spooled(server):
    body = execute_body(60_000, "base64")

    async def trickle():
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]
            await asyncio.sleep(0)

    async with aiohttp.ClientSession() as session:
        execute = asyncio.create_task(post(session, server, trickle()))
        worst = 0.0
        while not execute.done():
            started = asyncio.get_running_loop().time()
            async with session.get(f"{server}/status") as answer:
                assert answer.status == 200
            worst = max(worst, asyncio.get_running_loop().time() - started)
            await asyncio.sleep(0.02)
        assert (await execute)[2]["message"] == "60000 rows"
    assert worst < 1.0


async def test_a_body_that_stops_arriving_is_refused_and_frees_its_place(server):
    async def stalls():
        yield b'{"type": "query", "attachment": {"data": "'
        await asyncio.sleep(3)
        yield b'"}}'

    async with aiohttp.ClientSession() as session:
        stalled = [asyncio.create_task(post_raw(session, server, stalls())) for _ in range(2)]
        answers = await asyncio.gather(*stalled)
        after = await post(session, server, execute_body(3))
    assert [status for status, _ in answers] == [408, 408]
    assert all("stopped arriving" in answer["error"] for _, answer in answers)
    assert after[2]["message"] == "3 rows"


async def post_raw(session, url, body):
    async with session.post(f"{url}/actions/slow/execute", data=body, headers=HEADERS) as answer:
        return answer.status, orjson.loads(await answer.read())
