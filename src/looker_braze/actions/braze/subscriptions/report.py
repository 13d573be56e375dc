"""The account of one subscriptions send: every row read ends in exactly one bucket.

    rows read = sent (Braze accepted the state) + duplicates (same user, group and state as an
              earlier row) + invalid (no valid identifier, group or state; or a second, different
              state for a user and group: the first row wins) + rejected by Braze
              + not sent (the run stopped first)
A dry run has "would send" in place of "sent", and lists the requests it would make.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import ClassVar

from looker_braze.actions.braze.counting import RowCounts, n, of
from looker_braze.actions.braze.report import answer_text
from looker_braze.braze.client import SendNotes
from looker_braze.hub.action import RunProgress
from looker_braze.hub.result import PossibleCut

LISTED_REQUESTS = 10  # requests a dry run describes one by one
STATES = "subscription state"


@dataclass
class SubscriptionReport(RowCounts):
    ROW_OUTCOMES: ClassVar[frozenset[str]] = frozenset(
        {"read", "sent", "would_send", "duplicates", "not_sent"}
    )
    COUNTERS: ClassVar[tuple[str, ...]] = (
        "read", "sent", "would_send", "duplicates", "not_sent", "requests", "retries",
    )  # fmt: skip
    UNCONFIRMED: ClassVar[str] = "those states are not confirmed"

    progress: RunProgress
    dry_run: bool = False
    by_state: Counter = field(default_factory=Counter)  # (group, state) -> users set (or to set)
    planned: list[str] = field(default_factory=list)  # a dry run's requests, described
    cut: PossibleCut | None = None
    braze: SendNotes = field(default_factory=SendNotes)
    sample: dict | None = None  # a dry run's first request body

    @property
    def success(self) -> bool:
        return (
            self.failure is None
            and self.row_cap is None
            and not self.rejected
            and self.not_sent == 0
            and self.accounted == self.read
        )

    # ------------------------------------------------------------ the answer

    def message(self) -> str:
        if self.failure and self.read == 0:
            return f"Failed: {self.failure}"
        parts = (self._headline(), self._rows_line(), self._states_line(), self._plan_line(),
                 self.cut_line("users beyond it were not updated"), self.braze_line(),
                 self.cap_line(), self._effort_line())  # fmt: skip
        return answer_text(parts, self.sample if self.dry_run else None)

    def _headline(self) -> str:
        if self.failure:
            return self.failed_line(STATES)
        if self.dry_run:
            return (
                f"Dry run, nothing sent: {of(self.would_send, STATES)} would be set in "
                f"{of(self.requests, 'request')}."
            )
        verdict = "Done" if self.success else "Incomplete"
        return f"{verdict}: Braze accepted {of(self.sent, STATES)}."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.duplicates, "duplicates skipped (same user, group and state)"),
            self.invalid_outcome(reasons=5),
        )

    def _states_line(self) -> str | None:
        if not self.by_state:
            return None
        shown = [
            f"{group} {state}: {n(count)}"
            for (group, state), count in sorted(self.by_state.items())[:6]
        ]
        more = len(self.by_state) - len(shown)
        tail = f" and {of(more, 'more group state')}" if more > 0 else ""
        verb = "To set" if self.dry_run else "Set"
        return f"{verb}: {'; '.join(shown)}{tail}."

    def _plan_line(self) -> str | None:
        if not self.dry_run or not self.planned:
            return None
        more = self.requests - len(self.planned)
        tail = f"; and {of(more, 'more request')}" if more > 0 else ""
        return f"Requests to POST /v2/subscription/status/set: {'; '.join(self.planned)}{tail}."

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        free = "Subscription states are not billed as Braze data points"
        if self.dry_run:
            return f"{free}. Read in {seconds:.1f} s."
        return (
            f"{free}; {of(self.requests, 'request')}, {of(self.retries, 'retry', 'retries')}, "
            f"{seconds:.1f} s."
        )
