"""A small real "recording hub" for the Looker sender's tests, and tests of the hub itself.

It records every request (headers, raw body, whether it came chunked), fetches the download URL
(optionally twice) or decodes the inline attachment, parses the json_detail document, and answers
like a hub: keep-alive newlines first, then {"looker": {...}}. Imported by the other test modules
of the sender and the send command.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze.serving import background_server

DEFINITION = {
    "name": "braze",
    "label": "Braze",
    "description": "Flag users in Braze",
    "url": "http://hub/actions/braze/execute",
    "form_url": "http://hub/actions/braze/form",
    "icon_data_uri": "data:image/png;base64,AAAA",
    "params": [
        {"name": "api_key", "label": "API key", "required": True, "sensitive": True},
        {"name": "endpoint", "label": "REST endpoint", "required": True, "sensitive": False},
    ],
    "required_fields": [{"tag": "braze_id"}],
    "supported_action_types": ["query"],
    "supported_formats": ["json_detail", "json_detail_lite_stream"],
    "supported_formattings": ["unformatted"],
    "supported_visualization_formattings": ["noapply"],
    "supported_download_settings": ["url"],
    "uses_oauth": False,
    "delegate_oauth": False,
}
FORM_FIELDS = [
    {"name": "label", "label": "Export label", "type": "string", "required": True},
    {
        "name": "mode",
        "label": "Mode",
        "type": "select",
        "interactive": True,
        "default": "replace",
        "options": [{"name": "replace", "label": "Replace"}, {"name": "add", "label": "Add"}],
    },
]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    header_names: list[str]  # as sent, in order
    body: bytes

    @property
    def json(self):
        return orjson.loads(self.body) if self.body else None

    @property
    def chunked(self) -> bool:
        return self.headers.get("transfer-encoding", "").lower() == "chunked"


@dataclass
class Fetch:
    status: int | None = None
    body: bytes = b""
    error: str | None = None


@dataclass
class Seen:
    """What the hub made of one execute."""

    fetches: list[Fetch] = field(default_factory=list)
    document: bytes | None = None
    rows: int | None = None
    ids: list = field(default_factory=list)
    problem: str | None = None


class RecordingHub:
    """Serve with ``with hub.running() as url``; inspect ``requests`` and ``seen`` afterwards."""

    def __init__(
        self,
        token: str | None = None,
        keepalive_newlines: int = 2,
        fetch_twice: bool = False,
        download_timeout_s: float = 10.0,
        answer: Callable[[dict, Seen], dict] | None = None,
        execute_status: int = 200,
        formats: list[str] | None = None,
    ) -> None:
        self.token, self.keepalive_newlines = token, keepalive_newlines
        self.formats = formats or DEFINITION["supported_formats"]
        self.fetch_twice, self.download_timeout_s = fetch_twice, download_timeout_s
        self.answer, self.execute_status = answer, execute_status
        self.requests: list[Recorded] = []
        self.seen: list[Seen] = []
        self.app = Starlette(
            routes=[
                Route("/", self.list_actions, methods=["POST"]),
                Route("/actions/{name}", self.definition, methods=["POST"]),
                Route("/actions/{name}/form", self.form, methods=["POST"]),
                Route("/actions/{name}/execute", self.execute, methods=["POST"]),
            ]
        )

    def running(self):
        return background_server(self.app)

    @property
    def executes(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/execute")]

    async def _record(self, request: Request) -> Response | None:
        body = await request.body()
        self.requests.append(
            Recorded(
                request.method,
                request.url.path,
                {k.decode().lower(): v.decode() for k, v in request.scope["headers"]},
                [k.decode() for k, _ in request.scope["headers"]],
                body,
            )
        )
        expected = f'Token token="{self.token}"'
        if self.token and request.headers.get("authorization") != expected:
            error = {"success": False, "error": "Invalid 'Authorization' header."}
            return JSONResponse(error, status_code=403)
        return None

    async def list_actions(self, request: Request) -> Response:
        refused = await self._record(request)
        return refused or JSONResponse({"label": "Recording Hub", "integrations": [DEFINITION]})

    async def definition(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused or request.path_params["name"] != "braze":
            return refused or JSONResponse({"error": "no such action"}, status_code=404)
        return JSONResponse({**DEFINITION, "supported_formats": self.formats})

    async def form(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused:
            return refused
        asked = orjson.loads(await request.body())
        if not asked.get("data", {}).get("api_key"):
            return JSONResponse({"fields": [], "error": "api_key is required"})
        return JSONResponse({"fields": FORM_FIELDS, "state": {"data": asked.get("form_params")}})

    async def execute(self, request: Request) -> Response:
        refused = await self._record(request)
        if refused:
            return refused
        payload = orjson.loads(self.requests[-1].body)
        seen = Seen()
        self.seen.append(seen)
        stream = self._run(payload, seen)
        return StreamingResponse(
            stream, status_code=self.execute_status, media_type="application/json"
        )

    async def _run(self, payload: dict, seen: Seen):
        for _ in range(self.keepalive_newlines):
            yield b"\n"
            await asyncio.sleep(0.01)
        await self._read_rows(payload, seen)
        answer = self.answer(payload, seen) if self.answer else _default_answer(seen)
        yield orjson.dumps({"looker": answer})

    async def _read_rows(self, payload: dict, seen: Seen) -> None:
        url = (payload.get("scheduled_plan") or {}).get("download_url")
        if url:
            for _ in range(2 if self.fetch_twice else 1):
                seen.fetches.append(await self._fetch(url))
            first = seen.fetches[0]
            seen.document = first.body if first.status == 200 and not first.error else None
        elif payload.get("attachment"):
            seen.document = _attachment_bytes(payload["attachment"])
        _parse(seen)

    async def _fetch(self, url: str) -> Fetch:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=self.download_timeout_s)
        fetch = Fetch()
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url) as response,
            ):
                fetch.status = response.status
                fetch.body = await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            fetch.error = type(exc).__name__
        return fetch


def _attachment_bytes(attachment: dict) -> bytes:
    if attachment["mimetype"].endswith(";base64"):
        return base64.b64decode(attachment["data"])
    return attachment["data"].encode()


def _parse(seen: Seen) -> None:
    if seen.document is None:
        fetch = seen.fetches[0] if seen.fetches else Fetch()
        seen.problem = f"download failed: status {fetch.status}, error {fetch.error}"
        return
    try:
        document = orjson.loads(seen.document)
    except orjson.JSONDecodeError as exc:
        seen.problem = f"not JSON: {exc}"
        return
    dimensions = document.get("fields", {}).get("dimensions", [])
    id_fields = [f["name"] for f in dimensions if "braze_id" in f.get("tags", [])]
    seen.rows = len(document["data"])
    seen.ids = [row[id_fields[0]]["value"] for row in document["data"]] if id_fields else []


def _default_answer(seen: Seen) -> dict:
    if seen.problem:
        return {"success": False, "message": seen.problem, "refresh_query": False}
    return {"success": True, "message": f"{seen.rows} rows", "refresh_query": False}


# --- tests of the recording hub itself -------------------------------------------------------


async def test_hub_refuses_a_missing_token_like_the_reference_hub():
    hub = RecordingHub(token="t0ken")
    with hub.running() as url:
        async with aiohttp.ClientSession() as session, session.post(url + "/") as response:
            assert response.status == 403
            assert (await response.json())["error"] == "Invalid 'Authorization' header."


async def test_hub_answers_with_keepalive_newlines_before_the_json():
    hub = RecordingHub(keepalive_newlines=3)
    with hub.running() as url:
        async with aiohttp.ClientSession() as session:
            body = orjson.dumps({"type": "query", "data": {}, "form_params": {}})
            async with session.post(url + "/actions/braze/execute", data=body) as response:
                text = await response.text()
    assert text.startswith("\n\n\n{")
    assert orjson.loads(text)["looker"]["success"] is False  # no rows were given
