"""A bounded stop (serving.GracefulStop) for the hub's runs in progress.

SIGTERM: the server stops accepting at once; runs in progress get the grace period, less a
margin; then they are cancelled, which ends each one as interrupted: its history row is finished
with its counts so far and its execute answers Looker "send again". A run still busy (waiting for
answers to requests in flight) at half the margin is cancelled once more. What was confirmed sent
is recorded by the action as it goes; nothing else is.
"""

from __future__ import annotations

import asyncio
import logging
import time

from looker_braze.hub.action import RunProgress
from looker_braze.hub.history import describe

log = logging.getLogger(__name__)


class Stopping:
    def __init__(self, shutdown_grace_seconds: float, runs: dict[asyncio.Task, RunProgress]):
        self._grace = shutdown_grace_seconds
        self._runs = runs  # the hub's runs in progress, as they come and go
        self._stopper: asyncio.Task | None = None

    @property
    def started(self) -> bool:
        return self._stopper is not None

    @property
    def grace_seconds(self) -> float:
        """How long the server waits for responses; by then every run has answered."""
        return self._grace - self._margin / 4

    @property
    def _margin(self) -> float:
        return min(4.0, self._grace / 4)

    def stopping(self) -> None:
        if self._stopper is None:
            deadline = time.monotonic() + self._grace
            self._stopper = asyncio.create_task(self._stop_runs(deadline))

    async def finish(self) -> None:
        """Stop (if the server did not say so first: a thread, a test) and wait for the runs."""
        self.stopping()
        await self._stopper
        if self._runs:  # started as the stop began (their request was still being read)
            for task in self._runs:
                task.cancel()
            await asyncio.wait(list(self._runs), timeout=self._margin / 2)

    async def _stop_runs(self, deadline: float) -> None:
        runs = self._runs
        if runs:
            log.warning(
                "stopping: %d run(s) in progress have %.0f s to finish before they are interrupted",
                len(runs),
                deadline - self._margin - time.monotonic(),
                extra={"event": "stopping", "runs_in_progress": len(runs)},
            )
        for cut_at in (deadline - self._margin, deadline - self._margin / 2):
            if runs:
                await asyncio.wait(list(runs), timeout=max(0.0, cut_at - time.monotonic()))
            for task, progress in list(runs.items()):
                log.warning("interrupting %s: the hub is stopping", describe(progress))
                task.cancel()
