"""One execute's run: a task of its own, bounded by the run deadline, that always ends with a
result for Looker, a finished history row, its metrics and one log line, whatever becomes of it
(done, failed, stopped by the hub, or an error of the hub's own).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from looker_braze.errors import FailRun
from looker_braze.hub.action import Action, RunProgress
from looker_braze.hub.history import RunHistory, describe, run_fields
from looker_braze.hub.metrics import RUN_SECONDS, RUNS
from looker_braze.hub.protocol import ActionRequest, ActionResult, unsupported_type
from looker_braze.hub.rows import RowSource
from looker_braze.logs import WEBHOOK_ID

log = logging.getLogger(__name__)


def start_run(
    action: Action,
    request: ActionRequest,
    rows: RowSource,
    history: RunHistory,
    deadline_seconds: float | None,
) -> tuple[asyncio.Task, RunProgress]:
    """The run's task and its live counts. A task of its own: if Looker drops the connection,
    the run still finishes and is logged."""
    WEBHOOK_ID.set(request.looker.webhook_id or "-")  # copied into the task's context
    progress = RunProgress(action.name, request.looker.webhook_id)
    history.attach(progress, request)
    run = _run(action, request, rows, progress, history, deadline_seconds)
    return asyncio.create_task(run), progress


async def _run(
    action: Action,
    request: ActionRequest,
    rows: RowSource,
    progress: RunProgress,
    history: RunHistory,
    deadline_seconds: float | None,
) -> ActionResult:
    started = time.monotonic()
    level, interrupted = logging.INFO, False
    try:
        result = await _execute(action, request, rows, progress, deadline_seconds)
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


async def _execute(
    action: Action,
    request: ActionRequest,
    rows: RowSource,
    progress: RunProgress,
    deadline_seconds: float | None,
) -> ActionResult:
    refusal = unsupported_type(action.definition(request.looker), request)
    if refusal is not None:
        return ActionResult(success=False, message=refusal)
    timeout = asyncio.timeout(deadline_seconds)
    try:
        async with timeout:
            return await action.execute(request, rows, progress)
    except TimeoutError:
        if not timeout.expired():
            raise
        raise FailRun(
            f"Stopped after {deadline_seconds:,g} s, this hub's run deadline: rows not sent by "
            "then were not sent (the counts so far are in the run history). Raise "
            "LOOKER_BRAZE_RUN_DEADLINE_SECONDS, or send fewer rows at a time."
        ) from None


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
