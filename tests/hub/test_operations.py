"""Operating the hub: log lines per run, live counts in the run history (heartbeat), runs left
running by a dead hub marked interrupted, /status details only with a token, and a stop that
answers runs in progress within its grace period. A real server, a vendor-free action."""

from __future__ import annotations

import asyncio
import io
import logging
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import aiohttp
import orjson
import pytest

from looker_braze.hub.action import Action, Registry
from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.hub.protocol import ActionDefinition, ActionResult
from looker_braze.hub.server import create_app
from looker_braze.logs import JsonFormatter, _WebhookIdFilter
from looker_braze.serving import background_server
from looker_braze.settings import HubSettings
from looker_braze.state import RunStart, open_store

SECRET = "ops-test-secret"
LABEL = "churn-risk-audience"

pytestmark = pytest.mark.timeout(120)


class Trickle(Action):
    """Begins as a sync of form_params.label, then counts form_params.rows rows, one every
    form_params.pace seconds; form_params.fail makes it fail at the end."""

    name = "trickle"

    def definition(self, looker):
        return ActionDefinition(name=self.name, label="Trickle", description="slow counter")

    async def execute(self, request, rows, progress):
        form = request.form_params
        await progress.begin(mode="sync", label=form.get("label", LABEL), workspace="w")
        for _ in range(int(form.get("rows", 10))):
            await asyncio.sleep(float(form.get("pace", 0.01)))
            progress.add("read")
            progress.add("sent")
        if form.get("fail"):
            return ActionResult(success=False, message="Failed: the endpoint refused the key")
        return ActionResult(success=True, message=f"Done: {progress.counts['read']} rows")


def settings_for(state_url: str, **overrides) -> HubSettings:
    return HubSettings(
        base_url="https://hub.example.com",
        label="Ops Hub",
        secret=SECRET,
        keepalive_seconds=0.2,
        state_url=state_url,
        **overrides,
    )


def body(form: dict, webhook_id: str = "wh-ops-1") -> bytes:
    look = {"fields": {"dimensions": [{"name": "a.b"}]}, "data": []}
    return orjson.dumps(
        {
            "type": "query",
            "form_params": form,
            "attachment": {"mimetype": "application/json", "data": orjson.dumps(look).decode()},
        }
    ), webhook_id


HEADERS = {"Authorization": authorization_header(new_token(SECRET))}


async def execute(url: str, form: dict, webhook_id: str = "wh-ops-1") -> dict:
    payload, webhook = body(form, webhook_id)
    headers = {**HEADERS, "X-Looker-Webhook-Id": webhook}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{url}/actions/trickle/execute", data=payload, headers=headers) as r,
    ):
        assert r.status == 200
        return orjson.loads(await r.read())["looker"]


async def get_json(url: str, headers: dict | None = None) -> dict:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
        assert r.status == 200
        return await r.json()


