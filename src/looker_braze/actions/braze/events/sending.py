"""One events send, row block by row block: build each row's object and key, skip identical rows,
reserve the keys in the ledger (only keys no run holds are sent), batch, hand to a sink (Braze, or
the dry run's lister).

Exactly once (state/events.py keeps the ledger):
- a key is reserved "pending" before its object is batched; keys "sent" before are counted
  already sent, keys left "pending" by an earlier run are held (their outcome is unknown);
- requests are made with ``repeatable=False``: a failure after the request left (a timeout, a
  dropped connection, a 500 or 504) is not retried but raises OutcomeUnknown, and the batch's
  keys stay pending, reported as unknown;
- Braze's answer settles the rest: accepted -> "sent"; rejected per object, or refused whole
  (401, 403, 404, 400, or retries that all failed before Braze acted) -> released, so a later
  run may send them once fixed; a 2xx that does not confirm them -> kept pending (unknown);
- keys reserved but never handed to Braze (the run stopped first) are released at the end.
"""

from __future__ import annotations

from typing import NamedTuple

import orjson

from looker_braze.actions.braze.events.mapping import EventMapper
from looker_braze.actions.braze.events.report import SAMPLES, EventReport
from looker_braze.actions.braze.pipeline import batched, capped, submit_each, unseen
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.answers import UNCONFIRMED
from looker_braze.braze.batch import Batch, Batcher
from looker_braze.braze.client import BatchOutcome, Dispatcher, SendNotes, UsersTrackClient
from looker_braze.errors import LookerBrazeError, OutcomeUnknown
from looker_braze.hub.document import RowStream
from looker_braze.state import AsyncStateStore
from looker_braze.state import events as ledger


class Delivery(NamedTuple):
    """What travels with each object, to settle it when Braze answers."""

    key: str
    data_points: int


class Ledger:
    """The events ledger as one send uses it (each call on the store's thread)."""

    def __init__(
        self, store: AsyncStateStore, workspace: str, run_id: int | None, take_unknown: bool
    ) -> None:
        self._store, self._workspace = store, workspace
        self._run_id, self._take_unknown = run_id, take_unknown

    async def reserve(self, keys: list[str]) -> ledger.Reservation:
        sync = self._store.store
        args = (sync, self._workspace, keys, self._run_id, self._take_unknown)
        return await self._store.call(ledger.reserve, *args)

    async def statuses(self, keys: list[str]) -> dict[str, str]:
        return await self._store.call(ledger.statuses, self._store.store, self._workspace, keys)

    async def mark_sent(self, keys: list[str]) -> None:
        await self._store.call(ledger.mark_sent, self._store.store, self._workspace, keys)

    async def release(self, keys: list[str]) -> None:
        await self._store.call(ledger.release, self._store.store, self._workspace, keys)


class EventsClient(UsersTrackClient):
    """users/track for events: never repeats a request that may have reached Braze, and keeps
    the ledger in step with each answer, including what Braze settled of a batch it had to split
    (413, a smaller contract) before the run stopped, so a part Braze accepted is marked sent."""

    def __init__(self, *args, ledger: Ledger, **kwargs) -> None:
        super().__init__(*args, repeatable=False, **kwargs)
        self._ledger = ledger
        self.released: set[str] = set()  # keys whose failure proved Braze did nothing

    async def send(self, batch: Batch) -> BatchOutcome:
        try:
            outcome = await super().send(batch)
        except LookerBrazeError as exc:
            await self._settle(getattr(exc, "settled", None) or BatchOutcome())
            if not isinstance(exc, OutcomeUnknown):  # else the rest stays pending: held
                # Braze refused or was never reached: the keys still pending go back
                # (those it accepted are "sent" already, which release leaves alone).
                keys = [delivery.key for delivery in batch.tags]
                await self._ledger.release(keys)
                self.released.update(keys)
            raise
        await self._settle(outcome)
        return outcome

    async def _settle(self, outcome: BatchOutcome) -> None:
        await self._ledger.mark_sent([delivery.key for delivery in outcome.accepted])
        refused = [
            delivery.key for delivery, reason in outcome.rejected if not _unconfirmed(reason)
        ]
        await self._ledger.release(refused)


def _unconfirmed(reason: str) -> bool:
    return reason.startswith(UNCONFIRMED)


