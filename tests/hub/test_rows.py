"""The row source over real HTTP downloads and inline attachments."""

import asyncio
import base64
from contextlib import asynccontextmanager

import orjson
import pytest
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from looker_braze.errors import FailRun
from looker_braze.hub.download import UNUSABLE, Downloader, DownloadPolicy
from looker_braze.hub.protocol import ActionRequest, Attachment, ScheduledPlan
from looker_braze.hub.rows import RowSource
from looker_braze.serving import background_server

FIELDS = {"dimensions": [{"name": "u.id", "type": "string", "tags": ["braze_id"]}], "measures": []}


def look(rows: int, fields_first: bool = True) -> bytes:
    data = [{"u.id": {"value": f"id-{i}"}} for i in range(rows)]
    doc = {"fields": FIELDS, "data": data} if fields_first else {"data": data, "fields": FIELDS}
    return orjson.dumps({"ran_at": "2024-01-01", **doc})


def chunks(body: bytes, size: int = 7777):
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def cut_off(request):
    body = look(5000)

    async def stream():
        yield body[: len(body) // 2]
        raise RuntimeError("connection lost")  # uvicorn aborts the chunked response

    return StreamingResponse(stream(), media_type="application/json")


async def stalled(request):
    async def stream():
        yield look(10)[:50]
        await asyncio.sleep(5)

    return StreamingResponse(stream(), media_type="application/json")


app = Starlette(
    routes=[
        Route(
            "/look", lambda r: StreamingResponse(chunks(look(5000)), media_type="application/json")
        ),
        Route("/look-data-first", lambda r: Response(look(3000, fields_first=False))),
        Route("/gone", lambda r: Response("gone", status_code=410)),
        Route("/html", lambda r: Response("<html>oops</html>")),
        Route("/cut", cut_off),
        Route("/stall", stalled),
    ]
)


@pytest.fixture(scope="module")
def server():
    with background_server(app) as url:
        yield url


async def read_all(source: RowSource, select=("u.id",)):
    async with source.open() as stream:
        rows = [row async for batch in stream.batches(select) for row in batch]
    return stream.fields, rows


def download(url: str) -> ActionRequest:
    return ActionRequest(scheduled_plan=ScheduledPlan(download_url=url))


@asynccontextmanager
async def downloader(**policy):
    downloads = Downloader(DownloadPolicy(**policy))
    try:
        yield downloads
    finally:
        await downloads.close()


async def test_download_streams_every_row_in_order(server):
    async with downloader() as session:
        fields, rows = await read_all(RowSource(download(f"{server}/look"), session))
    assert [f.name for f in fields.fields] == ["u.id"]
    assert rows == [(f"id-{i}",) for i in range(5000)]


async def test_fields_after_data_are_found(server):
    async with downloader() as session:
        fields, rows = await read_all(RowSource(download(f"{server}/look-data-first"), session))
    assert fields.fields[0].tags == ("braze_id",)
    assert len(rows) == 3000


@pytest.mark.parametrize(
    "path, fragment",
    [
        ("/gone", UNUSABLE),  # the status, the page and the silence before Looker's data
        ("/html", UNUSABLE),  # read the same: test_download.py says why
        ("/cut", "cut off"),
        ("/stall", UNUSABLE),
    ],
)
async def test_download_failures_say_what_happened(server, path, fragment):
    async with downloader(stall_seconds=0.5) as session:
        with pytest.raises(FailRun) as error:
            await read_all(RowSource(download(f"{server}{path}"), session))
    assert fragment in str(error.value)


async def test_unreachable_download_fails_the_run():
    async with downloader() as session:
        with pytest.raises(FailRun, match="Could not get the data"):
            await read_all(RowSource(download("http://127.0.0.1:9/nothing"), session))


@pytest.mark.parametrize("fields_first", [True, False])
async def test_inline_attachment_plain_and_base64(fields_first):
    body = look(1200, fields_first)
    plain = Attachment(mimetype="application/json", data=body.decode())
    encoded = Attachment(mimetype="application/json;base64", data=base64.b64encode(body).decode())
    for attachment in (plain, encoded):
        fields, rows = await read_all(RowSource(ActionRequest(attachment=attachment), None))
        assert len(rows) == 1200 and fields.fields[0].name == "u.id"


async def test_no_data_at_all_is_a_clear_failure():
    with pytest.raises(FailRun, match="neither a download URL nor an attachment"):
        await read_all(RowSource(ActionRequest(), None))


async def test_bad_base64_is_a_clear_failure():
    attachment = Attachment(mimetype="application/json;base64", data="!!!not base64")
    with pytest.raises(FailRun):
        await read_all(RowSource(ActionRequest(attachment=attachment), None))


async def test_pivots_are_visible_to_actions():
    body = orjson.dumps({"fields": {**FIELDS, "pivots": [{"name": "u.state"}]}, "data": []})
    attachment = Attachment(mimetype="application/json", data=body.decode())
    fields, rows = await read_all(RowSource(ActionRequest(attachment=attachment), None))
    assert fields.is_pivoted and rows == []


NOTED = {"timezone": "America/New_York", "sql": "SELECT u.id FROM users AS u\nLIMIT 500"}


@pytest.mark.parametrize("layout", ["compact", "pretty", "data first"])
async def test_the_documents_zone_and_sql_limit_are_read_before_the_rows(layout):
    data = [{"u.id": {"value": f"id-{i}"}} for i in range(3)]
    if layout == "data first":
        document = {"data": data, **NOTED, "fields": FIELDS}
    else:
        document = {**NOTED, "fields": FIELDS, "data": data}
    option = orjson.OPT_INDENT_2 if layout == "pretty" else 0
    attachment = Attachment(
        mimetype="application/json", data=orjson.dumps(document, option=option).decode()
    )
    async with RowSource(ActionRequest(attachment=attachment), None).open() as stream:
        rows = [row async for batch in stream.batches(["u.id"]) for row in batch]
    assert len(rows) == 3
    assert stream.document.time_zone == "America/New_York" and stream.document.sql_limit == 500


async def test_a_document_without_notes_says_nothing():
    attachment = Attachment(mimetype="application/json", data=look(2).decode())
    async with RowSource(ActionRequest(attachment=attachment), None).open() as stream:
        assert stream.document.time_zone is None and stream.document.sql_limit is None


async def test_an_attachment_holding_the_json_document_itself_is_read():
    document = orjson.loads(look(4))
    attachment = Attachment(mimetype="application/json", data=document)
    _, rows = await read_all(RowSource(ActionRequest(attachment=attachment), None))
    assert rows == [(f"id-{i}",) for i in range(4)]


def _inline(document: dict) -> RowSource:
    # Pretty JSON takes the general parser (the fast path wants compact rows).
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    attachment = Attachment(mimetype="application/json", data=text)
    return RowSource(ActionRequest(attachment=attachment), None)


@pytest.mark.parametrize("data_first", [False, True])
@pytest.mark.parametrize("fields", [[FIELDS], "u.id", None])
async def test_fields_that_are_not_an_object_are_refused_before_or_after_the_rows(
    data_first, fields
):
    data = [{"u.id": {"value": "a"}}]
    document = {"data": data, "fields": fields} if data_first else {"fields": fields, "data": data}
    with pytest.raises(FailRun, match="no usable 'fields' description"):
        await read_all(_inline(document))


async def test_a_rows_own_fields_key_is_not_the_documents():
    data = [{"u.id": {"value": f"id-{i}"}, "fields": {"x": i}} for i in range(3)]
    fields, rows = await read_all(_inline({"data": data, "timezone": "UTC", "fields": FIELDS}))
    assert fields.fields[0].name == "u.id" and rows == [(f"id-{i}",) for i in range(3)]
