"""Play Looker's side of the Action API against any hub: list actions, fetch a definition and a
form, and send an execute exactly as Looker does (headers, User-Agent, chunked body), serving the
rows at a one-time download URL or inline.

    async with LookerSender(hub_url, token) as looker:
        result = await looker.execute("braze", params={...}, form_params={...}, look="look.json")

Like Looker, the sender uses the action's own format (the first of its definition's
``supported_formats``) unless told otherwise, and sends no more rows than Looker would: the Look's
row limit with ``results="table"`` ("Results in Table"), 5,000 rows in the json_detail format.

Errors: a hub that cannot be reached raises HubUnreachable; a hub answering list/definition/form
requests with an HTTP error raises HubRefused (status and body kept). An execute never raises for
an HTTP status: its result carries the status and body, as Looker would record them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import aiohttp
import ijson
import orjson

from looker_braze.errors import FailRun
from looker_braze.sim.looker import protocol
from looker_braze.sim.looker.caps import ChunkFile, capped, has_more_rows, row_cap
from looker_braze.sim.looker.download import (
    DownloadFault,
    DownloadServer,
    LookSource,
    source_opener,
)

SEND_BYTES = 64 * 1024
DEFAULT_INSTANCE = "looker-braze-sim"


class HubUnreachable(FailRun):
    """No HTTP answer from the hub at all (refused, reset, timed out, bad address)."""


class HubRefused(FailRun):
    """The hub answered a list, definition or form request with an HTTP error."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status, self.body = status, body


@dataclass
class ExecuteResult:
    """What came back from one execute, as Looker would see and record it."""

    status: int
    looker: dict | None  # the inner {"looker": {...}} object, None when the body is not one
    body_text: str
    keepalive_newlines: int  # newlines the hub wrote before its JSON to keep the line open
    download_requests: int  # GETs of the download URL (0 for inline delivery)
    elapsed_s: float
    webhook_id: str
    request: dict = field(repr=False, default_factory=dict)  # the payload that was sent
    download_statuses: list[int] = field(default_factory=list)
    download_bytes: int = 0
    download_completed: bool = False

    @property
    def success(self) -> bool:
        # Looker reports any HTTP error as a failure, whatever the body says.
        return self.status < 400 and bool(self.looker) and self.looker.get("success") is True

    @property
    def message(self) -> str | None:
        return (self.looker or {}).get("message")


class LookerSender:
    def __init__(
        self,
        hub_url: str,
        token: str | None = None,
        looker_version: str = "23.4.0",
        instance_id: str = DEFAULT_INSTANCE,
        *,
        download_host: str = "127.0.0.1",
        download_port: int = 0,
        download_bind: str | None = None,
        read_timeout_s: float = 900.0,
        connect_timeout_s: float = 30.0,
    ) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.headers = protocol.headers(token, looker_version, instance_id)
        self.downloads = DownloadServer(download_host, download_port, download_bind)
        # No total limit: a run may take many minutes; the hub's keep-alive newlines reset the
        # read timeout, as they keep Looker's connection open.
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect_timeout_s, sock_read=read_timeout_s
        )
        self._session: aiohttp.ClientSession | None = None
        self._formats: dict[str, str] = {}

    async def __aenter__(self) -> LookerSender:
        await asyncio.to_thread(self.downloads.start)
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._session is not None:
            await self._session.close()
        await asyncio.to_thread(self.downloads.stop)

    async def list_actions(self) -> dict:
        """POST / : the hub's label and integrations, as Looker's admin page lists them."""
        return await self._post_json("/", b"")

    async def action(self, name: str) -> dict:
        """POST /actions/<name> : one action's definition."""
        return await self._post_json(f"/actions/{name}", b"")

    async def form(
        self,
        name: str,
        params: Mapping[str, str] | None = None,
        form_params: Mapping[str, str] | None = None,
    ) -> Any:
        """POST /actions/<name>/form : the form Looker shows the user (a list or an object)."""
        body = protocol.form_request(params or {}, form_params or {})
        return await self._post_json(f"/actions/{name}/form", body)

    async def status(self) -> dict | None:
        """GET /status with the hub token (for the details it may keep from anonymous callers);
        None when the hub does not answer it with a JSON object."""
        try:
            async with self._http.get(f"{self.hub_url}/status", headers=self.headers) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        return body if isinstance(body, dict) else None

    async def execute(
        self,
        name: str,
        params: Mapping[str, str] | None = None,
        form_params: Mapping[str, str] | None = None,
        look: LookSource | None = None,
        delivery: str = "url",
        format: str | None = None,
        scheduled_plan: Mapping | None = None,
        webhook_id: str | None = None,
        download_fault: DownloadFault | None = None,
        results: str = "all",
        row_limit: int | None = protocol.DEFAULT_ROW_LIMIT,
        query_timezone: str | None = None,
    ) -> ExecuteResult:
        """POST /actions/<name>/execute as Looker does; the Look's rows go by ``delivery``.

        ``format`` defaults to the action's own; ``results`` is "table" (at most ``row_limit``
        rows, Looker's "Results in Table") or "all"; the plan's query carries ``row_limit`` and
        ``query_timezone`` either way, as Looker's does."""
        if delivery not in protocol.DELIVERIES:
            raise ValueError(f"delivery must be one of {protocol.DELIVERIES}, not {delivery!r}")
        if results not in protocol.RESULTS:
            raise ValueError(f"results must be one of {protocol.RESULTS}, not {results!r}")
        webhook_id = webhook_id or protocol.new_webhook_id()
        format = format or await self._format_of(name)
        opener = None if look is None else _opener(look, row_cap(format, results, row_limit))
        download, inline = None, None
        if opener is not None and delivery == "url":
            download = self.downloads.register(opener, download_fault)
        elif opener is not None:
            inline = _inline(opener, format, delivery == "inline-base64")
        query = {
            "limit": None if row_limit is None else str(row_limit),
            "query_timezone": query_timezone,
            "has_table_calculations": _has_table_calculations(look),
        }
        plan = protocol.scheduled_plan(download.url if download else None, scheduled_plan, query)
        payload = protocol.execute_request(params or {}, form_params or {}, plan, inline)
        result = await self._send_execute(name, payload, webhook_id)
        if download is not None:
            result.download_requests = download.requests
            result.download_statuses = list(download.statuses)
            result.download_bytes = download.bytes_sent
            result.download_completed = download.completed
        return result

    async def _format_of(self, name: str) -> str:
        """The format Looker would send the action: the first its definition supports."""
        if name not in self._formats:
            try:
                definition = await self.action(name)
            except HubRefused:  # the execute will say why; Looker's base format meanwhile
                return "json_detail"
            formats = definition.get("supported_formats") if isinstance(definition, dict) else None
            self._formats[name] = formats[0] if formats else "json_detail"
        return self._formats[name]

    async def _send_execute(self, name: str, payload: bytes, webhook_id: str) -> ExecuteResult:
        headers = self.headers | {"X-Looker-Webhook-Id": webhook_id}
        started = time.monotonic()
        url = f"{self.hub_url}/actions/{name}/execute"
        try:
            async with self._http.post(url, data=_chunks(payload), headers=headers) as response:
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise HubUnreachable(_unreachable(url, exc)) from None
        text = raw.decode("utf-8", errors="replace")
        return ExecuteResult(
            status=response.status,
            looker=_looker_answer(text),
            body_text=text,
            keepalive_newlines=_leading_newlines(text),
            download_requests=0,
            elapsed_s=time.monotonic() - started,
            webhook_id=webhook_id,
            request=orjson.loads(payload),
        )

    async def _post_json(self, path: str, body: bytes) -> Any:
        url = f"{self.hub_url}{path}"
        try:
            async with self._http.post(url, data=body, headers=self.headers) as response:
                raw = await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise HubUnreachable(_unreachable(url, exc)) from None
        text = raw.decode("utf-8", errors="replace")
        if response.status >= 400:
            raise HubRefused(
                f"the hub answered HTTP {response.status} to POST {path or '/'}: {text[:300]}",
                status=response.status,
                body=text,
            )
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise HubRefused(
                f"the hub's answer to POST {path} is not JSON: {text[:300]!r}",
                status=response.status,
                body=text,
            ) from None

    @property
    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use LookerSender in an `async with` block")
        return self._session


