"""The Braze action: reads the Look's rows, maps them to users, and sends them to Braze.

The run: check settings and form -> (sync, remove, change-only: lock the audience, load its
state) -> open the rows -> map fields in the result's time zone (fail fast on a bad Look) -> the
pipeline (pipeline.py) -> Braze (rate limited, retried) -> a sync removes the label from users
who left, unless Looker may have cut the result short -> one RunReport, the answer Looker shows.
"""

from __future__ import annotations

import contextlib
import logging

from looker_braze.actions.braze import definition as braze_definition
from looker_braze.actions.braze.audience import Audience
from looker_braze.actions.braze.base import BrazeActionBase, in_result_zone
from looker_braze.actions.braze.mapping import RowMapper
from looker_braze.actions.braze.modes import Mode
from looker_braze.actions.braze.options import InvalidForm, RunOptions, run_options
from looker_braze.actions.braze.pipeline import (
    DrySink,
    count_failed,
    count_outcome,
    drain_quietly,
    remove_gone,
    send_rows,
)
from looker_braze.actions.braze.plumbing import BrazePlumbing
from looker_braze.actions.braze.report import RunReport
from looker_braze.braze.batch import BatchSize
from looker_braze.braze.client import Dispatcher
from looker_braze.errors import FailRun
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import RowStream
from looker_braze.hub.protocol import (
    ActionRequest,
    ActionResult,
)
from looker_braze.hub.result import possible_cut
from looker_braze.hub.rows import RowSource
from looker_braze.settings import HubSettings

log = logging.getLogger(__name__)


class BrazeAction(BrazeActionBase):
    screens = braze_definition

    def __init__(self, settings: HubSettings, plumbing: BrazePlumbing | None = None) -> None:
        super().__init__(settings, plumbing)
        self._locks = self._plumbing.locks

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        try:
            options = run_options(request, self._settings.extra_endpoints)
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        await progress.begin(
            mode=options.mode,
            label=options.label,
            attribute=options.array_attribute,
            workspace=options.workspace,
        )
        report = RunReport(
            options.label,
            options.array_attribute,
            progress,
            mode=options.mode,
            dry_run=options.dry_run,
            update_existing_only=options.update_existing_only,
        )
        try:
            async with self._exclusive(options):
                audience = await self._audience(options, progress)
                async with rows.open() as stream:
                    await self._send(request, stream, options, report, audience)
        except FailRun as exc:
            report.failure = str(exc)
        report.count_unaccounted()
        return report.result()

    async def _send(
        self,
        request: ActionRequest,
        stream: RowStream,
        options: RunOptions,
        report: RunReport,
        audience: Audience | None,
    ) -> None:
        options = in_result_zone(options, request, stream)
        mapper = RowMapper(stream.fields, options)
        report.ignored_tags = mapper.ignored_tags
        sink = (
            DrySink(report, self._settings.objects_per_request)
            if options.dry_run
            else self._dispatcher(options, report, audience)
        )
        try:
            await send_rows(stream, mapper, sink, report, audience, self._settings.max_rows)
            await sink.drain()
            if report.row_cap is None:
                report.cut = possible_cut(request, stream.document, report.read)
            if audience is not None and options.mode == Mode.SYNC:
                await self._remove_gone(audience, sink, report)
        finally:
            await drain_quietly(sink)
            report.braze = sink.notes()
            if audience is not None:
                await audience.flush(force=True)
                report.history_failure = audience.history_failure
        await sink.drain()  # raises the run's failure, if a batch had one

    async def _remove_gone(self, audience: Audience, sink, report: RunReport) -> None:
        if report.row_cap is not None:
            report.removals_skipped = "the row cap stopped the read, so who left is unknown."
            return
        if report.cut is not None:
            # Members missing from a partial result may still be in the Look: keep them all.
            report.removals_skipped = (
                f"{report.cut.reason}; users beyond it may still be in the Look. "
                f"{report.cut.remedy}"
            )
            return
        if report.read == report.duplicates + sum(report.invalid.values()):
            # An empty Look is more often a broken query than an empty audience.
            report.removals_skipped = (
                "the Look has no users. To clear the audience, send its users in remove mode."
            )
            return
        await remove_gone(audience, sink, report)
        await sink.drain()

    # ------------------------------------------------------------ audience state

    async def _audience(self, options: RunOptions, progress: RunProgress) -> Audience | None:
        if not options.tracks_state:
            # A plain append records who joined (the membership history) when a store is there.
            return await self._record_only(options, progress)
        if self._store is None:
            raise FailRun(
                f"Mode '{options.mode}' and change-only sends need the hub's state store, which "
                "is not available (LOOKER_BRAZE_STATE_URL)."
            )
        if options.mode == Mode.SYNC and progress.run_id is None:
            raise FailRun("A sync needs the run history of the state store, which failed.")
        return await Audience.open(self._store, options, progress.run_id)

    async def _record_only(self, options: RunOptions, progress: RunProgress) -> Audience | None:
        if self._store is None:
            return None
        try:
            return await Audience.open(self._store, options, progress.run_id)
        except FailRun as exc:
            log.warning("membership history not recorded for this append: %s", exc)
            return None

    def _exclusive(self, options: RunOptions):
        """One send at a time per audience, for the sends that read and record its state."""
        if not options.tracks_state:
            return contextlib.nullcontext()
        name = f"{options.workspace}|{options.array_attribute}|{options.label}"
        return self._locks.hold(name, label=options.label)  # waits, then FailRun saying why

    # ------------------------------------------------------------ Braze plumbing

    def _dispatcher(
        self, options: RunOptions, report: RunReport, audience: Audience | None
    ) -> Dispatcher:
        client, in_flight = self.users_track(
            options.endpoint,
            options.api_key,
            options.workspace,
            report,
            BatchSize(self._settings.objects_per_request),
        )
        return Dispatcher(
            client,
            in_flight,
            on_outcome=lambda batch, outcome: count_outcome(report, audience, outcome),
            on_failed=lambda batch: count_failed(report, batch),
        )
