"""The braze_subscriptions action: set subscription group states for a Look's users.

The run: check settings and form -> open the rows -> map fields (fail fast on a bad Look) ->
the pipeline (pipeline.py: repeats skipped, states packed into requests) -> Braze's
/v2/subscription/status/set through the SUBSCRIPTION_STATUS rate limit shared with every action
and replica, retried (states are idempotent, so every failure may be sent again) -> one
SubscriptionReport, the answer Looker shows. No state store: setting a state twice is harmless,
so a re-run needs no memory of the last one.
"""

from __future__ import annotations

from looker_braze.actions.braze.base import BrazeActionBase
from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.pipeline import drain_quietly
from looker_braze.actions.braze.subscriptions import definition as subscriptions_definition
from looker_braze.actions.braze.subscriptions.mapping import SubscriptionMapper
from looker_braze.actions.braze.subscriptions.options import SubscriptionOptions, run_options
from looker_braze.actions.braze.subscriptions.pipeline import (
    DryRequests,
    count_failed,
    count_outcome,
    send_rows,
)
from looker_braze.actions.braze.subscriptions.report import SubscriptionReport
from looker_braze.braze.client import Dispatcher
from looker_braze.braze.families import SUBSCRIPTION_STATUS
from looker_braze.braze.subscriptions import RequestPlanner, SubscriptionClient
from looker_braze.errors import FailRun
from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import (
    ActionRequest,
    ActionResult,
)
from looker_braze.hub.result import possible_cut
from looker_braze.hub.rows import RowSource


class SubscriptionsAction(BrazeActionBase):
    screens = subscriptions_definition

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        try:
            options = run_options(request, self._settings.extra_endpoints)
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        await progress.begin(
            mode="set",
            label=options.group or "groups from the Look",
            attribute=options.state or "states from the Look",
            workspace=options.workspace,
        )
        report = SubscriptionReport(progress, dry_run=options.dry_run)
        try:
            async with rows.open() as stream:
                mapper = SubscriptionMapper(stream.fields, options)
                planner = RequestPlanner(options.key_kind, options.double_opt_in)
                sink = DryRequests(report) if options.dry_run else self._dispatcher(options, report)
                try:
                    await send_rows(stream, mapper, planner, sink, report, self._settings.max_rows)
                    await sink.drain()
                    if report.row_cap is None:
                        report.cut = possible_cut(request, stream.document, report.read)
                finally:
                    await drain_quietly(sink)
                    report.braze = sink.notes()
                await sink.drain()  # raises the run's failure, if a request had one
        except FailRun as exc:
            report.failure = str(exc)
        report.count_unaccounted()
        return report.result()

    def _dispatcher(self, options: SubscriptionOptions, report: SubscriptionReport) -> Dispatcher:
        in_flight = self.in_flight(options.workspace, SUBSCRIPTION_STATUS)
        requester = self.requester(options, SUBSCRIPTION_STATUS, report, in_flight.observe)
        return Dispatcher(
            SubscriptionClient(requester),
            in_flight,
            on_outcome=lambda request, outcome: count_outcome(report, outcome),
            on_failed=lambda request: count_failed(report, request),
        )
