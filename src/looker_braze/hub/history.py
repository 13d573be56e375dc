"""The run history: every execute is recorded, whatever becomes of it, and the log says when each
run starts and ends.

An action that knows what it is doing (mode, label ...) calls ``progress.begin(...)``, which
writes the run's first row, gives it a run id and logs the start line; a run that fails before
that is recorded at its end. The history never fails a send: a database problem is logged, and
the send goes on.

The history tells the truth about runs that never reach their end: while a run is in progress,
its row gets a heartbeat (with its counts so far, which /runs shows) every few seconds, and a run
whose hub went silent for STALE_BEATS heartbeats, or whose process is gone, is marked interrupted
by any hub sharing the store (at start-up, then at every heartbeat).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import timedelta

from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import ActionRequest, ActionResult
from looker_braze.state import AsyncStateStore, Beat, RunEnd, RunStart

log = logging.getLogger(__name__)
TOP_REASONS = 10
# A run is taken for dead after this many missed heartbeats: enough to ride out a slow database
# call or a pause of its hub, short enough that the history does not say "running" for long.
STALE_BEATS = 6


def run_fields(progress: RunProgress) -> dict:
    """What identifies a run in a log line (structured fields of the JSON format)."""
    details = progress.details
    return {
        "run_id": progress.run_id,
        "action": progress.action,
        "mode": details.get("mode", ""),
        "label": details.get("label", ""),
    }


def describe(progress: RunProgress) -> str:
    """'run 12 (braze sync 'churn')' for a text log line."""
    fields = run_fields(progress)
    what = " ".join(filter(None, (fields["action"], fields["mode"])))
    label = f" {fields['label']!r}" if fields["label"] else ""
    return f"run {fields['run_id'] or '-'} ({what}{label})"


class RunHistory:
    def __init__(self, store: AsyncStateStore | None, beats: AsyncStateStore | None = None) -> None:
        self._store = store
        # Heartbeats go through a connection of their own, so a run's long database call (the
        # diff of a large sync) does not hold them back and make the run look dead.
        self._beats = beats or store
        self._beat_failing = False

    def attach(self, progress: RunProgress, request: ActionRequest) -> None:
        """Let the action's ``progress.begin()`` write the run's first row."""

        async def begin() -> int | None:
            run_id = await self._start(progress, request)
            progress.run_id = run_id
            _log_start(progress, request)
            return run_id

        progress.recorder = begin

    async def finish(
        self,
        progress: RunProgress,
        request: ActionRequest,
        result: ActionResult,
        *,
        interrupted: bool = False,
    ) -> None:
        if self._store is None:
            return
        if progress.run_id is None:
            progress.run_id = await self._start(progress, request)
        if progress.run_id is None:
            return
        beat = _beat(progress)
        end = RunEnd(
            success=result.success,
            message=result.message,
            counts=beat.counts,
            data_points_sent=beat.data_points_sent,
            data_points_saved=beat.data_points_saved,
            rejections=dict(progress.reasons.most_common(TOP_REASONS)),
            interrupted=interrupted,
        )
        try:
            await self._store.finish_run(progress.run_id, end)
        except Exception:
            log.exception("could not record the end of run %s in the history", progress.run_id)

    # ------------------------------------------------------------ liveness

    async def recover(self, silent_for: timedelta) -> None:
        """At start-up: runs left "running" by a process that is gone, or silent, are marked
        interrupted."""
        await self._interrupt(silent_for, alive=())

    async def keep_alive(
        self, running: Callable[[], Collection[RunProgress]], every: float
    ) -> None:
        """Forever: beat for this hub's runs in progress, then mark other silent runs
        interrupted."""
        silent_for = timedelta(seconds=every * STALE_BEATS)
        while True:
            await asyncio.sleep(every)
            await self.beat(list(running()), silent_for)

    async def beat(self, progresses: list[RunProgress], silent_for: timedelta) -> None:
        if self._beats is None:
            return
        beats = [_beat(progress) for progress in progresses if progress.run_id is not None]
        try:
            for run_id in await self._beats.heartbeat(beats):
                log.warning(
                    "run %s was marked interrupted by a hub that found it silent; it goes on, "
                    "and its end will be recorded",
                    run_id,
                    extra={"event": "run_taken_for_dead", "run_id": run_id},
                )
        except Exception as exc:  # the store says what failed, without secrets
            if not self._beat_failing:  # once per outage, not every few seconds
                log.warning("could not record the heartbeat of runs in progress: %s", exc)
            self._beat_failing = True
            return  # not sure our own runs look alive: mark nobody else either
        if self._beat_failing:
            log.warning("the heartbeat of runs in progress is recorded again")
            self._beat_failing = False
        await self._interrupt(silent_for, alive=[beat.run_id for beat in beats])

    async def _interrupt(self, silent_for: timedelta, alive: Collection[int]) -> None:
        if self._beats is None:
            return
        try:
            ids = await self._beats.interrupt_runs(silent_for, alive)
        except Exception as exc:
            log.warning("could not look for interrupted runs: %s", exc)
            return
        if ids:
            log.warning(
                "marked %d run(s) interrupted (ids %s): the hub running them stopped or has been "
                "silent for %.0f s",
                len(ids),
                ", ".join(map(str, ids)),
                silent_for.total_seconds(),
                extra={"event": "runs_interrupted", "run_ids": ids},
            )

    # ------------------------------------------------------------ the first row

    async def _start(self, progress: RunProgress, request: ActionRequest) -> int | None:
        if self._store is None:
            return None
        plan = request.scheduled_plan
        details = progress.details
        start = RunStart(
            action=progress.action,
            mode=details.get("mode", ""),
            label=details.get("label", ""),
            attribute=details.get("attribute", ""),
            workspace=details.get("workspace", ""),
            webhook_id=request.looker.webhook_id,
            scheduled_plan_id=_text(plan.scheduled_plan_id) if plan else None,
            title=plan.title if plan else None,
        )
        try:
            return await self._store.start_run(start)
        except Exception:
            log.exception("could not record the start of a run in the history")
            return None


def _beat(progress: RunProgress) -> Beat:
    counts = progress.counts
    return Beat(
        run_id=progress.run_id or 0,
        counts=dict(counts),
        data_points_sent=counts.get("data_points", 0),
        data_points_saved=counts.get("data_points_saved", 0),
    )


def _log_start(progress: RunProgress, request: ActionRequest) -> None:
    plan = request.scheduled_plan
    schedule = f", schedule {plan.scheduled_plan_id}" if plan and plan.scheduled_plan_id else ""
    log.info(
        "%s started%s",
        describe(progress),
        schedule,
        extra={
            "event": "run_started",
            **run_fields(progress),
            "scheduled_plan_id": _text(plan.scheduled_plan_id) if plan else None,
        },
    )


def _text(value) -> str | None:
    return None if value is None else str(value)
