"""One catalog send, row batch by row batch: read each row's item id, skip ids seen before in
this Look, build and check the item, batch (50 items, 4 MB), hand to a sink (Braze, or the dry
run's counter). After the rows, a sync deletes the recorded items that left the Look.

Every item carries an ItemTag, so when Braze answers, each row is counted (and recorded in the
catalog's state) exactly once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

import orjson

from looker_braze.actions.braze.catalog.mapping import ItemMapper
from looker_braze.actions.braze.catalog.report import CatalogReport
from looker_braze.actions.braze.pipeline import Sink, batched, capped, first_seen, submit_each
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.batch import ITEMS, Batch, Batcher
from looker_braze.braze.catalog_rules import ID_FIELD, MAX_BYTES, MAX_ITEMS
from looker_braze.braze.client import MAX_MESSAGES, BatchOutcome, SendNotes
from looker_braze.errors import RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import RowStream
from looker_braze.state import AsyncStateStore

_FLUSH_AT = 5000


class ItemTag(NamedTuple):
    item_id: str
    row: bool = True  # False: a sync's deletion of an item that left the Look (not a row)


class Ledger:
    """The catalog's state during one send: stages the Look's ids (sync), records what Braze
    accepted (upserts) and forgets what it deleted, in batches."""

    def __init__(
        self, store: AsyncStateStore, catalog_id: int, run_id: int | None, stage: bool
    ) -> None:
        self.store = store
        self.catalog_id = catalog_id
        self.run_id = run_id
        self._stage = stage
        self._recorded: list[str] = []
        self._forgotten: list[str] = []

    async def stage(self, item_ids: list[str]) -> None:
        if self._stage and item_ids and self.run_id is not None:
            await self.store.add_run_members(self.run_id, item_ids)

    def accepted(self, method: str, item_ids: list[str]) -> None:
        (self._forgotten if method == "DELETE" else self._recorded).extend(item_ids)

    async def flush(self, force: bool = False) -> None:
        if not force and len(self._recorded) + len(self._forgotten) < _FLUSH_AT:
            return
        recorded, self._recorded = self._recorded, []
        forgotten, self._forgotten = self._forgotten, []
        await self.store.record_items(self.catalog_id, recorded)
        await self.store.forget_items(self.catalog_id, forgotten)

    def gone(self) -> AsyncIterator[list[str]]:
        assert self.run_id is not None
        return self.store.gone_items(self.catalog_id, self.run_id)


async def send_items(
    stream: RowStream,
    mapper: ItemMapper,
    sink: Sink,
    report: CatalogReport,
    ledger: Ledger | None,
    row_cap: int | None,
) -> None:
    batcher = sink.batcher()
    with SeenIds() as seen:
        async for rows in stream.batches(mapper.select):
            rows = capped(rows, report, row_cap)
            for batch in batched(
                await _planned(rows, mapper, seen, report, ledger), batcher, report
            ):
                await sink.submit(batch)
            if ledger is not None:
                await ledger.flush()
            if report.row_cap is not None:
                break
    await submit_each([batcher.flush()], sink)


async def _planned(
    rows: list[Values | None],
    mapper: ItemMapper,
    seen: SeenIds,
    report: CatalogReport,
    ledger: Ledger | None,
) -> list[tuple[dict[str, Any], ItemTag]]:
    first = first_seen(rows, mapper.item_id, seen, report)
    if ledger is not None:  # every id of the Look, sendable or not: none of them has left it
        await ledger.stage([item_id for _, item_id in first])
    planned = []
    for row, item_id in first:
        try:
            planned.append((mapper.item(row, item_id), ItemTag(item_id)))
        except RejectRow as exc:
            report.count_invalid(exc.reason)
    return planned


async def delete_gone(ledger: Ledger, sink: Sink, report: CatalogReport) -> None:
    """Sync: delete the recorded items that are not in this Look."""
    batcher = sink.batcher()
    async for item_ids in ledger.gone():
        report.count("gone", len(item_ids))
        planned = [({ID_FIELD: item_id}, ItemTag(item_id, row=False)) for item_id in item_ids]
        for batch in batched(planned, batcher, report):
            await sink.submit(batch)
        await ledger.flush()
    await submit_each([batcher.flush()], sink)


def deletions_blocked(report: CatalogReport) -> str | None:
    """Why a sync must not delete the items missing from this read, or None."""
    if report.row_cap is not None:
        return "the row cap stopped the read, so which items left is unknown."
    if report.cut is not None:
        # Items missing from a partial result may still be in the Look: keep them all.
        return f"{report.cut.reason}; items beyond it may still be in the Look. {report.cut.remedy}"
    if report.read == report.duplicates + sum(report.invalid.values()):
        # An empty Look is more often a broken query than an empty catalog.
        return "the Look has no items. To empty the catalog, send its items in delete mode."
    return None


def count_outcome(
    report: CatalogReport, ledger: Ledger | None, method: str, outcome: BatchOutcome
) -> None:
    """Count (and record in the catalog's state) what Braze accepted and rejected."""
    tags: list[ItemTag] = outcome.accepted  # type: ignore[assignment]
    rows = sum(tag.row for tag in tags)
    report.count("sent", rows)
    report.count("deleted", len(tags) - rows)
    if ledger is not None:
        ledger.accepted(method, [tag.item_id for tag in tags])
    for tag, reason in outcome.rejected:
        if tag.row:
            report.count_rejected(reason)
        else:
            report.count("deletions_rejected")
    for message in outcome.messages:
        kept = report.braze.messages
        if message not in kept and len(kept) < MAX_MESSAGES:
            report.braze = dataclasses.replace(report.braze, messages=(*kept, message))


def count_failed(report: CatalogReport, batch: Batch) -> None:
    """A batch the run stopped before Braze accepted it."""
    rows = sum(tag.row for tag in batch.tags)
    report.count("not_sent", rows)
    report.count("deletions_not_sent", len(batch) - rows)


class DryItems:
    """Stands in for Braze in a dry run: counts the requests and items that would be sent,
    keeps the first item."""

    def __init__(self, report: CatalogReport, method: str, path: str) -> None:
        self._report = report
        self._request = f"{method} {path}"

    def batcher(self) -> Batcher:
        return Batcher(MAX_ITEMS, MAX_BYTES, array=ITEMS)

    async def submit(self, batch: Batch) -> None:
        report = self._report
        rows = sum(tag.row for tag in batch.tags)
        report.count("would_send", rows)
        report.count("would_delete", len(batch) - rows)
        report.would_request[self._request] += 1
        if report.sample is None:
            report.sample = orjson.loads(batch.objects[0])

    async def drain(self) -> None:
        return None

    def notes(self) -> SendNotes:
        return SendNotes()
