"""The account of one catalog send: every row read ends in exactly one bucket.

    rows read = sent (accepted by Braze: replaced, created or deleted) + duplicates
              + invalid (refused before sending) + rejected by Braze + not sent (the run stopped)
A dry run has "would send" in place of "sent". A sync's deletions of items that left the Look
are counted apart: they are not rows of this Look. The report's fields are the run's only
counters (the hub's live view and the run history read them through ``counts()``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.counting import RowCounts, n, of
from looker_braze.actions.braze.report import answer_text
from looker_braze.braze.catalogs import CatalogField
from looker_braze.braze.client import SendNotes
from looker_braze.hub.action import RunProgress
from looker_braze.hub.result import PossibleCut

_ROW_OUTCOMES = frozenset({"read", "sent", "would_send", "duplicates", "not_sent"})
_COUNTERS = (
    "read", "sent", "would_send", "duplicates", "not_sent", "gone", "deleted", "would_delete",
    "deletions_rejected", "deletions_not_sent", "requests", "would_request", "retries",
)  # fmt: skip


@dataclass
class CatalogReport(RowCounts):
    ROW_OUTCOMES: ClassVar[frozenset[str]] = _ROW_OUTCOMES
    COUNTERS: ClassVar[tuple[str, ...]] = _COUNTERS
    TAGS_HINT: ClassVar[str] = "braze_catalog[<field>]"
    UNCONFIRMED: ClassVar[str] = "those items are not confirmed (counted as rejected)"

    catalog: str
    progress: RunProgress
    mode: CatalogMode = CatalogMode.UPSERT
    dry_run: bool = False
    gone: int = 0  # recorded items not in this Look (sync)
    deleted: int = 0
    would_delete: int = 0
    deletions_rejected: int = 0
    deletions_not_sent: int = 0
    deletions_skipped: str | None = None  # why a sync deleted nothing
    would_request: Counter = field(default_factory=Counter)  # dry run: method -> requests
    created: tuple[CatalogField, ...] = ()  # the fields of a catalog this send created
    would_create: tuple[CatalogField, ...] = ()
    braze: SendNotes = field(default_factory=SendNotes)  # Braze's 2xx messages but "success"
    cut: PossibleCut | None = None
    sample: dict | None = None

    # ------------------------------------------------------------ counting (RowCounting)

    @property
    def success(self) -> bool:
        return (
            self.failure is None
            and self.row_cap is None
            and not self.rejected
            and not self.invalid
            and self.not_sent == 0
            and self.deletions_rejected == 0
            and self.deletions_not_sent == 0
            and self.deletions_skipped is None
            and not self.braze.messages
            and self.accounted == self.read
        )

    # ------------------------------------------------------------ the answer

    def message(self) -> str:
        if self.failure and self.read == 0:
            return f"Failed: {self.failure}"
        lines = (
            self._created_line(), self._rows_line(), self._deletions_line(), self._cut_line(),
            self.braze_line(), self.tags_line(), self.cap_line(),
        )  # fmt: skip
        parts = (self._headline(), *lines, self._effort_line())
        return answer_text(parts, self.sample if self.dry_run else None)

    def _headline(self) -> str:
        target = f"catalog '{self.catalog}'"
        verb = "deleted from" if self.mode == CatalogMode.DELETE else "sent to"
        if self.failure:
            return self.failed_line("item")
        if self.dry_run:
            requests = ", ".join(
                f"{method} {of(count, 'request')}" for method, count in self.would_request.items()
            )
            return (
                f"Dry run, nothing sent: {of(self.would_send, 'item')} would be {verb} {target} "
                f"({requests or 'no request'})."
            )
        verdict = "Done" if self.success else "Incomplete"
        return f"{verdict}: {of(self.sent, 'item')} {verb} {target}."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.duplicates, "duplicate ids skipped"),
            self.invalid_outcome(),
        )

    def _created_line(self) -> str | None:
        fields = self.created or self.would_create
        if not fields:
            return None
        listed = ", ".join(f"{f.name} ({f.type})" for f in fields)
        verb = "Created" if self.created else "Would create"
        return f"{verb} the catalog '{self.catalog}' with the fields {listed}."

    def _deletions_line(self) -> str | None:
        if self.mode != CatalogMode.SYNC:
            return None
        if self.deletions_skipped:
            return f"Items that left the Look were not deleted: {self.deletions_skipped}"
        gone = self.would_delete if self.dry_run else self.deleted
        verb = "would be deleted" if self.dry_run else "deleted"
        parts = [f"{of(gone, 'item')} that left the Look {verb}"]
        if self.deletions_rejected:
            parts.append(f"{n(self.deletions_rejected)} deletions rejected by Braze")
        if self.deletions_not_sent:
            parts.append(f"{n(self.deletions_not_sent)} deletions not sent: the run stopped")
        return "Sync: " + "; ".join(parts) + "."

    def _cut_line(self) -> str | None:
        if self.deletions_skipped:
            return None
        return self.cut_line("items beyond it were not sent")

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        if self.dry_run:
            return f"Read in {seconds:.1f} s."
        return (
            f"{of(self.requests, 'request')}, {of(self.retries, 'retry', 'retries')}, "
            f"{seconds:.1f} s."
        )
