"""The account of one events send: every row read ends in exactly one bucket.

    rows read = sent (accepted by Braze) + already sent (by an earlier run: never twice)
              + elsewhere (being sent at this moment by another run)
              + held (an earlier request got no answer: not sent again blindly)
              + duplicates (identical rows: one event) + invalid (with the reason)
              + rejected by Braze + unknown (this run's request got no answer: held)
              + not sent (the run stopped before they could be)
A dry run has "would send" in place of "sent". As the flag action's RunReport, the fields are the
run's only counters: the live view and the history read them through ``counts()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from looker_braze.actions.braze.counting import RowCounts, of
from looker_braze.actions.braze.report import FIRST_OBJECTS, answer_text
from looker_braze.braze.client import SendNotes
from looker_braze.hub.action import RunProgress

SAMPLES = 10  # objects a dry run lists
_ROW_OUTCOMES = frozenset(
    {
        "read",
        "sent",
        "would_send",
        "already_sent",
        "elsewhere",
        "held",
        "duplicates",
        "unknown",
        "not_sent",
    }
)
_COUNTERS = ("read", "sent", "would_send", "already_sent", "elsewhere", "held", "duplicates",
             "unknown", "not_sent", "data_points", "requests", "retries")  # fmt: skip
RESEND_HINT = (
    "check in Braze whether they arrived, then send again with Resend Events of Unknown "
    "Outcome: yes (or run `looker-braze events release`)"
)


@dataclass
class EventReport(RowCounts):
    ROW_OUTCOMES = _ROW_OUTCOMES
    COUNTERS = _COUNTERS
    TAGS_HINT = "braze_event_name, braze_time, braze_property[<name>] and the purchase tags"
    UNCONFIRMED = "those are held (outcome unknown), not sent again blindly"

    noun: str  # event or purchase
    progress: RunProgress
    dry_run: bool = False
    already_sent: int = 0
    elsewhere: int = 0  # being sent at this moment by another run of the same events
    held: int = 0
    unknown: int = 0
    data_points: int = 0
    braze: SendNotes = field(default_factory=SendNotes)
    samples: list[dict] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return (
            self.failure is None
            and self.row_cap is None
            and not self.rejected
            and not (self.not_sent or self.unknown or self.held)
            and self.accounted == self.read
        )

    # ------------------------------------------------------------ the answer

    def message(self) -> str:
        if self.failure and self.read == 0:
            return f"Failed: {self.failure}"
        parts = (self._headline(), self._rows_line(), self.braze_line(), self.tags_line(),
                 self.cap_line(), self._effort_line())  # fmt: skip
        samples = self.samples if self.dry_run and self.samples else None
        return answer_text(parts, samples, FIRST_OBJECTS)

    def _headline(self) -> str:
        noun = self.noun
        if self.failure:
            return self.failed_line(noun)
        if self.dry_run:
            return f"Dry run, nothing sent: {of(self.would_send, noun)} would be sent."
        return f"{'Done' if self.success else 'Incomplete'}: {of(self.sent, noun)} sent to Braze."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.already_sent, "sent by an earlier run, not sent again"),
            (self.elsewhere, "being sent at this moment by another run"),
            (self.duplicates, "identical rows sent once"),
            self.invalid_outcome(),
            (
                self.held,
                "held: an earlier send got no answer from Braze for them, so they are not "
                f"sent twice blindly; {RESEND_HINT}",
            ),
            (
                self.unknown,
                "sent without an answer from Braze (they may or may not have arrived): held, "
                f"not sent again blindly; {RESEND_HINT}",
            ),
        )

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        points = of(self.data_points, "data point")
        cost = (
            "1 per purchase and 1 per purchase property"
            if self.noun == "purchase"
            else "1 per event"
        )
        if self.dry_run:
            return f"It would cost {points} ({cost}). Read in {seconds:.1f} s."
        return (
            f"{points} ({cost}), {of(self.requests, 'request')}, "
            f"{of(self.retries, 'retry', 'retries')}, {seconds:.1f} s."
        )
