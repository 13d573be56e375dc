"""The account of one braze_trigger send: every row read ends in exactly one bucket.

    rows read = sent (Braze accepted the call) + already sent (by an earlier run of this send)
              + pending before (an earlier run's outcome unknown: not sent again)
              + unknown (this run's request may or may not have acted: not sent again)
              + duplicates + invalid + not sent (refused by the cap, or the run stopped)
A dry run has "would send" in place of "sent". The report's fields are the run's counters: the
hub's live view and the run history read them through ``counts()``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from looker_braze.actions.braze.counting import RowCounts, n, of
from looker_braze.actions.braze.report import answer_text
from looker_braze.braze.triggers import Target
from looker_braze.hub.action import RunProgress

SHOWN_RECIPIENTS = 20  # a dry run names this many who would receive it
SHOWN_DISPATCHES = 10  # the answer lists this many dispatch ids (the state store has them all)
_COUNTERS = ("read", "sent", "would_send", "already_sent", "pending_before", "unknown",
             "duplicates", "not_sent", "requests", "retries")  # fmt: skip


def _users(count: int) -> str:
    return of(count, "user")


@dataclass
class TriggerReport(RowCounts):
    ROW_OUTCOMES = frozenset(_COUNTERS) - {"requests", "retries"}
    COUNTERS = _COUNTERS
    REASONS = ("invalid",)  # Braze refuses a trigger call whole, never one recipient
    TAGS_HINT = "braze_trigger[<name>]"

    target: Target
    send_key: str
    progress: RunProgress
    dry_run: bool = False
    already_sent: int = 0
    pending_before: int = 0
    unknown: int = 0
    dropped: Counter = field(default_factory=Counter)  # (property, reason) -> values left out
    dispatch_ids: list[str] = field(default_factory=list)
    would_receive: list[str] = field(default_factory=list)
    over_cap: tuple[int, int] | None = None  # (distinct recipients, cap): refused
    unknown_reason: str | None = None
    sample: dict | None = None  # a dry run's first request body

    @property
    def success(self) -> bool:
        return (
            self.failure is None
            and self.over_cap is None
            and self.unknown == 0
            and self.not_sent == 0
            and self.accounted == self.read
        )

    # ------------------------------------------------------------ the answer

    def message(self) -> str:
        parts = (self._headline(), self._rows_line(), self._unknown_line(), self._dispatch_line(),
                 self._receivers_line(), self._values_line(), self.tags_line(),
                 self._effort_line())  # fmt: skip
        return answer_text(parts, self.sample if self.dry_run else None)

    def _what(self) -> str:
        label = self.send_key.removeprefix("label:")
        send = "no send label" if label == self.send_key else f"send label '{label}'"
        return f"{self.target.kind} {self.target.id} ({send})"

    def _headline(self) -> str:
        if self.over_cap is not None:
            found, cap = self.over_cap
            return (
                f"Refused, nothing sent: the Look has {n(found)} distinct recipients, more than "
                f"the Recipient Cap of {n(cap)}. Raise the cap or narrow the Look."
            )
        if self.failure:
            return self.failed_line("user")
        if self.dry_run:
            return f"Dry run, nothing sent: {_users(self.would_send)} would receive {self._what()}."
        verdict = "Done" if self.success else "Incomplete"
        return f"{verdict}: {self._what()} triggered for {_users(self.sent)}."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.already_sent, "already messaged by this send, not again"),
            (self.pending_before, "with an outcome unknown since an earlier run, not resent"),
            (self.unknown, "outcome unknown, not resent"),
            (self.duplicates, "duplicate ids skipped"),
            self.invalid_outcome("rejected"),
            stopped="the cap refused the send" if self.over_cap else "the run stopped",
        )

    def _unknown_line(self) -> str | None:
        if not self.unknown:
            return None
        return (
            f"Outcome unknown for {_users(self.unknown)}: {self.unknown_reason} They stay "
            "recorded as pending, so this send never messages them again; check in Braze "
            "whether they received it."
        )

    def _dispatch_line(self) -> str | None:
        if not self.dispatch_ids:
            return None
        shown = ", ".join(self.dispatch_ids[:SHOWN_DISPATCHES])
        more = len(self.dispatch_ids) - SHOWN_DISPATCHES
        rest = f" and {n(more)} more (all in the state store)" if more > 0 else ""
        calls = len(self.dispatch_ids)
        return f"Dispatch ids ({n(calls)} call{'' if calls == 1 else 's'}): {shown}{rest}."

    def _receivers_line(self) -> str | None:
        if not self.dry_run or not self.would_receive:
            return None
        more = self.would_send - len(self.would_receive)
        rest = f" and {n(more)} more" if more > 0 else ""
        return f"Would receive it: {', '.join(self.would_receive)}{rest}."

    def _values_line(self) -> str | None:
        if not self.dropped:
            return None
        listed = ", ".join(f"{p} {r}: {n(c)}" for (p, r), c in self.dropped.most_common(3))
        return f"{n(sum(self.dropped.values()))} invalid property values left out ({listed})."

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        if self.dry_run:
            return f"Read in {seconds:.1f} s."
        return f"{n(self.requests)} requests, {n(self.retries)} retries, {seconds:.1f} s."
