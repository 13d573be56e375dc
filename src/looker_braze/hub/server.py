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
from datetime import timedelta

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Route

from looker_braze import __version__
from looker_braze.errors import FailRun, RejectRequest, Unauthorized
from looker_braze.hub import runs as runs_page
from looker_braze.hub.action import Action, HubServices, Registry, RunProgress
from looker_braze.hub.auth import is_authorized, is_authorized_any, is_valid_token
from looker_braze.hub.body import SPOOL_ABOVE, drain, release
from looker_braze.hub.body import read_request as read_body_request
from looker_braze.hub.download import Downloader, DownloadPolicy
from looker_braze.hub.history import STALE_BEATS, RunHistory, describe, run_fields
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
from looker_braze.state.location import describe as describe_location
from looker_braze.state.location import parse_location

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
        self._stopper: asyncio.Task | None = None

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
                "stopping": self._stopper is not None,
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
            self.stopping()  # if the server did not say so first (a thread, a test)
            await self._stopper
            if self.runs:  # started as the stop began (their request was still being read)
                for task in self.runs:
                    task.cancel()
                await asyncio.wait(list(self.runs), timeout=self._margin / 2)
            heartbeat.cancel()
            for action in self.registry:
                await action.shutdown()
            await self.downloads.close()
            await beats.close()
            await self.store.close()

    # ------------------------------------------------------------ stopping (GracefulStop)
    #
    # SIGTERM: the server stops accepting at once; runs in progress get the grace period, less
    # a margin; then they are cancelled, which ends each one as interrupted: its history row is
    # finished with its counts so far and its execute answers Looker "send again". A run still
    # busy (waiting for answers to requests in flight) at half the margin is cancelled once
    # more. What was confirmed sent is recorded by the action as it goes; nothing else is.

    @property
    def _margin(self) -> float:
        return min(4.0, self.settings.shutdown_grace_seconds / 4)

    @property
    def grace_seconds(self) -> float:
        """How long the server waits for responses; by then every run has answered."""
        return self.settings.shutdown_grace_seconds - self._margin / 4

    def stopping(self) -> None:
        if self._stopper is None:
            deadline = time.monotonic() + self.settings.shutdown_grace_seconds
            self._stopper = asyncio.create_task(self._stop_runs(deadline))

    async def _stop_runs(self, deadline: float) -> None:
        if self.runs:
            log.warning(
                "stopping: %d run(s) in progress have %.0f s to finish before they are interrupted",
                len(self.runs),
                deadline - self._margin - time.monotonic(),
                extra={"event": "stopping", "runs_in_progress": len(self.runs)},
            )
        for cut_at in (deadline - self._margin, deadline - self._margin / 2):
            if self.runs:
                await asyncio.wait(list(self.runs), timeout=max(0.0, cut_at - time.monotonic()))
            for task, progress in list(self.runs.items()):
                log.warning("interrupting %s: the hub is stopping", describe(progress))
                task.cancel()


def _anonymous(run: dict) -> dict:
    return {key: run[key] for key in ("action", "running_seconds", "counts") if key in run}


async def _run(
    action: Action,
    request: ActionRequest,
    rows: RowSource,
    progress: RunProgress,
    history: RunHistory,
) -> ActionResult:
    started = time.monotonic()
    level, interrupted = logging.INFO, False
    try:
        result = await _execute(action, request, rows, progress)
    except FailRun as exc:
        result = ActionResult(success=False, message=str(exc))
    except asyncio.CancelledError:
        # Only the hub's stop cancels a run (a dropped connection does not): answer Looker.
        asyncio.current_task().uncancel()
        result = ActionResult(success=False, message=_stopped_message(progress))
        interrupted = True
    except Exception:
        log.exception("action %s failed unexpectedly", action.name)
        level = logging.ERROR
        result = ActionResult(
            success=False,
            message=(
                "The hub hit an internal error and stopped this send; its log has the details "
                f"(webhook id {request.looker.webhook_id or 'unknown'})."
            ),
        )
    seconds = time.monotonic() - started
    # Shielded: a second cancel (the end of the grace period) must not cost the run its record.
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(history.finish(progress, request, result, interrupted=interrupted))
    RUN_SECONDS.labels(action.name).observe(seconds)
    RUNS.labels(action.name, "success" if result.success else "failure").inc()
    if not result.success:
        level = max(level, logging.WARNING)
    _log_end(progress, result, seconds, level, interrupted)
    return result


def _log_end(
    progress: RunProgress, result: ActionResult, seconds: float, level: int, interrupted: bool
) -> None:
    status = "interrupted" if interrupted else "succeeded" if result.success else "failed"
    counts = progress.counts
    tally = " ".join(f"{name}={value}" for name, value in counts.items()) or "no rows"
    log.log(
        level,
        "%s %s in %.1f s: %s. %s",
        describe(progress),
        status,
        seconds,
        tally,
        result.message,
        extra={
            "event": "run_finished",
            **run_fields(progress),
            "status": status,
            "seconds": round(seconds, 3),
            "counts": counts,
            "reason": None if result.success else result.message,
        },
    )


def _stopped_message(progress: RunProgress) -> str:
    counts = progress.counts
    return (
        "The hub was stopped (a restart or a shutdown) before this send finished: "
        f"{counts.get('read', 0):,} rows read, {counts.get('sent', 0):,} sent so far. "
        "What was confirmed sent is recorded; send again to complete it."
    )


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


async def _hung_up(request: Request, exc: ClientDisconnect) -> Response:
    # The client went away in the middle of its body: nobody reads this answer, and it is no
    # fault of the hub's, so no traceback.
    log.info("%s %s: the client hung up before its request ended", request.method, request.url.path)
    return _error("The request ended before its body did.", 400)


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
            ClientDisconnect: _hung_up,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.hub = hub
    return app
