"""The catalog action: the rows of a Look become the items of a Braze catalog.

The run: check settings and form -> (not a dry run: lock the catalog) -> open the rows -> map
fields in the result's time zone (fail fast on a bad Look) -> read the catalog's fields once
(GET /catalogs; create the catalog when asked and missing; an unknown field fails the run) ->
the items, 50 a request, through the shared item limit (PUT to upsert, DELETE to delete) -> a
sync deletes the items this hub recorded that left the Look, unless Looker may have cut the
result short -> one CatalogReport, the answer Looker shows.
"""

from __future__ import annotations

import contextlib

from looker_braze.actions.braze.base import BrazeActionBase, in_result_zone
from looker_braze.actions.braze.catalog import definition as catalog_definition
from looker_braze.actions.braze.catalog.mapping import ItemMapper
from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.catalog.options import CatalogOptions, catalog_options
from looker_braze.actions.braze.catalog.pipeline import (
    DryItems,
    Ledger,
    count_failed,
    count_outcome,
    delete_gone,
    deletions_blocked,
    send_items,
)
from looker_braze.actions.braze.catalog.report import CatalogReport
from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.pipeline import Sink, drain_quietly
from looker_braze.braze.catalogs import Catalog, CatalogItemsClient, CatalogManager, items_path
from looker_braze.braze.client import Dispatcher
from looker_braze.braze.families import CATALOG_ITEMS, CATALOG_MANAGEMENT
from looker_braze.errors import FailRun
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import RowStream
from looker_braze.hub.protocol import ActionRequest, ActionResult
from looker_braze.hub.result import possible_cut
from looker_braze.hub.rows import RowSource

DESCRIPTION = "Created by looker-braze from a Look"


class CatalogAction(BrazeActionBase):
    screens = catalog_definition

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        try:
            options = catalog_options(request, self._settings.extra_endpoints)
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        await progress.begin(
            mode=options.mode, label=options.catalog, attribute="catalog",
            workspace=options.workspace,
        )  # fmt: skip
        report = CatalogReport(options.catalog, progress, options.mode, options.dry_run)
        try:
            async with self._exclusive(options), rows.open() as stream:
                await self._send(request, stream, options, report, progress)
        except FailRun as exc:
            report.failure = str(exc)
        report.count_unaccounted()
        return report.result()

    async def _send(
        self,
        request: ActionRequest,
        stream: RowStream,
        options: CatalogOptions,
        report: CatalogReport,
        progress: RunProgress,
    ) -> None:
        options = in_result_zone(options, request, stream)
        mapper = ItemMapper(stream.fields, options)
        report.ignored_tags = mapper.ignored_tags
        await self._prepare_catalog(options, mapper, report)
        ledger = await self._ledger(options, progress)
        method = "DELETE" if options.mode == CatalogMode.DELETE else "PUT"
        sink = self._sink(options, report, ledger, method)
        try:
            await send_items(stream, mapper, sink, report, ledger, self._settings.max_rows)
            await sink.drain()
            if report.row_cap is None:
                report.cut = possible_cut(request, stream.document, report.read)
        finally:
            await drain_quietly(sink)
            if ledger is not None and not options.dry_run:
                await ledger.flush(force=True)
        await sink.drain()  # raises the run's failure, if a batch had one
        if options.mode == CatalogMode.SYNC and ledger is not None:
            await self._delete_gone(options, report, ledger)

    async def _delete_gone(
        self, options: CatalogOptions, report: CatalogReport, ledger: Ledger
    ) -> None:
        report.deletions_skipped = deletions_blocked(report)
        if report.deletions_skipped:
            return
        sink = self._sink(options, report, ledger, "DELETE")
        try:
            await delete_gone(ledger, sink, report)
            await sink.drain()
        finally:
            await drain_quietly(sink)
            if not options.dry_run:
                await ledger.flush(force=True)
        await sink.drain()

    # ------------------------------------------------------------ the catalog

    async def _prepare_catalog(
        self, options: CatalogOptions, mapper: ItemMapper, report: CatalogReport
    ) -> None:
        """Read the catalog's fields once (GET /catalogs); create it when asked and missing;
        FailRun when a tagged field is not in it."""
        manager = CatalogManager(self.requester(options, CATALOG_MANAGEMENT, report))
        catalog = (await manager.catalogs()).get(options.catalog)
        if catalog is None:
            catalog = await self._create(manager, options, mapper, report)
            if catalog is None:
                return  # a dry run: the catalog would be created with the Look's fields
        mapper.check_fields(catalog)

    async def _create(
        self,
        manager: CatalogManager,
        options: CatalogOptions,
        mapper: ItemMapper,
        report: CatalogReport,
    ) -> Catalog | None:
        if not options.create_missing or options.mode == CatalogMode.DELETE:
            raise FailRun(
                f"Braze has no catalog '{options.catalog}' in this workspace: check the name, "
                "create the catalog in Braze (Data Settings > Catalogs), or answer yes to "
                "'Create the catalog if missing' (not in delete mode)."
            )
        fields = mapper.catalog_fields()
        if options.dry_run:
            report.would_create = fields
            report.would_request["POST /catalogs"] += 1
            return None
        if await manager.create(options.catalog, fields, DESCRIPTION):
            report.created = fields
            return Catalog(options.catalog, fields)
        # It already existed (made by the first try of a retried create, or meanwhile).
        return (await manager.catalogs()).get(options.catalog) or Catalog(options.catalog, fields)

    # ------------------------------------------------------------ state and Braze

    async def _ledger(self, options: CatalogOptions, progress: RunProgress) -> Ledger | None:
        sync = options.mode == CatalogMode.SYNC
        if self._store is None:
            if sync:
                raise FailRun(
                    "A catalog sync needs the hub's state store (LOOKER_BRAZE_STATE_URL), which "
                    "is not available: it records which items this hub sent."
                )
            return None  # nothing recorded: a later sync deletes only what it recorded
        if options.dry_run and not sync:
            return None
        if sync and progress.run_id is None:
            raise FailRun("A catalog sync needs the run history of the state store, which failed.")
        catalog_id = await self._store.catalog_id(options.workspace, options.catalog)
        return Ledger(self._store, catalog_id, progress.run_id, stage=sync)

    def _exclusive(self, options: CatalogOptions):
        """One send at a time per catalog, for the sends that record its items."""
        if options.dry_run:
            return contextlib.nullcontext()
        return self._plumbing.locks.hold(options.lock_name, label=f"catalog {options.catalog}")

    def _sink(
        self, options: CatalogOptions, report: CatalogReport, ledger: Ledger | None, method: str
    ) -> Sink:
        if options.dry_run:
            return DryItems(report, method, items_path(options.catalog))
        in_flight = self.in_flight(options.workspace, CATALOG_ITEMS)
        requester = self.requester(options, CATALOG_ITEMS, report, in_flight.observe)
        return Dispatcher(
            CatalogItemsClient(requester, options.catalog, method),
            in_flight,
            on_outcome=lambda batch, outcome: count_outcome(report, ledger, method, outcome),
            on_failed=lambda batch: count_failed(report, batch),
        )
