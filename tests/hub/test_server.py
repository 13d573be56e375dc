"""The hub server over real HTTP, with a small vendor-free action that counts rows."""

from __future__ import annotations

import asyncio

import aiohttp
import orjson
import pytest

from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, Registry
from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.hub.protocol import ActionDefinition, ActionResult, Form, FormField, Param
from looker_braze.hub.server import create_app
from looker_braze.serving import background_server
from looker_braze.settings import HubSettings

SECRET = "hub-test-secret"


class CountRows(Action):
    """Counts rows; form_params.sleep makes it slow, form_params.fail makes it fail."""

    name = "count"

    def definition(self, looker):
        formats = (
            ("json_detail_lite_stream", "json_detail")
            if looker.at_least(6, 2)
            else ("json_detail",)
        )
        return ActionDefinition(
            name=self.name,
            label="Count",
            description="counts rows",
            params=(Param("secret_param", "Secret", required=True, sensitive=True),),
            supported_formats=formats,
        )

    async def form(self, request):
        return Form((FormField("sleep", "Sleep"),))

    async def execute(self, request, rows, progress):
        await asyncio.sleep(float(request.form_params.get("sleep", 0)))
        if request.form_params.get("fail"):
            raise FailRun("told to fail")
        if request.form_params.get("crash"):
            raise RuntimeError("secret-value-in-exception")
        count = 0
        async with rows.open() as stream:
            async for batch in stream.batches(()):
                count += len(batch)
                progress.add("read", len(batch))
        return ActionResult(success=True, message=f"{count} rows")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = HubSettings(
        base_url="https://hub.example.com",
        label="Test Hub",
        secret=SECRET,
        keepalive_seconds=0.2,
        max_request_bytes=256 * 1024,
        state_url=f"sqlite:///{tmp_path_factory.mktemp('state')}/state.sqlite3",
    )
    with background_server(create_app(settings, Registry([CountRows()]))) as url:
        yield url


@pytest.fixture
async def post(server):
    headers = {"Authorization": authorization_header(new_token(SECRET))}
    async with aiohttp.ClientSession() as session:

        async def call(path, body=b"", extra_headers=None):
            async with session.post(
                f"{server}{path}", data=body, headers={**headers, **(extra_headers or {})}
            ) as response:
                return response.status, await response.read()

        yield call


def attachment(rows: int) -> bytes:
    look = {
        "fields": {"dimensions": [{"name": "a.b"}]},
        "data": [{"a.b": {"value": i}} for i in range(rows)],
    }
    payload = {
        "type": "query",
        "attachment": {"mimetype": "application/json", "data": orjson.dumps(look).decode()},
    }
    return orjson.dumps(payload)


async def test_action_list_and_definition(post):
    status, body = await post("/", extra_headers={"User-Agent": "LookerOutgoingWebhook/23.4.0"})
    listing = orjson.loads(body)
    assert status == 200 and listing["label"] == "Test Hub"
    (definition,) = listing["integrations"]
    assert definition["url"] == "https://hub.example.com/actions/count/execute"
    assert definition["form_url"] == "https://hub.example.com/actions/count/form"
    assert definition["supported_formats"] == ["json_detail_lite_stream", "json_detail"]
    status, body = await post(
        "/actions/count", extra_headers={"User-Agent": "LookerOutgoingWebhook/6.0.0"}
    )
    assert status == 200 and orjson.loads(body)["supported_formats"] == ["json_detail"]


async def test_form(post):
    status, body = await post("/actions/count/form", b"{}")
    assert status == 200 and orjson.loads(body)["fields"][0]["name"] == "sleep"


async def test_execute_streams_rows_and_answers_looker(post):
    status, body = await post("/actions/count/execute", attachment(2500))
    assert status == 200
    assert orjson.loads(body) == {
        "looker": {
            "success": True,
            "message": "2500 rows",
            "refresh_query": False,
            "validation_errors": {},
        }
    }