def count_outcome(report: EventReport, outcome: BatchOutcome) -> None:
    accepted = outcome.accepted
    report.count("sent", len(accepted))
    report.count("data_points", sum(delivery.data_points for delivery in accepted))
    for _, reason in outcome.rejected:
        if _unconfirmed(reason):
            report.count("unknown")
        else:
            report.count_rejected(reason)


def count_failed(report: EventReport, client: EventsClient, batch: Batch) -> None:
    """The part of a batch the run stopped on that Braze did not settle: not sent if Braze
    certainly did nothing, else unknown."""
    keys = {delivery.key for delivery in batch.tags}
    if keys <= client.released:
        client.released -= keys
        report.count("not_sent", len(batch))
    else:
        report.count("unknown", len(batch))


class LiveSink:
    """Reserves keys in the ledger and hands batches to the Dispatcher."""

    def __init__(self, dispatcher: Dispatcher, ledger: Ledger, report: EventReport) -> None:
        self._dispatcher, self._ledger, self._report = dispatcher, ledger, report
        self._unsubmitted: set[str] = set()  # reserved, not yet handed to Braze

    async def claim(self, built: list[tuple[str, dict, int]]) -> list[tuple[str, dict, int]]:
        reservation = await self._ledger.reserve([key for key, _, _ in built])
        self._report.count("already_sent", len(reservation.sent))
        self._report.count("held", len(reservation.pending))
        self._report.count("elsewhere", len(reservation.busy))
        self._unsubmitted |= reservation.taken
        return [item for item in built if item[0] in reservation.taken]

    async def submit(self, batch: Batch) -> None:
        await self._dispatcher.submit(batch)  # raises the run's failure: the keys stay unsent
        self._unsubmitted.difference_update(delivery.key for delivery in batch.tags)

    async def drain(self) -> None:
        await self._dispatcher.drain()

    async def release_unsubmitted(self) -> None:
        """Keys reserved that never went to Braze (the run stopped, a row too large)."""
        if self._unsubmitted:
            await self._ledger.release(sorted(self._unsubmitted))
            self._unsubmitted.clear()

    def notes(self) -> SendNotes:
        return self._dispatcher.notes()


class DrySink:
    """Stands in for Braze in a dry run: asks the ledger (if any) what was sent, reserves
    nothing, counts what would go, keeps the first objects."""

    def __init__(self, ledger: Ledger | None, report: EventReport) -> None:
        self._ledger, self._report = ledger, report

    async def claim(self, built: list[tuple[str, dict, int]]) -> list[tuple[str, dict, int]]:
        if self._ledger is None:
            return built
        known = await self._ledger.statuses([key for key, _, _ in built])
        self._report.count("already_sent", sum(1 for s in known.values() if s == ledger.SENT))
        self._report.count("held", sum(1 for s in known.values() if s == ledger.PENDING))
        return [item for item in built if item[0] not in known]

    async def submit(self, batch: Batch) -> None:
        report = self._report
        report.count("would_send", len(batch))
        report.count("data_points", sum(delivery.data_points for delivery in batch.tags))
        report.count("requests")
        room = SAMPLES - len(report.samples)
        if room > 0:
            report.samples += [orjson.loads(obj) for obj in batch.objects[:room]]

    async def drain(self) -> None:
        return None

    async def release_unsubmitted(self) -> None:
        return None

    def notes(self) -> SendNotes:
        return SendNotes()


async def send_events(
    stream: RowStream,
    mapper: EventMapper,
    sink: LiveSink | DrySink,
    batcher: Batcher,
    report: EventReport,
    row_cap: int | None,
) -> None:
    with SeenIds() as seen:
        async for rows in stream.batches(mapper.select):
            rows = capped(rows, report, row_cap)
            built = report.built(rows, mapper.build)
            # Identical rows (same user, event, time and details) are one event: sent once.
            built = unseen(built, [key for key, _, _ in built], seen, report)
            if built:
                claimed = await sink.claim(built)
                ready = [(obj, Delivery(key, points)) for key, obj, points in claimed]
                for batch in batched(ready, batcher, report):
                    await sink.submit(batch)
            if report.row_cap is not None:
                break
    await submit_each([batcher.flush()], sink)
