"""The Looker sender against a real recording hub: headers, payload, one-time URL, inline
attachments, keep-alive newlines, download faults, errors."""

from __future__ import annotations

import base64
import re
import tracemalloc

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from looker_braze.serving import background_server, bind_socket, socket_url
from looker_braze.sim.looker import (
    DownloadFault,
    DownloadServer,
    HubRefused,
    HubUnreachable,
    LookerSender,
    send_sync,
)
from looker_braze.sim.looks import LookSpec, look_bytes, look_chunks, write_look
from tests.sim.test_looker_hub import RecordingHub

PARAMS = {"api_key": "secret-key-123", "endpoint": "http://127.0.0.1:1/"}
FORM = {"label": "vip", "mode": "add"}
SMALL = LookSpec(rows=300, seed=7, duplicate_share=0.1, invalid_id_share=0.05)


@pytest.fixture
def look_file(tmp_path):
    path = tmp_path / "look.json"
    write_look(SMALL, path)
    return path


async def _execute(hub: RecordingHub, token: str | None = None, **execute):
    with hub.running() as url:
        async with LookerSender(url, token=token, instance_id="inst-1") as looker:
            return await looker.execute("braze", params=PARAMS, form_params=FORM, **execute)


async def test_execute_sends_exactly_lookers_headers_with_a_chunked_body(look_file):
    hub = RecordingHub(token="hub-token")
    result = await _execute(hub, token="hub-token", look=look_file)
    sent = hub.executes[0]
    assert sent.headers["authorization"] == 'Token token="hub-token"'
    assert sent.headers["user-agent"] == "LookerOutgoingWebhook/23.4.0"
    assert sent.headers["x-looker-instance"] == "inst-1"
    assert re.fullmatch(r"[0-9a-f]{32}", sent.headers["x-looker-webhook-id"])
    assert sent.headers["x-looker-webhook-id"] == result.webhook_id
    assert sent.headers["content-type"] == "application/json"
    assert sent.chunked and "content-length" not in sent.headers
    assert result.status == 200 and result.success, result.body_text


async def test_without_a_token_there_is_no_authorization_header(look_file):
    hub = RecordingHub()
    await _execute(hub, look=look_file)
    assert "authorization" not in hub.executes[0].headers


async def test_webhook_id_is_new_for_each_send_unless_given(look_file):
    hub = RecordingHub()
    with hub.running() as url:
        async with LookerSender(url, looker_version="7.20.3") as looker:
            for webhook_id in (None, None, "given-id"):
                await looker.execute("braze", look=look_file, webhook_id=webhook_id)
    ids = [r.headers["x-looker-webhook-id"] for r in hub.executes]
    assert ids[0] != ids[1] and ids[2] == "given-id"
    assert {r.headers["user-agent"] for r in hub.executes} == {"LookerOutgoingWebhook/7.20.3"}


async def test_payload_has_lookers_keys_and_a_download_url(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file, scheduled_plan={"title": "VIPs", "query_id": 5})
    payload = hub.executes[0].json
    assert set(payload) == {"type", "scheduled_plan", "attachment", "data", "form_params"}
    assert payload["type"] == "query" and payload["attachment"] is None
    assert payload["data"] == PARAMS and payload["form_params"] == FORM
    plan = payload["scheduled_plan"]
    assert set(plan) >= {
        "scheduled_plan_id", "title", "type", "url", "query_id", "query",
        "filters_differ_from_look", "download_url", "async_callback_url",
    }  # fmt: skip
    assert plan["type"] == "Look" and plan["title"] == "VIPs" and plan["query_id"] == 5
    assert plan["download_url"].startswith("http://127.0.0.1:")
    assert result.request == payload


async def test_url_delivery_streams_the_file_once_byte_for_byte(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file)
    seen = hub.seen[0]
    assert seen.fetches[0].status == 200
    assert seen.document == look_file.read_bytes()
    assert seen.rows == SMALL.rows
    assert result.download_requests == 1 and result.download_completed
    assert result.download_bytes == look_file.stat().st_size


async def test_the_download_url_refuses_a_second_use(look_file):
    hub = RecordingHub(fetch_twice=True)
    result = await _execute(hub, look=look_file)
    assert [f.status for f in hub.seen[0].fetches] == [200, 410]
    assert result.download_requests == 2 and result.download_statuses == [200, 410]


async def test_download_paths_are_unguessable_and_unknown_ones_are_404(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file)
    download_url = result.request["scheduled_plan"]["download_url"]
    token = download_url.rsplit("/", 1)[1]
    assert len(token) >= 40
    with hub.running() as url:
        async with LookerSender(url) as looker:
            probe = looker.downloads.base_url + "/looks/not-a-token"
            async with aiohttp.ClientSession() as session, session.get(probe) as response:
                assert response.status == 404


