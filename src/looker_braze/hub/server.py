"""The Action Hub's ASGI app: routes, token check, keep-alive while an execute runs, and JSON
errors for every bad request, so the server keeps serving whatever it is sent.

What an execute needs besides its route lives apart: admission.py (the cap on concurrent
executes), running.py (a run's task, deadline, record and log line), stopping.py (SIGTERM's grace
period for runs in progress).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze import __version__
from looker_braze.errors import RejectRequest, Unauthorized
from looker_braze.hub import runs as runs_page
from looker_braze.hub.action import Action, HubServices, Registry, RunProgress
from looker_braze.hub.admission import Admission
from looker_braze.hub.auth import is_authorized, is_authorized_any, is_valid_token
from looker_braze.hub.body import SPOOL_ABOVE, release
from looker_braze.hub.body import read_request as read_body_request
from looker_braze.hub.download import Downloader, DownloadPolicy
from looker_braze.hub.history import STALE_BEATS, RunHistory
from looker_braze.hub.protocol import ActionRequest, looker_context
from looker_braze.hub.responses import JSONResponse, error_response
from looker_braze.hub.rows import RowSource
from looker_braze.hub.running import start_run
from looker_braze.hub.stopping import Stopping
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore
from looker_braze.state.location import describe as describe_location
from looker_braze.state.location import parse_location

log = logging.getLogger(__name__)


class Hub:
    """State shared by the routes: settings, actions, the download session, runs in progress."""

    def __init__(self, settings: HubSettings, registry: Registry) -> None:
        self.settings = settings
        self.registry = registry
        self.started = time.time()
        self.downloads: Downloader | None = None
        self.store: AsyncStateStore | None = None
        self.history = RunHistory(None)
        self.runs: dict[asyncio.Task, RunProgress] = {}
        self.admission = Admission(settings.max_concurrent_runs, settings.max_request_bytes)
        self.stop = Stopping(settings.shutdown_grace_seconds, self.runs)
        self.spool_above = SPOOL_ABOVE

    def check_token(self, request: Request) -> None:
        secret = self.settings.secret.get_secret_value()
        if not is_authorized(request.headers.get("authorization"), secret):
            raise Unauthorized("Invalid 'Authorization' header.")

    def check_reader(self, request: Request) -> None:
        """Tokens for pages and tools: also Basic auth and ?token= (see auth.py)."""
        secret = self.settings.secret.get_secret_value()
        header, query = request.headers.get("authorization"), request.query_params.get("token")
        if not is_authorized_any(header, query, secret):
            raise Unauthorized("Invalid 'Authorization' header.")

    async def read_request(self, request: Request) -> ActionRequest:
        """The parsed body; a large one's attachment data stays on disk until ``release``."""
        settings = self.settings
        return await read_body_request(
            request.stream(),
            request.headers,
            settings.max_request_bytes,
            self.spool_above,
            stall_seconds=settings.download_stall_seconds,  # Looker's data stalling, either way
        )

    # ------------------------------------------------------------ routes

    async def list_actions(self, request: Request) -> Response:
        self.check_token(request)
        looker = looker_context(request.headers)
        integrations = [a.definition(looker).to_json(self.settings.base_url) for a in self.registry]
        return JSONResponse({"label": self.settings.label, "integrations": integrations})

    async def action_definition(self, request: Request) -> Response:
        self.check_token(request)
        action = self.registry.get(request.path_params["name"])
        looker = looker_context(request.headers)
        return JSONResponse(action.definition(looker).to_json(self.settings.base_url))

    async def action_form(self, request: Request) -> Response:
        self.check_token(request)
        action = self.registry.get(request.path_params["name"])
        action_request = await self.read_request(request)
        try:
            form = await action.form(action_request)
        finally:
            release(action_request)
        return JSONResponse(form.to_json())

    async def action_execute(self, request: Request) -> Response:
        self.check_token(request)
        action = self.registry.get(request.path_params["name"])
        if not self.admission.admit():
            return await self.admission.busy(request)
        try:
            action_request = await self.read_request(request)
        except BaseException:
            self.admission.leave()
            raise
        task = self._start_run(action, action_request)
        task.add_done_callback(lambda _: self.admission.leave(action_request))
        stream = _keepalive_then_result(task, self.settings.keepalive_seconds)
        return StreamingResponse(stream, media_type="application/json")

    async def status(self, request: Request) -> Response:
        # No token needed (health checks), but then runs show only their counts: labels are
        # audience names. A hub token (as for /runs) shows what each run is.
        try:
            self.check_reader(request)
            runs = [{"run_id": p.run_id, **p.to_json()} for p in self.runs.values()]
        except Unauthorized:
            runs = [_anonymous(progress.to_json()) for progress in self.runs.values()]
        return JSONResponse(
            {
                "app": "looker-braze",
                "version": __version__,
                "label": self.settings.label,
                "uptime_seconds": round(time.time() - self.started, 1),
                "stopping": self.stop.started,
                "actions": [action.name for action in self.registry],
                "runs_in_progress": runs,
            }
        )

    async def run_history(self, request: Request) -> Response:
        self.check_reader(request)
        found, next_before = await runs_page.fetch(self.store, request)
        return JSONResponse(runs_page.as_json(found, next_before, request))

    async def run_history_page(self, request: Request) -> Response:
        try:
            self.check_reader(request)
        except Unauthorized:
            # A browser shows its login box for this; the password is a hub token.
            return Response("A hub token is needed (as password).", status_code=401,
                            headers={"WWW-Authenticate": 'Basic realm="looker-braze"'})  # fmt: skip
        found, next_before = await runs_page.fetch(self.store, request)
        # The next page's link carries ?token= only when it is a hub token: anything else given
        # there (the hub secret pasted by mistake) must not come back in the page.
        token = request.query_params.get("token")
        if token and not is_valid_token(token, self.settings.secret.get_secret_value()):
            token = None
        html = runs_page.as_html(self.settings.label, found, next_before, token)
        return HTMLResponse(html)

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------ runs

    def _start_run(self, action: Action, request: ActionRequest) -> asyncio.Task:
        rows = RowSource(request, self.downloads)
        deadline = self.settings.run_deadline_seconds
        task, progress = start_run(action, request, rows, self.history, deadline)
        self.runs[task] = progress
        task.add_done_callback(self.runs.pop)
        return task

    # ------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.downloads = Downloader(DownloadPolicy.of(self.settings))
        self.store = await AsyncStateStore.open(self.settings.state_url)
        log.info("state: %s", describe_location(parse_location(self.settings.state_url)))
        beats = await AsyncStateStore.open(self.settings.state_url, abandon_stale=False)
        self.history = RunHistory(self.store, beats)
        every = self.settings.heartbeat_seconds
        await self.history.recover(timedelta(seconds=every * STALE_BEATS))
        heartbeat = asyncio.create_task(self.history.keep_alive(self.runs.values, every))
        for action in self.registry:
            await action.startup(HubServices(store=self.store))
        # Start-up objects live for the whole process: keep the collector from rescanning them
        # while a send allocates millions of short-lived rows. Rows are freed by reference
        # counting, never by the cycle collector, so it may run ten times less often
        # (measured: 10-15% more rows per CPU-second, bench/hub_throughput.py).
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)
        try:
            yield
        finally:
            await self.stop.finish()
            heartbeat.cancel()
            for action in self.registry:
                await action.shutdown()
            await self.downloads.close()
            await beats.close()
            await self.store.close()

    # ------------------------------------------------------------ serving.GracefulStop

    @property
    def grace_seconds(self) -> float:
        return self.stop.grace_seconds

    def stopping(self) -> None:
        self.stop.stopping()


