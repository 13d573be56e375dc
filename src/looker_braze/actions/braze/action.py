"""The Braze action: reads the Look's rows, maps them to users, and sends them to Braze.

The run: check settings and form -> open the rows -> map fields (fail fast on a bad Look) ->
for each batch of rows: identifiers, duplicates, objects -> batches of 75 -> Braze (bounded in
flight, rate limited, retried) -> one RunReport, which is the answer Looker shows.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import aiohttp
import orjson

from looker_braze.actions.braze import definition as braze_definition
from looker_braze.actions.braze.mapping import RowMapper
from looker_braze.actions.braze.options import InvalidForm, RunOptions, check_settings, run_options
from looker_braze.actions.braze.report import RunReport
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.batch import Batch, Batcher
from looker_braze.braze.client import BatchOutcome, Dispatcher, RetryPolicy, UsersTrackClient
from looker_braze.braze.ratelimit import RateLimiter, SlidingWindowLimiter
from looker_braze.errors import FailRun, LookerBrazeError, RejectRow
from looker_braze.hub.action import Action, RunProgress
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    ActionResult,
    Form,
    LookerContext,
)
from looker_braze.hub.rows import Row, RowSource, RowStream
from looker_braze.settings import HubSettings

log = logging.getLogger(__name__)


class Delivery(NamedTuple):
    """What the client carries for each object, to account for it when Braze answers."""

    identifier: str
    data_points: int


class BrazeAction(Action):
    name = braze_definition.NAME

    def __init__(self, settings: HubSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._limiters: dict[str, RateLimiter] = {}

    def definition(self, looker: LookerContext) -> ActionDefinition:
        return braze_definition.definition(looker)

    async def form(self, request: ActionRequest) -> Form:
        try:
            check_settings(request, self._settings.extra_endpoints)
        except FailRun as exc:
            return Form(error=str(exc))
        return braze_definition.form(request)

    async def startup(self) -> None:
        self._session_for_braze()

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        try:
            options = run_options(request, self._settings.extra_endpoints)
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        report = RunReport(
            options.label,
            options.array_attribute,
            progress,
            dry_run=options.dry_run,
            update_existing_only=options.update_existing_only,
        )
        try:
            async with rows.open() as stream:
                await self._send(stream, options, report)
        except FailRun as exc:
            report.failure = str(exc)
        report.not_sent += report.read - report.accounted  # rows the run stopped before
        return report.result()

    async def _send(self, stream: RowStream, options: RunOptions, report: RunReport) -> None:
        mapper = RowMapper(stream.fields, options)
        report.ignored_tags = mapper.ignored_tags
        sink = _DrySink(report) if options.dry_run else self._dispatcher(options, report)
        try:
            await _consume(stream, mapper, sink, report, self._settings.max_rows)
        finally:
            await _drain_quietly(sink)
        await sink.drain()  # raises the run's failure, if a batch had one

    # ------------------------------------------------------------ Braze plumbing

    def _dispatcher(self, options: RunOptions, report: RunReport) -> Dispatcher:
        settings = self._settings
        client = UsersTrackClient(
            options.endpoint,
            options.api_key,
            self._session_for_braze(),
            self._limiter(options.workspace),
            RetryPolicy(
                max_attempts=settings.max_attempts, deadline_seconds=settings.retry_deadline_seconds
            ),
            timeout_seconds=settings.request_timeout_seconds,
        )
        return Dispatcher(
            client,
            settings.max_in_flight,
            on_outcome=lambda batch, outcome: _count_outcome(report, outcome),
            on_failed=lambda batch: report.count("not_sent", len(batch)),
        )

    def _limiter(self, workspace: str) -> RateLimiter:
        if workspace not in self._limiters:
            settings = self._settings
            self._limiters[workspace] = SlidingWindowLimiter(
                settings.rate_limit_requests, settings.rate_limit_seconds
            )
        return self._limiters[workspace]

    def _session_for_braze(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._settings.max_in_flight * 2)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session


async def _consume(
    stream: RowStream, mapper: RowMapper, sink, report: RunReport, row_cap: int | None
) -> None:
    seen, batcher = SeenIds(), Batcher()
    async for rows in stream.batches():
        if row_cap is not None and report.read + len(rows) > row_cap:
            rows = rows[: row_cap - report.read]
            report.row_cap = row_cap
        report.count("read", len(rows))
        for batch in _map_rows(rows, mapper, seen, batcher, report):
            await sink.submit(batch)
        if report.row_cap is not None:
            break
    last = batcher.flush()
    if last is not None:
        await sink.submit(last)


def _map_rows(
    rows: list[Row], mapper: RowMapper, seen: SeenIds, batcher: Batcher, report: RunReport
) -> list[Batch]:
    identified = []
    for row in rows:
        try:
            identified.append((row, mapper.identifier(row)))
        except RejectRow as exc:
            report.count_invalid(exc.reason)
    fresh = seen.add_many([identifier for _, identifier in identified])
    ready: list[Batch] = []
    duplicates = 0
    for (row, identifier), is_new in zip(identified, fresh, strict=True):
        if not is_new:
            duplicates += 1
            continue
        obj, points = mapper.build(row, identifier, report.values)
        try:
            ready += batcher.add(orjson.dumps(obj), Delivery(identifier, points))
        except RejectRow as exc:
            report.count_invalid(exc.reason)
    report.count("duplicates", duplicates)
    return ready


def _count_outcome(report: RunReport, outcome: BatchOutcome) -> None:
    report.count("sent", len(outcome.accepted))
    report.count("data_points", sum(delivery.data_points for delivery in outcome.accepted))
    for _, reason in outcome.rejected:
        report.count_rejected(reason)
    report.count("requests", outcome.requests)
    report.count("retries", outcome.retries)


async def _drain_quietly(sink) -> None:
    try:
        await sink.drain()
    except LookerBrazeError:
        pass  # raised again by the caller's own drain, outside this cleanup


class _DrySink:
    """Stands in for Braze in a dry run: counts what would be sent, keeps the first object."""

    def __init__(self, report: RunReport) -> None:
        self._report = report

    async def submit(self, batch: Batch) -> None:
        report = self._report
        report.count("would_send", len(batch))
        report.count("data_points", sum(delivery.data_points for delivery in batch.tags))
        report.count("requests")
        if report.sample is None:
            report.sample = orjson.loads(batch.objects[0])

    async def drain(self) -> None:
        return None
