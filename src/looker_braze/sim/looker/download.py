"""Looker's one-time download URLs, played by a small real HTTP server.

Each registered Look gets an unguessable path. The first GET streams the body with chunked
transfer encoding, read from its source in chunks (a file is never loaded whole); any later GET
answers 410, as Looker's one-time URLs refuse a second use. Faults for tests: answer a status
instead (500), stall after N bytes, end the body cleanly after N bytes (truncated JSON), or drop
the connection after N bytes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from os import PathLike, fspath
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze.serving import background_server

READ_BYTES = 256 * 1024
LookSource = str | PathLike | bytes | bytearray | memoryview | Iterable[bytes]


@dataclass(frozen=True)
class DownloadFault:
    """How a download misbehaves. Byte counts are of the body actually sent."""

    status: int | None = None  # answer this HTTP status instead of the Look
    stall_after: int | None = None  # send this many bytes, then hang until the hub gives up
    truncate_at: int | None = None  # end the body cleanly after this many bytes (broken JSON)
    abort_at: int | None = None  # drop the connection after this many bytes
    delay_s: float = 0.0  # wait this long before answering at all

    @property
    def cut_at(self) -> int | None:
        cuts = [n for n in (self.stall_after, self.truncate_at, self.abort_at) if n is not None]
        return min(cuts) if cuts else None


@dataclass
class Download:
    """One registered Look and what happened to its URL."""

    token: str
    url: str
    open_source: Callable[[], Iterator[bytes]] | None
    fault: DownloadFault = field(default_factory=DownloadFault)
    requests: int = 0  # GETs of this URL, refused ones included
    statuses: list[int] = field(default_factory=list)  # the status each GET was answered with
    bytes_sent: int = 0
    completed: bool = False  # the whole body went out


class DownloadAborted(Exception):
    """Raised inside the response on purpose, so the server drops the connection mid-body."""


def source_opener(
    look: LookSource | Callable[[], Iterator[bytes]], read_bytes: int = READ_BYTES
) -> Callable[[], Iterator[bytes]]:
    """A function giving the Look's bytes in chunks, from a path, bytes, an iterable of chunks,
    or such a function already."""
    if callable(look):
        return look
    if isinstance(look, str | PathLike):
        path = fspath(look)
        return lambda: _read_file(path, read_bytes)
    if isinstance(look, bytes | bytearray | memoryview):
        data = bytes(look)
        return lambda: (data[i : i + read_bytes] for i in range(0, len(data), read_bytes))
    return lambda: iter(look)


def _read_file(path: str, read_bytes: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(read_bytes):
            yield chunk


class DownloadServer:
    """Serves registered Looks once each; ``start``/``stop`` run it as a real server in a thread."""

    def __init__(self, public_host: str = "127.0.0.1", port: int = 0, bind: str | None = None):
        self.public_host, self.port = public_host, port
        self.bind = bind or _bind_address(public_host)
        self.downloads: dict[str, Download] = {}
        self.base_url: str | None = None
        self._lock = threading.Lock()  # the server thread and the caller both touch downloads
        self._closing = threading.Event()
        self._stack = ExitStack()
        self.app = Starlette(routes=[Route("/looks/{token}", self._serve, methods=["GET"])])

    def start(self) -> str:
        _quiet_deliberate_aborts()
        url = self._stack.enter_context(background_server(self.app, self.bind, self.port))
        port = urlsplit(url).port
        host = f"[{self.public_host}]" if ":" in self.public_host else self.public_host
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    def stop(self) -> None:
        self._closing.set()  # ends stalled downloads so the server can shut down
        self._stack.close()

    def register(
        self, look: LookSource | Callable[[], Iterator[bytes]], fault: DownloadFault | None = None
    ) -> Download:
        if self.base_url is None:
            raise RuntimeError("the download server is not started")
        token = secrets.token_urlsafe(32)
        url = f"{self.base_url}/looks/{token}"
        download = Download(token, url, source_opener(look), fault or DownloadFault())
        with self._lock:
            self.downloads[token] = download
        return download

    async def _serve(self, request: Request) -> Response:
        download = self.downloads.get(request.path_params["token"])
        if download is None:
            return JSONResponse({"error": "no such download"}, status_code=404)
        if request.method == "HEAD":  # a look without taking: the one use stays for the GET
            return Response(status_code=200 if download.open_source else 410)
        opener = self._claim(download)
        if opener is None:
            download.statuses.append(410)
            return JSONResponse({"error": "this download URL was already used"}, status_code=410)
        fault = download.fault
        if fault.delay_s:
            await self._sleep(fault.delay_s)
        status = fault.status or 200
        download.statuses.append(status)
        if fault.status:
            return JSONResponse({"error": f"simulated status {status}"}, status_code=status)
        body = self._body(download, opener)
        return StreamingResponse(body, media_type="application/json")

    def _claim(self, download: Download) -> Callable[[], Iterator[bytes]] | None:
        with self._lock:
            download.requests += 1
            opener, download.open_source = download.open_source, None  # one use only
        return opener

    async def _body(self, download: Download, opener) -> AsyncIterator[bytes]:
        cut_at, source = download.fault.cut_at, opener()
        try:
            async for chunk in iterate_in_threadpool(source):
                if cut_at is not None and download.bytes_sent + len(chunk) >= cut_at:
                    yield chunk[: cut_at - download.bytes_sent]
                    download.bytes_sent = cut_at
                    break
                yield chunk
                download.bytes_sent += len(chunk)
            else:
                download.completed = True
                return
        finally:
            getattr(source, "close", lambda: None)()
        await self._misbehave(download.fault)

    async def _misbehave(self, fault: DownloadFault) -> None:
        if fault.stall_after is not None and fault.stall_after == fault.cut_at:
            await self._sleep(None)  # until the hub hangs up or this server stops
            raise DownloadAborted("stalled download ended")
        if fault.abort_at is not None and fault.abort_at == fault.cut_at:
            raise DownloadAborted("connection dropped on purpose")
        # truncate_at: end the body cleanly, short of the whole document

    async def _sleep(self, seconds: float | None) -> None:
        # Polls a threading.Event: stop() runs in another thread than this server's loop.
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        while not self._closing.is_set() and (deadline is None or loop.time() < deadline):
            await asyncio.sleep(0.02)


def _bind_address(public_host: str) -> str:
    """Listen on loopback when the hub is local; on every interface when it reaches back from
    elsewhere under another name."""
    if public_host in ("127.0.0.1", "localhost"):
        return "127.0.0.1"
    if public_host == "::1":
        return "::1"
    return "::" if ":" in public_host else "0.0.0.0"


class _DeliberateAbortFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DownloadAborted) and not _wraps_abort(exc)


def _wraps_abort(exc: BaseException | None) -> bool:
    group = getattr(exc, "exceptions", None)
    return bool(group) and all(isinstance(e, DownloadAborted) or _wraps_abort(e) for e in group)


def _quiet_deliberate_aborts() -> None:
    # uvicorn logs an exception that ends a response; a fault we planted is not worth a traceback.
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DeliberateAbortFilter) for f in logger.filters):
        logger.addFilter(_DeliberateAbortFilter())