def _anonymous(run: dict) -> dict:
    return {key: run[key] for key in ("action", "running_seconds", "counts") if key in run}


async def _keepalive_then_result(task: asyncio.Task, interval: float) -> AsyncIterator[bytes]:
    # Newlines keep proxies from dropping a long execute; JSON parsers skip leading whitespace.
    while True:
        done, _ = await asyncio.wait({task}, timeout=interval)
        if done:
            break
        yield b"\n"
    yield orjson.dumps(task.result().to_json())


# ---------------------------------------------------------------- errors


async def _rejected(request: Request, exc: RejectRequest) -> Response:
    log.info("rejected %s %s: %s", request.method, request.url.path, exc)
    return error_response(str(exc), exc.status)


async def _hung_up(request: Request, exc: ClientDisconnect) -> Response:
    # The client went away in the middle of its body: nobody reads this answer, and it is no
    # fault of the hub's, so no traceback.
    log.info("%s %s: the client hung up before its request ended", request.method, request.url.path)
    return error_response("The request ended before its body did.", 400)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return error_response(exc.detail, exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response("Internal server error.", 500)


def create_app(settings: HubSettings, registry: Registry) -> Starlette:
    hub = Hub(settings, registry)
    routes = [
        Route("/", hub.list_actions, methods=["POST"]),
        Route("/actions/{name}", hub.action_definition, methods=["POST"]),
        Route("/actions/{name}/form", hub.action_form, methods=["POST"]),
        Route("/actions/{name}/execute", hub.action_execute, methods=["POST"]),
        Route("/status", hub.status, methods=["GET"]),
        Route("/runs", hub.run_history, methods=["GET"]),
        Route("/runs/view", hub.run_history_page, methods=["GET"]),
        Route("/metrics", hub.metrics, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        lifespan=hub.lifespan,
        exception_handlers={
            RejectRequest: _rejected,
            ClientDisconnect: _hung_up,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.hub = hub
    return app
