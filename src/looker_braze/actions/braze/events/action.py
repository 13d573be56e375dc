"""The events action (``braze_events``): each row of a Look becomes one custom event or one
purchase in Braze, sent exactly once.

The run: check settings and form -> open the rows -> map fields in the result's time zone (fail
fast on a bad Look) -> sending.py (ledger, batches of the send's size, the Dispatcher) -> Braze
(rate limited with the flag action on the workspace's /users/track limiter) -> one EventReport,
the answer Looker shows. Needs the hub's state store: without a ledger, exactly once cannot be
kept, so only a dry run goes ahead without one.
"""

from __future__ import annotations

from looker_braze.actions.braze.base import BrazeActionBase, in_result_zone
from looker_braze.actions.braze.events import definition as events_definition
from looker_braze.actions.braze.events.mapping import EventMapper
from looker_braze.actions.braze.events.options import EventOptions, event_options
from looker_braze.actions.braze.events.report import EventReport
from looker_braze.actions.braze.events.sending import (
    DrySink,
    EventsClient,
    Ledger,
    LiveSink,
    count_failed,
    count_outcome,
    send_events,
)
from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.pipeline import drain_quietly
from looker_braze.braze.batch import Batcher, BatchSize
from looker_braze.braze.client import Dispatcher
from looker_braze.errors import FailRun
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import RowStream
from looker_braze.hub.protocol import (
    ActionRequest,
    ActionResult,
)
from looker_braze.hub.rows import RowSource


class EventsAction(BrazeActionBase):
    screens = events_definition

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        settings = self._settings
        try:
            options = event_options(
                request, settings.extra_endpoints, settings.event_properties_max_bytes
            )
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        await progress.begin(mode=options.array, label=options.noun, workspace=options.workspace)
        report = EventReport(options.noun, progress, dry_run=options.dry_run)
        try:
            ledger = self._ledger(options, progress)
            async with rows.open() as stream:
                await self._send(request, stream, options, report, ledger)
        except FailRun as exc:
            report.failure = str(exc)
        report.count_unaccounted()
        return report.result()

    def _ledger(self, options: EventOptions, progress: RunProgress) -> Ledger | None:
        if self._store is None:
            if options.dry_run:
                return None  # a dry run cannot tell what was sent before: it lists everything
            raise FailRun(
                "Sending events exactly once needs the hub's state store, which is not "
                "available (LOOKER_BRAZE_STATE_URL): nothing was sent."
            )
        return Ledger(self._store, options.workspace, progress.run_id, options.resend_unknown)

    async def _send(
        self,
        request: ActionRequest,
        stream: RowStream,
        options: EventOptions,
        report: EventReport,
        ledger: Ledger | None,
    ) -> None:
        options = in_result_zone(options, request, stream)
        mapper = EventMapper(stream.fields, options)
        report.ignored_tags = mapper.ignored_tags
        size = BatchSize(self._settings.objects_per_request)
        if options.dry_run:
            sink: LiveSink | DrySink = DrySink(ledger, report)
        else:
            assert ledger is not None  # _ledger refuses a live send without one
            sink = LiveSink(self._dispatcher(options, report, ledger, size), ledger, report)
        batcher = Batcher(size, array=options.array)
        try:
            await send_events(stream, mapper, sink, batcher, report, self._settings.max_rows)
            await sink.drain()
        finally:
            await drain_quietly(sink)
            await sink.release_unsubmitted()
            report.braze = sink.notes()
        await sink.drain()  # raises the run's failure, if a batch had one

    def _dispatcher(
        self, options: EventOptions, report: EventReport, ledger: Ledger, size: BatchSize
    ) -> Dispatcher:
        # The workspace's /users/track limiter, shared with the flag action.
        client, in_flight = self.users_track(
            options.endpoint, options.api_key, options.workspace, report, size,
            client_class=EventsClient, ledger=ledger,
        )  # fmt: skip
        assert isinstance(client, EventsClient)
        return Dispatcher(
            client,
            in_flight,
            on_outcome=lambda batch, outcome: count_outcome(report, outcome),
            on_failed=lambda batch: count_failed(report, client, batch),
        )