@pytest.mark.parametrize(
    ("delivery", "mimetype"),
    [("inline", "application/json"), ("inline-base64", "application/json;base64")],
)
async def test_inline_delivery_puts_the_document_in_the_attachment(look_file, delivery, mimetype):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file, delivery=delivery)
    attachment = hub.executes[0].json["attachment"]
    assert attachment["mimetype"] == mimetype and attachment["extension"] == "json"
    data = attachment["data"]
    document = base64.b64decode(data) if delivery == "inline-base64" else data.encode()
    assert document == look_file.read_bytes()
    assert hub.executes[0].json["scheduled_plan"]["download_url"] is None
    assert result.download_requests == 0 and result.success
    assert hub.seen[0].rows == SMALL.rows


async def test_keepalive_newlines_before_the_answer_are_counted(look_file):
    hub = RecordingHub(keepalive_newlines=4)
    result = await _execute(hub, look=look_file)
    assert result.keepalive_newlines == 4
    assert result.body_text.startswith("\n\n\n\n{")
    assert result.looker == {"success": True, "message": "300 rows", "refresh_query": False}


async def test_a_generated_stream_and_bytes_are_served_as_given():
    spec = LookSpec(rows=5000, seed=3, lite=True)
    for look in (look_chunks(spec, chunk_bytes=10_000), look_bytes(spec)):
        hub = RecordingHub()
        await _execute(hub, look=look)
        assert hub.seen[0].document == look_bytes(spec)
        assert hub.seen[0].rows == 5000


async def test_download_answering_500_fails_the_send(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file, download_fault=DownloadFault(status=500))
    assert hub.seen[0].fetches[0].status == 500
    assert result.download_statuses == [500] and not result.download_completed
    assert not result.success and "status 500" in result.message


async def test_stalled_download_leaves_the_hub_waiting_until_it_gives_up(look_file):
    hub = RecordingHub(download_timeout_s=0.5)
    result = await _execute(hub, look=look_file, download_fault=DownloadFault(stall_after=100))
    assert hub.seen[0].fetches[0].error is not None
    assert result.download_bytes == 100 and not result.download_completed
    assert not result.success


async def test_truncated_download_ends_cleanly_with_broken_json(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file, download_fault=DownloadFault(truncate_at=1000))
    fetch = hub.seen[0].fetches[0]
    assert fetch.status == 200 and fetch.error is None
    assert fetch.body == look_file.read_bytes()[:1000]
    assert not result.success and result.message.startswith("not JSON")


async def test_aborted_download_drops_the_connection_mid_body(look_file):
    hub = RecordingHub()
    result = await _execute(hub, look=look_file, download_fault=DownloadFault(abort_at=700))
    assert hub.seen[0].fetches[0].error == "ClientPayloadError"
    assert result.download_bytes == 700 and not result.success


async def test_list_definition_and_form_are_what_the_hub_answers():
    hub = RecordingHub(token="tok")
    with hub.running() as url:
        async with LookerSender(url, token="tok") as looker:
            listing = await looker.list_actions()
            definition = await looker.action("braze")
            form = await looker.form("braze", params=PARAMS, form_params={"mode": "add"})
            empty = await looker.form("braze")
    assert listing["integrations"][0]["name"] == "braze" and definition["name"] == "braze"
    assert [f["name"] for f in form["fields"]] == ["label", "mode"]
    assert form["state"] == {"data": {"mode": "add"}}
    assert empty["error"] == "api_key is required"
    asked = hub.requests[2]
    assert asked.path == "/actions/braze/form"
    assert asked.json == {"type": "query", "data": PARAMS, "form_params": {"mode": "add"}}
    assert all(r.headers["authorization"] == 'Token token="tok"' for r in hub.requests)
    assert [r.body for r in hub.requests[:2]] == [b"", b""]


async def test_a_refusing_hub_raises_hubrefused_with_status_and_body():
    hub = RecordingHub(token="right")
    with hub.running() as url:
        async with LookerSender(url, token="wrong") as looker:
            with pytest.raises(HubRefused) as refused:
                await looker.list_actions()
            result = await looker.execute("braze", look=b"{}")
    assert refused.value.status == 403 and "Invalid" in refused.value.body
    assert result.status == 403 and result.looker is None and not result.success


async def test_an_unreachable_hub_raises_hubunreachable():
    sock = bind_socket()
    dead = socket_url(sock)
    sock.close()  # nothing listens there any more
    async with LookerSender(dead, connect_timeout_s=2) as looker:
        with pytest.raises(HubUnreachable, match="cannot reach the hub"):
            await looker.list_actions()
        with pytest.raises(HubUnreachable):
            await looker.execute("braze", look=b"{}")


