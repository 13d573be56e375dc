"""The braze_trigger action: send an API-triggered campaign or Canvas to a Look's users.

The run: check settings and form -> one send at a time per (workspace, target, send key) ->
read every row (identify, drop duplicates, build recipient objects) and count the distinct
recipients: more than the Recipient Cap refuses the send before anything goes -> a dry run lists
who would receive it -> else, 50 recipients a call: record them "pending" in the state store,
trigger (never repeated blindly: braze/triggers.py), record them "sent" with the call's
dispatch_id. Recipients an earlier run of the same send messaged (or left pending) are skipped.
"""

from __future__ import annotations

import contextlib
import logging
from itertools import compress

import orjson

from looker_braze.actions.braze.base import BrazeActionBase
from looker_braze.actions.braze.options import InvalidForm
from looker_braze.actions.braze.trigger import definition as trigger_definition
from looker_braze.actions.braze.trigger.options import TriggerOptions, trigger_options
from looker_braze.actions.braze.trigger.recipients import Recipient, RecipientMapper
from looker_braze.actions.braze.trigger.report import SHOWN_RECIPIENTS, TriggerReport
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.families import MESSAGING
from looker_braze.braze.triggers import MAX_RECIPIENTS, TriggerClient, request_body
from looker_braze.errors import FailRun, OutcomeUnknown
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import RowStream
from looker_braze.hub.protocol import (
    ActionRequest,
    ActionResult,
)
from looker_braze.hub.result import time_zone
from looker_braze.hub.rows import RowSource
from looker_braze.state.triggers import PENDING, SENT, SendKey, TriggerLedger

log = logging.getLogger(__name__)
LOOKUP_CHUNK = 500  # recipients a dry run looks up in the state store per call


class TriggerAction(BrazeActionBase):
    screens = trigger_definition

    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        try:
            options = trigger_options(request, self._settings.extra_endpoints)
        except InvalidForm as exc:
            return ActionResult(success=False, message=str(exc), validation_errors=exc.errors)
        await progress.begin(
            mode=options.target.kind,
            label=options.send_key,
            attribute=options.target.id,
            workspace=options.workspace,
        )
        report = TriggerReport(options.target, options.send_key, progress, options.dry_run)
        try:
            ledger = self._ledger(options)
            async with self._exclusive(options):
                async with rows.open() as stream:
                    recipients = await self._read(request, stream, options, report)
                if recipients is None:
                    pass  # over the cap: refused
                elif options.dry_run:
                    await self._dry_run(recipients, ledger, report)
                else:
                    await self._send(recipients, ledger, options, report, progress.run_id or 0)
        except FailRun as exc:
            report.failure = str(exc)
        report.count_unaccounted()
        return report.result()

    # ------------------------------------------------------------ reading

    async def _read(
        self,
        request: ActionRequest,
        stream: RowStream,
        options: TriggerOptions,
        report: TriggerReport,
    ) -> list[Recipient] | None:
        """The distinct recipients, in the Look's order; None when they are over the cap (the
        rows are all read, to say how many there are)."""
        mapper = RecipientMapper(stream.fields, options, time_zone(request, stream.document))
        report.ignored_tags = mapper.ignored_tags
        cap, picked, distinct = options.recipient_cap, [], 0
        with SeenIds() as seen:
            async for rows in stream.batches(mapper.select):
                report.count("read", len(rows))
                found = report.built(rows, mapper.recipient)
                first = list(compress(found, seen.add_many([r.key for r in found])))
                report.count("duplicates", len(found) - len(first))
                distinct += len(first)
                if distinct <= cap:
                    picked += first  # past the cap they are only counted
        report.dropped = mapper.dropped
        if distinct > cap:
            report.over_cap = (distinct, cap)
            return None
        return picked

    # ------------------------------------------------------------ dry run

    async def _dry_run(
        self, recipients: list[Recipient], ledger: TriggerLedger | None, report: TriggerReport
    ) -> None:
        """Who would receive it: the recipients this send has not already messaged (or left
        pending), as far as the state store knows."""
        states: dict[str, str] = {}
        if ledger is not None and self._store is not None:
            for start in range(0, len(recipients), LOOKUP_CHUNK):
                keys = [r.key for r in recipients[start : start + LOOKUP_CHUNK]]
                states.update(await self._store.call(ledger.states, keys))
        fresh = [r for r in recipients if r.key not in states]
        report.count("already_sent", sum(1 for state in states.values() if state == SENT))
        report.count("pending_before", sum(1 for state in states.values() if state == PENDING))
        report.count("would_send", len(fresh))
        report.would_receive = [r.shown for r in fresh[:SHOWN_RECIPIENTS]]
        if fresh:
            body = request_body(report.target, [r.obj for r in fresh[:MAX_RECIPIENTS]])
            report.sample = orjson.loads(body)

    # ------------------------------------------------------------ sending

    async def _send(
        self,
        recipients: list[Recipient],
        ledger: TriggerLedger | None,
        options: TriggerOptions,
        report: TriggerReport,
        run_id: int,
    ) -> None:
        if ledger is None or self._store is None:
            raise FailRun(
                "braze_trigger needs the hub's state store (LOOKER_BRAZE_STATE_URL), which "
                "records who was messaged so that nobody is messaged twice; nothing was sent."
            )
        client = self._client(options, report)
        for start in range(0, len(recipients), MAX_RECIPIENTS):
            await self._call(recipients[start : start + MAX_RECIPIENTS], ledger, client, report,
                             run_id)  # fmt: skip

    async def _call(
        self,
        chunk: list[Recipient],
        ledger: TriggerLedger,
        client: TriggerClient,
        report: TriggerReport,
        run_id: int,
    ) -> None:
        """One request: claim (pending), trigger, then sent; or released if Braze sent nothing,
        or left pending if it may have."""
        store = self._store
        assert store is not None
        known = await store.call(ledger.claim, [r.key for r in chunk], run_id)
        report.count("already_sent", sum(1 for state in known.values() if state == SENT))
        report.count("pending_before", sum(1 for state in known.values() if state == PENDING))
        mine = [r for r in chunk if r.key not in known]
        if not mine:
            return
        keys = [r.key for r in mine]
        try:
            dispatch_id = await client.send([r.obj for r in mine])
        except OutcomeUnknown as exc:
            report.count("unknown", len(mine))
            report.unknown_reason = str(exc)
            log.warning("trigger outcome unknown for %d recipients: %s", len(mine), exc)
            return
        except FailRun:
            await store.call(ledger.release, keys, run_id)  # Braze certainly sent nothing
            raise
        report.count("sent", len(mine))
        report.dispatch_ids.append(dispatch_id)
        await store.call(ledger.mark_sent, keys, dispatch_id, run_id)

    def _client(self, options: TriggerOptions, report: TriggerReport) -> TriggerClient:
        return TriggerClient(self.requester(options, MESSAGING, report), options.target)

    # ------------------------------------------------------------ state

    def _ledger(self, options: TriggerOptions) -> TriggerLedger | None:
        if self._store is None:
            return None
        key = SendKey(options.workspace, options.target.key, options.send_key)
        return TriggerLedger(self._store.store, key)

    def _exclusive(self, options: TriggerOptions):
        """One send at a time per send key: a second one would wait, then skip everyone."""
        if options.dry_run:
            return contextlib.nullcontext()
        target = options.target
        name = f"{options.workspace}|trigger|{target.key}|{options.send_key}"
        return self._plumbing.locks.hold(name, label=f"{target.kind} {target.id}")