async def get_text(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        assert r.status == 200
        return await r.text()


async def wait_for(predicate, timeout: float = 10.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(every)
    raise AssertionError("condition not met in time")


@pytest.fixture
def state_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/state.sqlite3"


def hub_app(state_url: str, **overrides):
    return create_app(settings_for(state_url, **overrides), Registry([Trickle()]))


async def test_status_shows_labels_only_with_a_token(state_url):
    with background_server(hub_app(state_url)) as url:
        run = asyncio.create_task(execute(url, {"rows": "200", "pace": "0.01"}))

        async def in_progress():
            return (await get_json(f"{url}/status"))["runs_in_progress"]

        (anonymous,) = await wait_for(in_progress)
        assert set(anonymous) == {"action", "running_seconds", "counts"}
        assert LABEL not in str(await get_json(f"{url}/status"))
        bad = {"Authorization": authorization_header("not-a-token")}
        assert LABEL not in str(await get_json(f"{url}/status", bad))
        (detailed,) = (await get_json(f"{url}/status", HEADERS))["runs_in_progress"]
        assert detailed["label"] == LABEL and detailed["mode"] == "sync"
        assert detailed["webhook_id"] == "wh-ops-1" and detailed["run_id"] >= 1
        (by_query,) = (await get_json(f"{url}/status?token={new_token(SECRET)}"))[
            "runs_in_progress"
        ]
        assert by_query["label"] == LABEL
        assert (await run)["success"] is True


async def test_a_run_logs_one_line_as_it_starts_and_one_as_it_ends(state_url, caplog):
    caplog.set_level(logging.INFO)
    with background_server(hub_app(state_url)) as url:
        await execute(url, {"rows": "3"}, webhook_id="wh-good")
        await execute(url, {"rows": "2", "fail": "1"}, webhook_id="wh-bad")
    runs = [r for r in caplog.records if getattr(r, "event", "").startswith("run_")]
    started = [r for r in runs if r.event == "run_started"]
    finished = [r for r in runs if r.event == "run_finished"]
    assert len(started) == len(finished) == 2
    good, bad = finished
    assert (good.levelno, good.status, good.counts) == (
        logging.INFO,
        "succeeded",
        {"read": 3, "sent": 3},
    )
    assert (good.action, good.mode, good.label) == ("trickle", "sync", LABEL)
    assert good.seconds > 0 and good.run_id == started[0].run_id
    assert "read=3 sent=3" in good.getMessage() and LABEL in good.getMessage()
    assert bad.levelno == logging.WARNING and bad.status == "failed"
    assert bad.reason == "Failed: the endpoint refused the key" and bad.reason in bad.getMessage()


def test_the_json_format_is_one_object_per_line_with_the_runs_fields():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(_WebhookIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("looker_braze.test_json")
    logger.addHandler(handler)
    try:
        logger.warning(
            "run 4 failed\nsecond line",
            extra={"run_id": 4, "counts": {"read": 2}, "path": Path("/srv/state")},
        )
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("with a traceback")
    finally:
        logger.removeHandler(handler)
    first, second = (orjson.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "looker_braze.test_json"
    assert first["message"] == "run 4 failed\nsecond line" and first["webhook_id"] == "-"
    assert first["run_id"] == 4 and first["counts"] == {"read": 2}
    assert first["path"] == "/srv/state"  # what JSON cannot hold, as text
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert "ValueError: boom" in second["exception"]


async def test_runs_show_live_counts_through_the_heartbeat(state_url):
    with background_server(hub_app(state_url, heartbeat_seconds=0.1)) as url:
        run = asyncio.create_task(execute(url, {"rows": "300", "pace": "0.01"}))

        async def live_counts():
            runs = (await get_json(f"{url}/runs?limit=1", HEADERS))["runs"]
            if not runs:
                return None
            latest, read = runs[0], runs[0]["counts"].get("read", 0)
            return latest if latest["status"] == "running" and read > 0 else None

        latest = await wait_for(live_counts)
        assert latest["counts"]["sent"] > 0 and latest["heartbeat_at"] > latest["started_at"]
        page = await get_text(f"{url}/runs/view?token={new_token(SECRET)}")
        assert "running" in page and "s so far" in page
        await run
    with open_store(state_url) as store:
        (done,) = store.runs(limit=1)
        assert (done.status, done.counts["read"]) == ("succeeded", 300)


def dead_process_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_runs_left_running_by_a_dead_hub_are_interrupted_at_start_up(state_url):
    with open_store(state_url) as store:
        crashed = store.start_run(RunStart("trickle", "sync", "L", "a", "w"))
        store._conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead_process_pid(), crashed))
        elsewhere = store.start_run(RunStart("trickle", "sync", "M", "a", "w"))
        store._conn.execute("UPDATE runs SET host = 'replica-2' WHERE id = ?", (elsewhere,))
    with background_server(hub_app(state_url, heartbeat_seconds=0.1)) as url:

        async def statuses():
            runs = (await get_json(f"{url}/runs", HEADERS))["runs"]
            return {run["id"]: run["status"] for run in runs}

        assert (await statuses())[crashed] == "interrupted"  # at once: its process is gone
        # The other host's run beats no more: after a few missed heartbeats, interrupted too.
        await wait_for(lambda: _is(statuses, elsewhere, "interrupted"), timeout=5)
        assert "interrupted" in await get_text(f"{url}/runs/view?token={new_token(SECRET)}")


async def _is(statuses, run_id: int, status: str) -> bool:
    return (await statuses())[run_id] == status


async def test_a_stop_answers_runs_in_progress_within_the_grace_period(state_url):
    app = hub_app(state_url, shutdown_grace_seconds=2, heartbeat_seconds=0.1)
    hub = app.state.hub
    with ExitStack() as stack:
        url = stack.enter_context(background_server(app, stop=hub))
        run = asyncio.create_task(execute(url, {"rows": "100000", "pace": "0.01"}))
        await wait_for(lambda: _has_counts(url))
        started = time.monotonic()
        await asyncio.to_thread(stack.close)  # the server stops, as on SIGTERM
        took = time.monotonic() - started
        answer = await run
    assert took < 2.5, took  # the grace period, and a little for the thread
    assert answer["success"] is False
    assert "hub was stopped" in answer["message"] and "send again" in answer["message"]
    with open_store(state_url) as store:
        (record,) = store.runs(limit=1)
    assert record.status == "interrupted" and record.message == answer["message"]
    assert 0 < record.counts["read"] < 100000


async def _has_counts(url: str) -> bool:
    runs = (await get_json(f"{url}/status"))["runs_in_progress"]
    return bool(runs and runs[0]["counts"].get("read"))


async def test_a_stop_waits_for_runs_that_finish_within_the_grace_period(state_url):
    app = hub_app(state_url, shutdown_grace_seconds=10)
    with ExitStack() as stack:
        url = stack.enter_context(background_server(app, stop=app.state.hub))
        run = asyncio.create_task(execute(url, {"rows": "50", "pace": "0.02"}))
        await wait_for(lambda: _has_counts(url))
        started = time.monotonic()
        await asyncio.to_thread(stack.close)
        took = time.monotonic() - started
        answer = await run
    assert answer["success"] is True and took < 5  # not the whole grace period
    with open_store(state_url) as store:
        assert store.runs(limit=1)[0].status == "succeeded"


@pytest.mark.services
async def test_replicas_sharing_postgres_see_each_others_live_counts_and_dead_runs(pg_schema):
    url, schema = pg_schema
    state_url = f"{url}?schema={schema}"
    with open_store(state_url) as store:  # a replica on another machine, silent for 10 minutes
        gone = store.start_run(RunStart("trickle", "sync", "M", "a", "w"))
        store._connection().execute(
            "UPDATE runs SET host = 'replica-9', heartbeat_at = now() - interval '10 minutes'"
            " WHERE id = %s",
            (gone,),
        )
    with (
        background_server(hub_app(state_url, heartbeat_seconds=0.1)) as first,
        background_server(hub_app(state_url, heartbeat_seconds=0.1)) as second,
    ):
        run = asyncio.create_task(execute(first, {"rows": "300", "pace": "0.01"}))

        async def seen_from_the_other_replica():
            runs = (await get_json(f"{second}/runs", HEADERS))["runs"]
            live = [r for r in runs if r["id"] != gone and r["status"] == "running"]
            return live if live and live[0]["counts"].get("read", 0) > 0 else None

        (live,) = await wait_for(seen_from_the_other_replica)
        assert live["label"] == LABEL
        statuses = {
            r["id"]: r["status"] for r in (await get_json(f"{second}/runs", HEADERS))["runs"]
        }
        assert statuses[gone] == "interrupted"
        assert (await run)["success"] is True  # beating all along: never taken for dead
    with open_store(state_url) as store:
        assert store.run(live["id"]).status == "succeeded"


@pytest.mark.services
async def test_a_run_whose_end_was_lost_in_a_database_outage_is_marked_interrupted(
    pg_schema, caplog
):
    import psycopg

    url, schema = pg_schema
    state_url = f"{url}?schema={schema}"
    caplog.set_level(logging.WARNING)
    with (
        psycopg.connect(url, autocommit=True) as admin,
        background_server(hub_app(state_url, heartbeat_seconds=0.1)) as hub,
    ):
        run = asyncio.create_task(execute(hub, {"rows": "60", "pace": "0.02"}))

        async def begun():
            runs = (await get_json(f"{hub}/status", HEADERS))["runs_in_progress"]
            return runs[0]["run_id"] if runs and runs[0]["run_id"] else None

        run_id = await wait_for(begun)
        # The hub's database goes away (as far as it can tell) until the run has ended.
        admin.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_away"')
        try:
            assert (await run)["success"] is True  # the send itself did not need the store
            await asyncio.sleep(0.3)
        finally:
            admin.execute(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"')

        async def interrupted():
            with open_store(state_url, abandon_stale=False) as store:
                return store.run(run_id).status == "interrupted"

        await wait_for(interrupted, timeout=10)
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"end of run {run_id}" in m for m in messages)
    assert sum("could not record the heartbeat" in m for m in messages) == 1  # once, not per beat
    assert any("recorded again" in m for m in messages)
