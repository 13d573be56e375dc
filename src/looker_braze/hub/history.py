"""The run history: every execute is recorded, whatever becomes of it.

An action that knows what it is doing (mode, label ...) calls ``progress.begin(...)``, which
writes the run's first row and gives it a run id; a run that fails before that is recorded at its
end. The history never fails a send: a database problem is logged, and the send goes on.
"""

from __future__ import annotations

import logging

from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import ActionRequest, ActionResult
from looker_braze.state import AsyncStateStore, RunEnd, RunStart

log = logging.getLogger(__name__)
TOP_REASONS = 10


class RunHistory:
    def __init__(self, store: AsyncStateStore | None) -> None:
        self._store = store

    def attach(self, progress: RunProgress, request: ActionRequest) -> None:
        """Let the action's ``progress.begin()`` write the run's first row."""

        async def begin() -> int | None:
            return await self._start(progress, request)

        progress.recorder = begin

    async def finish(
        self, progress: RunProgress, request: ActionRequest, result: ActionResult
    ) -> None:
        if self._store is None:
            return
        if progress.run_id is None:
            progress.run_id = await self._start(progress, request)
        if progress.run_id is None:
            return
        counts = progress.counts
        end = RunEnd(
            success=result.success,
            message=result.message,
            counts=dict(counts),
            data_points_sent=counts.get("data_points", 0),
            data_points_saved=counts.get("data_points_saved", 0),
            rejections=dict(progress.reasons.most_common(TOP_REASONS)),
        )
        try:
            await self._store.finish_run(progress.run_id, end)
        except Exception:
            log.exception("could not record the end of run %s in the history", progress.run_id)

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


def _text(value) -> str | None:
    return None if value is None else str(value)