def send_sync(hub_url: str, action: str = "braze", **options) -> ExecuteResult:
    """One execute from plain synchronous code (scripts). ``options`` are LookerSender's
    keyword arguments (token, looker_version, instance_id, download_*) and execute's."""
    sender_keys = {
        "token",
        "looker_version",
        "instance_id",
        "download_host",
        "download_port",
        "download_bind",
        "read_timeout_s",
        "connect_timeout_s",
    }
    sender_options = {k: options.pop(k) for k in list(options) if k in sender_keys}

    async def run() -> ExecuteResult:
        async with LookerSender(hub_url, **sender_options) as looker:
            return await looker.execute(action, **options)

    return asyncio.run(run())


async def _chunks(payload: bytes) -> AsyncIterator[bytes]:
    # An async iterable body makes aiohttp send it with chunked transfer encoding, as Looker does.
    for start in range(0, len(payload), SEND_BYTES):
        yield payload[start : start + SEND_BYTES]


def _opener(look: LookSource, cap: int | None) -> Callable[[], Iterator[bytes]]:
    """The Look's bytes as Looker sends them: cut after ``cap`` rows. A file or bytes with no
    more rows than that go out byte for byte (they can be read twice to tell)."""
    opener = source_opener(look)
    if cap is None or (_rereadable(look) and not has_more_rows(opener, cap)):
        return opener
    return capped(opener, cap)


def _rereadable(look: LookSource) -> bool:
    """A file, bytes, or an iterable that starts anew each time (not a one-pass iterator)."""
    if isinstance(look, str | PathLike | bytes | bytearray | memoryview):
        return True
    return iter(look) is not look


def _has_table_calculations(look: LookSource | None) -> bool:
    """Whether the Look's fields hold a table calculation (unread when the Look is a one-pass
    iterator: its one pass is the download's)."""
    if look is None or not _rereadable(look):
        return False
    try:
        for fields in ijson.items(ChunkFile(source_opener(look)()), "fields"):
            return bool(isinstance(fields, dict) and fields.get("table_calculations"))
    except (ijson.JSONError, OSError):
        return False
    return False


def _inline(opener: Callable[[], Iterator[bytes]], format: str, encode_base64: bool) -> dict:
    document = b"".join(opener())
    if not encode_base64:
        try:
            document.decode("utf-8")
        except UnicodeDecodeError:
            raise FailRun("the Look is not UTF-8 text: send it inline-base64 instead") from None
    return protocol.attachment(document, format, encode_base64)


def _leading_newlines(text: str) -> int:
    body = text.lstrip(" \t\r\n")
    return text[: len(text) - len(body)].count("\n")


def _looker_answer(text: str) -> dict | None:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    inner = parsed.get("looker") if isinstance(parsed, dict) else None
    return inner if isinstance(inner, dict) else None


def _unreachable(url: str, exc: BaseException) -> str:
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError):
        return f"no answer in time from the hub at {url}: {reason}"
    return f"cannot reach the hub at {url}: {reason}"