async def test_an_http_error_answer_keeps_its_status_and_body(look_file):
    hub = RecordingHub(execute_status=502)
    result = await _execute(hub, look=look_file)
    assert result.status == 502 and not result.success
    assert result.looker["success"] is True  # the body still parses; the status tells the truth


def test_send_sync_runs_one_execute_from_plain_code(look_file):
    hub = RecordingHub(token="abc")
    with hub.running() as url:
        result = send_sync(url, "braze", token="abc", look=look_file, params=PARAMS)
    assert result.success and hub.seen[0].rows == SMALL.rows
    assert hub.executes[0].json["data"] == PARAMS


def test_inline_refuses_bytes_that_are_not_utf8():
    from looker_braze.errors import FailRun

    hub = RecordingHub()
    with hub.running() as url, pytest.raises(FailRun, match="inline-base64"):
        send_sync(url, look=b"\xff\xfe not text", delivery="inline")


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.fixture(scope="module")
def shared_hub():
    hub = RecordingHub(keepalive_newlines=0)
    with hub.running() as url:
        yield hub, url


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(text, text, max_size=4), form=st.dictionaries(text, text, max_size=4))
def test_params_and_form_answers_arrive_unchanged(shared_hub, params, form):
    hub, url = shared_hub
    result = send_sync(url, params=params, form_params=form, look=b'{"data":[]}', delivery="inline")
    payload = hub.executes[-1].json
    assert payload["data"] == params and payload["form_params"] == form
    assert result.webhook_id == hub.executes[-1].headers["x-looker-webhook-id"]


class CountingHub:
    """A hub that streams the download and keeps only a byte count, to watch the sender's memory."""

    def __init__(self) -> None:
        self.received: list[int] = []
        route = Route("/actions/braze/execute", self.execute, methods=["POST"])
        self.app = Starlette(routes=[route])

    async def execute(self, request: Request) -> JSONResponse:
        url = (await request.json())["scheduled_plan"]["download_url"]
        size = 0
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            async for chunk in response.content.iter_any():
                size += len(chunk)
        self.received.append(size)
        return JSONResponse({"looker": {"success": True, "message": f"{size} bytes"}})


async def _peak_while_sending(path) -> int:
    hub = CountingHub()
    with background_server(hub.app) as url:
        async with LookerSender(url) as looker:
            tracemalloc.start()
            try:
                result = await looker.execute("braze", look=path)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert result.success and hub.received == [path.stat().st_size]
    return peak


async def test_a_file_is_served_in_chunks_never_loaded_whole(tmp_path):
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    small.write_bytes(b" " * 2_000_000)
    big.write_bytes(b" " * 40_000_000)
    small_peak, big_peak = await _peak_while_sending(small), await _peak_while_sending(big)
    assert big_peak < 4_000_000 and big_peak < 2 * small_peak + 1_000_000, (small_peak, big_peak)


async def test_the_download_url_names_the_given_host_and_port(look_file):
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()  # free again: the sender's download server takes it
    hub = RecordingHub()
    with hub.running() as url:
        async with LookerSender(url, download_host="localhost", download_port=port) as looker:
            result = await looker.execute("braze", look=look_file)
    download_url = result.request["scheduled_plan"]["download_url"]
    assert download_url.startswith(f"http://localhost:{port}/looks/")
    assert result.success and hub.seen[0].fetches[0].status == 200


@pytest.mark.parametrize(
    ("public_host", "bind"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("::1", "::1"),
        ("host.docker.internal", "0.0.0.0"),
        ("10.1.2.3", "0.0.0.0"),
        ("fd00::5", "::"),
    ],
)
def test_the_download_server_listens_where_the_hub_can_reach_it(public_host, bind):
    assert DownloadServer(public_host).bind == bind


async def test_a_head_request_does_not_use_up_the_download(look_file):
    hub = RecordingHub()
    with hub.running() as url:
        async with LookerSender(url) as looker:
            download = looker.downloads.register(look_file)
            async with aiohttp.ClientSession() as session:
                async with session.head(download.url) as head:
                    assert head.status == 200
                async with session.get(download.url) as get:
                    assert await get.read() == look_file.read_bytes()
                async with session.head(download.url) as head:
                    assert head.status == 410
    assert download.requests == 1 and download.completed


async def test_a_hub_slower_than_the_read_timeout_is_reported_as_such(look_file):
    hub = RecordingHub(keepalive_newlines=0, download_timeout_s=5)
    slow = DownloadFault(delay_s=2)  # the hub waits for the rows, so Looker waits for the hub
    with hub.running() as url:
        async with LookerSender(url, read_timeout_s=0.3) as looker:
            with pytest.raises(HubUnreachable, match="no answer in time"):
                await looker.execute("braze", look=look_file, download_fault=slow)
