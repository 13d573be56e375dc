"""One send, row batch by row batch: identify users, skip duplicates, build objects, take the
audience's state into account (sync, remove, change-only), batch, hand to a sink (Braze, or the
dry run's counter). After the rows, a sync removes the label from users who left the Look.

Every object carries a Delivery, so when Braze answers, each user is counted (and recorded in the
audience) exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import suppress
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple, Protocol, TypeVar

import orjson

from looker_braze.actions.braze.audience import Audience
from looker_braze.actions.braze.mapping import RowMapper
from looker_braze.actions.braze.modes import Mode
from looker_braze.actions.braze.report import RunReport
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.batch import MAX_OBJECTS, Batch, Batcher
from looker_braze.braze.client import BatchOutcome, SendNotes
from looker_braze.errors import LookerBrazeError, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import RowStream
from looker_braze.state import Sent

T = TypeVar("T")


class Removal(NamedTuple):
    member: str


class Delivery(NamedTuple):
    """What travels with each object, to account for it when Braze answers."""

    identifier: str
    data_points: int
    record: Sent | Removal | None = None  # what to record in the audience once accepted
    row: bool = True  # False for removals of users who left: they are not rows of this Look


# NamedTuple's own __new__ costs twice tuple.__new__: plain rows' Deliveries are built with
# the latter, once for every row of a send.
_new_tuple = tuple.__new__
_DATA_POINTS = itemgetter(1)
_ROW = itemgetter(3)


class Sink(Protocol):
    def batcher(self) -> Batcher: ...

    async def submit(self, batch: Batch) -> None: ...

    def notes(self) -> SendNotes: ...

    async def drain(self) -> None: ...


async def send_rows(
    stream: RowStream,
    mapper: RowMapper,
    sink: Sink,
    report: RunReport,
    audience: Audience | None,
    row_cap: int | None,
) -> None:
    batcher = sink.batcher()
    with SeenIds() as seen:
        async for rows in stream.batches(mapper.select):
            rows = capped(rows, report, row_cap)
            users = _new_users(rows, mapper, seen, report)
            for batch in batched(await _planned(users, audience, report), batcher, report):
                await sink.submit(batch)
            if audience is not None:
                await audience.flush()
            if report.row_cap is not None:
                break
    await submit_each([batcher.flush()], sink)


def capped(rows: list[Values | None], report, row_cap: int | None) -> list[Values | None]:
    """The rows of a batch within the hub's row cap, counted as read; the report notes the cap
    once it stops the read."""
    if row_cap is not None and report.read + len(rows) > row_cap:
        rows = rows[: row_cap - report.read]
        report.row_cap = row_cap
    report.count("read", len(rows))
    return rows


async def remove_gone(audience: Audience, sink: Sink, report: RunReport) -> None:
    """Sync: take the label off members of earlier syncs who are not in this Look."""
    batcher = sink.batcher()
    async for members in audience.gone():
        report.count("gone", len(members))
        removals = [
            (audience.removal(member), Delivery(member, 1, Removal(member), row=False))
            for member in members
        ]
        for batch in batched(removals, batcher, report):
            await sink.submit(batch)
        await audience.flush()
    await submit_each([batcher.flush()], sink)


def batched(
    planned: list[tuple[dict[str, Any], Hashable]], batcher: Batcher, report
) -> list[Batch]:
    """Encode and batch each (object, tag); the batches that filled up (sync code: no await
    per object). An object that cannot be sent counts as invalid."""
    ready: list[Batch] = []
    add = batcher.add
    for obj, delivery in planned:
        try:
            full = add(encoded(obj), delivery)
        except RejectRow as exc:
            report.count_invalid(exc.reason)
            continue
        if full:
            ready += full
    return ready


def first_seen(
    rows: list[Values | None], identify: Callable[[Values | None], str], seen: SeenIds, report
) -> list[tuple[Values, str]]:
    """(row, id) of the rows whose id is valid (RejectRow: counted invalid) and first seen in
    this send (later rows of an id: counted as duplicates)."""
    identified = []
    for row in rows:
        try:
            identified.append((row, identify(row)))
        except RejectRow as exc:
            report.count_invalid(exc.reason)
    return unseen(identified, [identifier for _, identifier in identified], seen, report)


def unseen(items: list[T], keys: list[str], seen: SeenIds, report) -> list[T]:
    """The items whose key (``keys``, in step) is first seen in this send; the others are
    counted as duplicates."""
    kept = list(compress(items, seen.add_many(keys)))
    report.count("duplicates", len(items) - len(kept))
    return kept


def _new_users(
    rows: list[Values | None], mapper: RowMapper, seen: SeenIds, report: RunReport
) -> list[tuple[str, dict[str, Any], int]]:
    """(identifier, object, data points) of each first-seen user of these rows."""
    first = first_seen(rows, mapper.identifier, seen, report)
    if not first:
        return []
    rows, identifiers = zip(*first, strict=True)
    built = mapper.build_many(rows, identifiers, report.values)
    return [
        (identifier, obj, points)
        for identifier, (obj, points) in zip(identifiers, built, strict=True)
    ]


async def _planned(
    users: list[tuple[str, dict[str, Any], int]], audience: Audience | None, report: RunReport
) -> list[tuple[dict[str, Any], Delivery]]:
    if audience is None:
        return [
            (obj, _new_tuple(Delivery, (identifier, points, None, True)))
            for identifier, obj, points in users
        ]
    if audience.record_only:  # a plain append: everything goes, Braze's acceptance is recorded
        return [
            (obj, _new_tuple(Delivery, (identifier, points, audience.joined(identifier), True)))
            for identifier, obj, points in users
        ]
    if audience.options.mode == Mode.REMOVE:
        return [_removal_of(audience, identifier) for identifier, _, _ in users]
    planned = []
    plans = await audience.plan([(identifier, obj) for identifier, obj, _ in users])
    for (identifier, _, _), plan in zip(users, plans, strict=True):
        report.count("data_points_saved", plan.saved)
        if plan.obj is None:
            report.count("unchanged")
        else:
            planned.append((plan.obj, Delivery(identifier, plan.data_points, plan.record)))
    return planned


def _removal_of(audience: Audience, identifier: str) -> tuple[dict[str, Any], Delivery]:
    member = audience.member(identifier)
    return audience.removal(member), Delivery(identifier, 1, Removal(member))


def encoded(obj: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(obj)
    except orjson.JSONEncodeError:
        # Lone UTF-16 surrogates (legal in JSON text, not in UTF-8) cannot be sent.
        raise RejectRow("text that is not valid Unicode") from None


async def submit_each(batches: list[Batch | None], sink: Sink) -> None:
    for batch in batches:
        if batch is not None:
            await sink.submit(batch)


def count_outcome(report: RunReport, audience: Audience | None, outcome: BatchOutcome) -> None:
    """Count (and record in the audience) what Braze accepted and rejected in one batch."""
    accepted = outcome.accepted
    report.count("sent", sum(map(_ROW, accepted)))  # C-level sums: once per batch of 75
    report.count("data_points", sum(map(_DATA_POINTS, accepted)))
    if audience is not None:
        _record(report, audience, accepted)
    for delivery, reason in outcome.rejected:
        if delivery.row:
            report.count_rejected(reason)
        else:
            report.count("removals_rejected")


def _record(report: RunReport, audience: Audience, accepted: list[Delivery]) -> None:
    added = removed = 0
    for delivery in accepted:
        record = delivery.record
        if isinstance(record, Removal):
            audience.removed(record.member)
            removed += 1
        elif record is not None:
            audience.accepted(record)
            added += record.flagged
    if not audience.record_only:  # a plain append does not know who already had the label
        report.count("added", added)
    report.count("removed", removed)


def count_failed(report: RunReport, batch: Batch) -> None:
    """A batch the run stopped before Braze accepted it."""
    rows = sum(1 for delivery in batch.tags if delivery.row)
    report.count("not_sent", rows)
    report.count("removals_not_sent", len(batch) - rows)


async def drain_quietly(sink: Sink) -> None:
    with suppress(LookerBrazeError):
        await sink.drain()  # the caller drains again, outside its cleanup, to raise it


class DrySink:
    """Stands in for Braze in a dry run: counts what would be sent, keeps the first object."""

    def __init__(self, report: RunReport, objects_per_request: int = MAX_OBJECTS) -> None:
        self._report = report
        self._objects_per_request = objects_per_request

    def batcher(self) -> Batcher:
        return Batcher(self._objects_per_request)

    async def submit(self, batch: Batch) -> None:
        report = self._report
        rows = sum(1 for delivery in batch.tags if delivery.row)
        report.count("would_send", rows)
        report.count("would_remove", len(batch) - rows)
        report.count("data_points", sum(delivery.data_points for delivery in batch.tags))
        report.count("requests")
        if report.sample is None:
            report.sample = orjson.loads(batch.objects[0])

    async def drain(self) -> None:
        return None

    def notes(self) -> SendNotes:
        return SendNotes()  # nothing went to Braze
