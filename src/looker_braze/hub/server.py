"""The Action Hub's ASGI app: routes, token check, keep-alive while an execute runs, and JSON
errors for every bad request, so the server keeps serving whatever it is sent."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import time
from collections.abc import AsyncIterator

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze import __version__
from looker_braze.errors import FailRun, RejectRequest, Unauthorized
from looker_braze.hub import runs as runs_page
from looker_braze.hub.action import Action, HubServices, Registry, RunProgress
from looker_braze.hub.auth import is_authorized, is_authorized_any
from looker_braze.hub.body import SPOOL_ABOVE, drain, release
from looker_braze.hub.body import read_request as read_body_request
from looker_braze.hub.download import Downloader, DownloadPolicy
from looker_braze.hub.history import RunHistory
from looker_braze.hub.metrics import RUN_SECONDS, RUNS
from looker_braze.hub.protocol import (
    ActionRequest,
    ActionResult,
    looker_context,
    unsupported_type,
)
from looker_braze.hub.rows import RowSource
from looker_braze.logs import WEBHOOK_ID
from looker_braze.settings import HubSettings
from looker_braze.state import AsyncStateStore
from looker_braze.state.location import describe, parse_location

log = logging.getLogger(__name__)
BUSY_RETRY_SECONDS = 60
# The run deadline, set for each run's task (which copies the context it starts in).
RUN_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "run_deadline", default=None
)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content)


def _error(message: str, status: int) -> JSONResponse:
    # The reference hub's error shape, so anything that parsed its errors keeps working.
    return JSONResponse({"success": False, "error": message}, status_code=status)


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
        self.executes = 0  # executes admitted and not finished, body reading included
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
        if self.executes >= self.settings.max_concurrent_runs:
            return await self._busy(request)
        self.executes += 1
        try:
            action_request = await self.read_request(request)
        except BaseException:
            self.executes -= 1
            raise
        task = self._start_run(action, action_request)
        task.add_done_callback(lambda _: self._finished(action_request))
        stream = _keepalive_then_result(task, self.settings.keepalive_seconds)
        return StreamingResponse(stream, media_type="application/json")

    async def _busy(self, request: Request) -> Response:
        # Looker shows a 200's message to the user; an HTTP error status only as a generic
        # failure (spec: "Execute answer"). So: a failed result saying why, and Retry-After for
        # other clients. The body is read (and dropped) so that the client gets to the answer.
        cap = self.settings.max_concurrent_runs
        log.warning("busy: refused an execute, %d running (LOOKER_BRAZE_MAX_CONCURRENT_RUNS)", cap)
        await drain(request.stream(), self.settings.max_request_bytes)
        message = (
            f"This hub is busy: it is already running {cap} sends, its limit "
            "(LOOKER_BRAZE_MAX_CONCURRENT_RUNS). Nothing was sent: send again in a few minutes."
        )
        result = ActionResult(success=False, message=message)
        return JSONResponse(result.to_json(), headers={"Retry-After": str(BUSY_RETRY_SECONDS)})

    def _finished(self, request: ActionRequest) -> None:
        self.executes -= 1
        release(request)

    async def status(self, request: Request) -> Response:
        return JSONResponse(
            {
                "app": "looker-braze",
                "version": __version__,
                "label": self.settings.label,
                "uptime_seconds": round(time.time() - self.started, 1),
                "actions": [action.name for action in self.registry],
                "runs_in_progress": [progress.to_json() for progress in self.runs.values()],
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
        html = runs_page.as_html(self.settings.label, found, next_before, request)
        return HTMLResponse(html)

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------ runs

    def _start_run(self, action: Action, request: ActionRequest) -> asyncio.Task:
        WEBHOOK_ID.set(request.looker.webhook_id or "-")  # copied into the task's context
        RUN_DEADLINE.set(self.settings.run_deadline_seconds)
        progress = RunProgress(action.name, request.looker.webhook_id)
        self.history.attach(progress, request)
        rows = RowSource(request, self.downloads)
        # A task of its own: if Looker drops the connection, the run still finishes and is logged.
        task = asyncio.create_task(_run(action, request, rows, progress, self.history))
        self.runs[task] = progress
        task.add_done_callback(self.runs.pop)
        return task

    # ------------------------------------------------------------ lifecycle

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.downloads = Downloader(DownloadPolicy.of(self.settings))
        self.store = await AsyncStateStore.open(self.settings.state_url)
        log.info("state: %s", describe(parse_location(self.settings.state_url)))
        self.history = RunHistory(self.store)
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
            if self.runs:
                log.info("waiting for %d run(s) in progress before stopping", len(self.runs))
                await asyncio.wait(list(self.runs))
            for action in self.registry:
                await action.shutdown()
            await self.downloads.close()
            await self.store.close()


async def _run(
    action: Action,
    request: ActionRequest,
    rows: RowSource,
    progress: RunProgress,
    history: RunHistory,
) -> ActionResult:
    started = time.monotonic()
    try:
        result = await _execute(action, request, rows, progress)
    except FailRun as exc:
        result = ActionResult(success=False, message=str(exc))
    except Exception:
        log.exception("action %s failed unexpectedly", action.name)
        result = ActionResult(
            success=False,
            message=(
                "The hub hit an internal error and stopped this send; its log has the details "
                f"(webhook id {request.looker.webhook_id or 'unknown'})."
            ),
        )
    seconds = time.monotonic() - started
    await history.finish(progress, request, result)
    RUN_SECONDS.labels(action.name).observe(seconds)
    RUNS.labels(action.name, "success" if result.success else "failure").inc()
    log.info(
        "%s run finished in %.1f s: success=%s %s",
        action.name,
        seconds,
        result.success,
        result.message,
    )
    return result


async def _execute(
    action: Action, request: ActionRequest, rows: RowSource, progress: RunProgress
) -> ActionResult:
    refusal = unsupported_type(action.definition(request.looker), request)
    if refusal is not None:
        return ActionResult(success=False, message=refusal)
    deadline = RUN_DEADLINE.get()
    timeout = asyncio.timeout(deadline)
    try:
        async with timeout:
            return await action.execute(request, rows, progress)
    except TimeoutError:
        if not timeout.expired():
            raise
        raise FailRun(
            f"Stopped after {deadline:,g} s, this hub's run deadline: rows not sent by then were "
            "not sent (the counts so far are in the run history). Raise "
            "LOOKER_BRAZE_RUN_DEADLINE_SECONDS, or send fewer rows at a time."
        ) from None


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
    return _error(str(exc), exc.status)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return _error(exc.detail, exc.status_code)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _error("Internal server error.", 500)


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
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.hub = hub
    return app