async def test_long_execute_writes_keepalive_newlines_first(post):
    payload = orjson.loads(attachment(3))
    payload["form_params"] = {"sleep": "0.7"}
    status, body = await post("/actions/count/execute", orjson.dumps(payload))
    assert status == 200
    assert body.startswith(b"\n\n") and orjson.loads(body)["looker"]["success"] is True


async def test_failures_reach_the_user_as_a_message(post):
    payload = orjson.loads(attachment(3))
    payload["form_params"] = {"fail": "1"}
    status, body = await post("/actions/count/execute", orjson.dumps(payload))
    assert status == 200 and orjson.loads(body)["looker"] == {
        "success": False, "message": "told to fail", "refresh_query": False, "validation_errors": {}
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["dashboard", "cell", None])
async def test_a_request_type_the_action_does_not_take_is_refused_with_a_message(post, kind):
    payload = orjson.loads(attachment(3))
    payload["type"] = kind
    status, body = await post("/actions/count/execute", orjson.dumps(payload))
    answer = orjson.loads(body)["looker"]
    assert status == 200 and answer["success"] is False
    assert "Count" in answer["message"] and "'query'" in answer["message"]
    assert "rows" not in answer["message"]  # the action never ran


async def test_unexpected_errors_do_not_leak_details(post):
    payload = orjson.loads(attachment(3))
    payload["form_params"] = {"crash": "1"}
    payload["data"] = {"secret_param": "secret-value"}
    status, body = await post(
        "/actions/count/execute", orjson.dumps(payload), {"X-Looker-Webhook-Id": "wh-9"}
    )
    assert status == 200
    answer = orjson.loads(body)["looker"]
    assert answer["success"] is False and "wh-9" in answer["message"]
    assert b"secret-value" not in body


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": 'Token token="abc/def"'}, {"Authorization": "Bearer x"}]
)
async def test_bad_or_missing_token_is_403_json(server, headers):
    async with aiohttp.ClientSession() as session:
        for path in ("/", "/actions/count", "/actions/count/form", "/actions/count/execute"):
            async with session.post(f"{server}{path}", headers=headers) as response:
                assert response.status == 403
                assert await response.json() == {
                    "success": False,
                    "error": "Invalid 'Authorization' header.",
                }


@pytest.mark.parametrize(
    "path, body, status, fragment",
    [
        ("/actions/nope", b"", 404, "No action named 'nope'"),
        ("/actions/nope/execute", b"{}", 404, "No action named"),
        ("/actions/count/execute", b"{not json", 400, "not valid JSON"),
        ("/actions/count/execute", b"[]", 400, "JSON object"),
        ("/actions/count/execute", b'{"data": {"a": 1}}', 400, "data.a"),
        ("/actions/count/form", b'{"form_params": "x"}', 400, "form_params"),
        ("/actions/count/execute", b"x" * (300 * 1024), 413, "LOOKER_BRAZE_MAX_REQUEST_BYTES"),
    ],
)
async def test_bad_requests_get_clear_json_errors_and_the_server_keeps_serving(
    post, path, body, status, fragment
):
    got, answer = await post(path, body)
    assert got == status and fragment in orjson.loads(answer)["error"]
    ok, _ = await post("/actions/count/execute", attachment(1))
    assert ok == 200


async def test_chunked_execute_body_is_accepted(server):
    async def chunks():
        body = attachment(500)
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    headers = {"Authorization": authorization_header(new_token(SECRET))}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server}/actions/count/execute", data=chunks(), headers=headers) as r,
    ):
        assert r.status == 200 and (await r.json())["looker"]["message"] == "500 rows"


async def test_status_and_metrics(server, post):
    await post("/actions/count/execute", attachment(10))
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server}/status") as response:
            status = await response.json()
        async with session.get(f"{server}/metrics") as response:
            metrics = await response.text()
    assert status["actions"] == ["count"] and status["uptime_seconds"] >= 0
    assert SECRET not in str(status)
    assert 'looker_braze_rows_total{action="count",outcome="read"}' in metrics
    assert "looker_braze_run_duration_seconds_bucket" in metrics
