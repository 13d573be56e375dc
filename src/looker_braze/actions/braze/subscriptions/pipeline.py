"""One subscriptions send, row batch by row batch: read (user, group, state), skip repeats,
pack into requests (braze/subscriptions.py's RequestPlanner), hand them to a sink: the
Dispatcher (Braze) or the dry run's DryRequests.

A user may hold a state in several groups, so repeats are judged per (group, user): the same
state again is a duplicate; a different state is refused (requests go out concurrently, so
sending both would leave either one in Braze), and the first row wins.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from looker_braze.actions.braze.counting import of
from looker_braze.actions.braze.pipeline import capped
from looker_braze.actions.braze.subscriptions.mapping import Subscription, SubscriptionMapper
from looker_braze.actions.braze.subscriptions.report import LISTED_REQUESTS, SubscriptionReport
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.client import BatchOutcome, SendNotes
from looker_braze.braze.subscriptions import RequestPlanner, SubscriptionRequest
from looker_braze.errors import RejectRow
from looker_braze.hub.document import RowStream

CONFLICT = "another state for the same user and group in an earlier row (the first row wins)"
_SEP = "\x1f"  # joins the parts of a key: cannot occur in a group id or state


class Sink(Protocol):
    async def submit(self, request: SubscriptionRequest) -> None: ...

    def notes(self) -> SendNotes: ...

    async def drain(self) -> None: ...


async def send_rows(
    stream: RowStream,
    mapper: SubscriptionMapper,
    planner: RequestPlanner,
    sink: Sink,
    report: SubscriptionReport,
    row_cap: int | None,
) -> None:
    with SeenIds() as pairs, SeenIds() as exact:
        async for rows in stream.batches(mapper.select):
            rows = capped(rows, report, row_cap)
            found = report.built(rows, mapper.subscription)
            for request in _planned(found, pairs, exact, planner, report):
                await sink.submit(request)
            if report.row_cap is not None:
                break
    for request in planner.flush():
        await sink.submit(request)


def _planned(
    subscriptions: list[Subscription],
    pairs: SeenIds,
    exact: SeenIds,
    planner: RequestPlanner,
    report: SubscriptionReport,
) -> list[SubscriptionRequest]:
    first_pair = pairs.add_many([s.group + _SEP + s.identifier for s in subscriptions])
    first_exact = exact.add_many(
        [s.group + _SEP + s.state + _SEP + s.identifier for s in subscriptions]
    )
    ready: list[SubscriptionRequest] = []
    for sub, new_pair, new_exact in zip(subscriptions, first_pair, first_exact, strict=True):
        if not new_pair:
            if new_exact:
                report.count_invalid(CONFLICT)
            else:
                report.count("duplicates")
            continue
        try:  # the Subscription is the identifier's tag: its own object, as the Dispatcher needs
            ready += planner.add(sub.group, sub.state, sub.identifier, sub)
        except RejectRow as exc:
            report.count_invalid(exc.reason)
    return ready


def count_outcome(report: SubscriptionReport, outcome: BatchOutcome) -> None:
    report.count("sent", len(outcome.accepted))
    report.by_state.update(Counter((sub.group, sub.state) for sub in outcome.accepted))
    for _, reason in outcome.rejected:
        report.count_rejected(reason)


def count_failed(report: SubscriptionReport, request: SubscriptionRequest) -> None:
    report.count("not_sent", len(request))


def describe(request: SubscriptionRequest) -> str:
    groups = len({entry.group for entry in request.entries})
    return (
        f"{of(len(request.entries), 'entry', 'entries')} ({of(groups, 'group')}), "
        f"{len(request):,} {request.array}"
    )


class DryRequests:
    """Stands in for Braze in a dry run: counts and describes the requests, keeps the first."""

    def __init__(self, report: SubscriptionReport) -> None:
        self._report = report

    async def submit(self, request: SubscriptionRequest) -> None:
        report = self._report
        report.count("would_send", len(request))
        report.count("requests")
        for entry in request.entries:
            report.by_state[(entry.group, entry.state)] += len(entry.ids)
        if len(report.planned) < LISTED_REQUESTS:
            report.planned.append(describe(request))
        if report.sample is None:
            report.sample = request.as_json()

    async def drain(self) -> None:
        return None

    def notes(self) -> SendNotes:
        return SendNotes()
