"""The account of one Braze send: every row read ends in exactly one bucket, and the message
Looker shows says where they went.

    rows read = sent (accepted by Braze) + unchanged (already in Braze, not sent again)
              + duplicates + invalid identifiers + rejected by Braze
              + not sent (the run stopped before they could be)
A dry run has "would send" in place of "sent". A sync's removals (users who left the Look) are
counted apart: they are not rows of this Look.

The report's fields are the run's only counters: the hub's live view and the run history read
them through ``counts()``, so Looker's answer and the history cannot disagree.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from looker_braze.actions.braze.counting import RowCounts, n, of, top
from looker_braze.actions.braze.mapping import ValueNotes
from looker_braze.actions.braze.modes import Mode
from looker_braze.braze.client import SendNotes
from looker_braze.hub.action import RunProgress
from looker_braze.hub.result import PossibleCut

# A dry run's answer ends with this and the first object as JSON (`send` prints it apart); the
# events action's, with FIRST_OBJECTS and a JSON list of the first objects.
FIRST_OBJECT = "First object: "
FIRST_OBJECTS = "First objects: "


def answer_text(
    parts: Iterable[str | None], sample: dict | list | None, heading: str = FIRST_OBJECT
) -> str:
    """An answer's sentences (None ones left out), then a dry run's first object (or objects,
    under FIRST_OBJECTS), as JSON: as Braze would receive it (a Python repr would show None,
    True, 'quotes')."""
    text = [part for part in parts if part]
    if sample is not None:
        text.append(f"{heading}{orjson.dumps(sample).decode()}")
    return " ".join(text)


_ROW_OUTCOMES = frozenset({"read", "sent", "would_send", "unchanged", "duplicates", "not_sent"})
# Every whole-number counter of a run, in the order the history shows them.
_COUNTERS = (
    "read", "sent", "would_send", "unchanged", "duplicates", "not_sent",
    "added", "gone", "removed", "would_remove", "removals_rejected", "removals_not_sent",
    "data_points", "data_points_saved", "requests", "retries",
)  # fmt: skip


@dataclass
class RunReport(RowCounts):
    ROW_OUTCOMES = _ROW_OUTCOMES
    COUNTERS = _COUNTERS
    TAGS_HINT = "braze[<attribute>]"
    UNCONFIRMED = "those users are not confirmed (counted as rejected) and go again next time"

    label: str
    array_attribute: str
    progress: RunProgress
    mode: Mode = Mode.APPEND
    dry_run: bool = False
    update_existing_only: bool = True
    # rows
    unchanged: int = 0
    # the audience
    added: int = 0
    gone: int = 0
    removed: int = 0
    would_remove: int = 0
    removals_rejected: int = 0
    removals_not_sent: int = 0
    removals_skipped: str | None = None  # why a sync did not remove users who left
    # effort
    data_points: int = 0
    data_points_saved: int = 0
    values: ValueNotes = field(default_factory=ValueNotes)
    cut: PossibleCut | None = None  # Looker may have sent only part of the result
    braze: SendNotes = field(default_factory=SendNotes)  # queued, odd answers, a smaller batch
    history_failure: str | None = None  # a plain append could not record who joined
    sample: dict | None = None

    # ------------------------------------------------------------ counting (RowCounting)

    @property
    def success(self) -> bool:
        return (
            self.failure is None
            and self.row_cap is None
            and not self.rejected
            and self.not_sent == 0
            and self.removals_rejected == 0
            and self.removals_not_sent == 0
            and self.removals_skipped is None
            and self.accounted == self.read
        )

    # ------------------------------------------------------------ the answer

    def message(self) -> str:
        if self.failure and self.read == 0:
            return f"Failed: {self.failure}"
        parts = (self._headline(), self._rows_line(), self._audience_line(), self._cut_line(),
                 self.braze_line(), self._values_line(), self.tags_line(), self.cap_line(),
                 self._history_line(), self._effort_line())  # fmt: skip
        return answer_text(parts, self.sample if self.dry_run else None)

    def _headline(self) -> str:
        target = f"'{self.label}' in {self.array_attribute}"
        verb = "removed from" if self.mode == Mode.REMOVE else "added to"
        if self.failure:
            return self.failed_line("user")
        if self.dry_run:
            return f"Dry run, nothing sent: {of(self.would_send, 'user')} would be sent ({target})."
        verdict = "Done" if self.success else "Incomplete"
        caveat = (
            " (Braze updates only the users it already has)"
            if self.update_existing_only and self.mode != Mode.REMOVE
            else ""
        )
        users = of(self.sent, "user")
        if self.mode == Mode.SYNC:
            return f"{verdict}: {users} sent to Braze to sync {target}{caveat}."
        return f"{verdict}: {users} sent to Braze; label {verb} {target}{caveat}."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.unchanged, "unchanged since the last send, not sent again"),
            (self.duplicates, "duplicate ids skipped"),
            self.invalid_outcome("without a valid id"),
        )

    def _audience_line(self) -> str | None:
        if self.mode == Mode.REMOVE or (self.mode == Mode.APPEND and not self.added):
            return None
        parts = [f"{of(self.added, 'user')} newly flagged"]
        if self.mode == Mode.SYNC and not self.removals_skipped:
            gone = self.would_remove if self.dry_run else self.removed
            parts.append(
                f"{of(gone, 'user')} who left the Look "
                f"{'would lose' if self.dry_run else 'lost'} the label"
            )
        if self.removals_rejected:
            parts.append(f"{n(self.removals_rejected)} removals rejected by Braze")
        if self.removals_not_sent:
            parts.append(f"{n(self.removals_not_sent)} removals not sent because the run stopped")
        line = "Audience: " + "; ".join(parts) + "."
        if self.removals_skipped:
            line += f" Users who left were not removed: {self.removals_skipped}"
        return line

    def _values_line(self) -> str | None:
        notes = []
        if self.values.dropped:
            dropped = Counter(
                {f"{a} {reason}": n for (a, reason), n in self.values.dropped.items()}
            )
            notes.append(f"{of(sum(dropped.values()), 'invalid value')} not sent ({top(dropped)})")
        if self.values.truncated:
            notes.append(
                f"{of(sum(self.values.truncated.values()), 'value')} cut to 255 characters "
                f"({top(self.values.truncated)})"
            )
        if not notes:
            return None
        line = "; ".join(notes)
        return line[0].upper() + line[1:] + "."

    def _cut_line(self) -> str | None:
        if self.removals_skipped:  # a sync says it with its removals
            return None
        verb = "removed" if self.mode == Mode.REMOVE else "flagged"
        return self.cut_line(f"users beyond it were not {verb}")

    def _history_line(self) -> str | None:
        if self.history_failure is None:
            return None
        return f"The audience's membership history was not recorded: {self.history_failure}"

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        points = of(self.data_points, "data point")
        saved = (
            f" ({n(self.data_points_saved)} saved by sending only changes)"
            if self.data_points_saved
            else ""
        )
        if self.dry_run:
            return f"It would cost about {points}{saved}. Read in {seconds:.1f} s."
        return (
            f"{points}{saved}, {of(self.requests, 'request')}, "
            f"{of(self.retries, 'retry', 'retries')}, {seconds:.1f} s."
        )
