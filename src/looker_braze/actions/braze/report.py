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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson

from looker_braze.actions.braze.mapping import ValueNotes
from looker_braze.actions.braze.modes import Mode
from looker_braze.braze.client import SendNotes
from looker_braze.errors import RejectRow
from looker_braze.hub.action import RunProgress
from looker_braze.hub.protocol import ActionResult
from looker_braze.hub.result import PossibleCut

# A dry run's answer ends with this and the first object as JSON (`send` prints it apart); the
# events action's, with FIRST_OBJECTS and a JSON list of the first objects.
FIRST_OBJECT = "First object: "
FIRST_OBJECTS = "First objects: "
T = TypeVar("T")


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


def _n(count: int) -> str:
    return f"{count:,}"


def _of(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _top(counter: Counter, limit: int = 3) -> str:
    return ", ".join(f"{reason}: {_n(count)}" for reason, count in counter.most_common(limit))


_ROW_OUTCOMES = frozenset({"read", "sent", "would_send", "unchanged", "duplicates", "not_sent"})
# Every whole-number counter of a run, in the order the history shows them.
_COUNTERS = (
    "read", "sent", "would_send", "unchanged", "duplicates", "not_sent",
    "added", "gone", "removed", "would_remove", "removals_rejected", "removals_not_sent",
    "data_points", "data_points_saved", "requests", "retries",
)  # fmt: skip


class RowCounting:
    """The counting every Braze action's run report shares. The report is a dataclass with the
    fields ``progress``, ``read``, ``sent``, ``would_send``, ``dry_run``, ``not_sent``,
    ``requests``, ``retries``, a Counter of reasons for each name in REASONS, an ``accounted``
    property, and the class attributes ROW_OUTCOMES (counters that are outcomes of rows,
    exported as metrics) and COUNTERS (every whole-number counter, in the order the history
    shows them)."""

    ROW_OUTCOMES: frozenset[str] = frozenset()
    COUNTERS: tuple[str, ...] = ()
    # Why rows were refused: invalid rows, and (for users/track) Braze's rejections.
    REASONS: tuple[str, ...] = ("invalid", "rejected")
    TAGS_HINT = ""  # the tags to write instead of ignored malformed ones
    UNCONFIRMED = ""  # what becomes of objects a 2xx did not confirm (users/track reports)

    def count(self, name: str, amount: int = 1) -> None:
        if not amount:
            return
        setattr(self, name, getattr(self, name) + amount)
        if name in self.ROW_OUTCOMES:
            self.progress.metric(name, amount)

    def count_invalid(self, reason: str) -> None:
        self.invalid[reason] += 1
        self.progress.metric("invalid", 1)

    def built(self, rows: Iterable[Any], build: Callable[[Any], T]) -> list[T]:
        """``build(row)`` of each row; a row it refuses (RejectRow) counts as invalid."""
        done = []
        for row in rows:
            try:
                done.append(build(row))
            except RejectRow as exc:
                self.count_invalid(exc.reason)
        return done

    def count_rejected(self, reason: str, amount: int = 1) -> None:
        self.rejected[reason] += amount
        self.progress.metric("rejected", amount)

    def request_made(self, retry: bool) -> None:
        """A request to Braze, counted as it goes out (braze.client.RequestCounter), so that
        a batch that failed counts its requests and retries as one Braze accepted does."""
        self.requests += 1
        self.retries += retry

    def count_unaccounted(self) -> None:
        """Rows read that the run stopped before sending: not sent."""
        self.count("not_sent", self.read - self.accounted)

    def counts(self) -> dict[str, int]:
        """The run's counters that are not zero (read by the hub and the run history)."""
        counts = {name: getattr(self, name) for name in self.COUNTERS}
        counts.update({name: sum(getattr(self, name).values()) for name in self.REASONS})
        return {name: value for name, value in counts.items() if value}

    def reasons(self) -> Counter:
        """Why rows were refused: invalid rows and Braze's rejections."""
        return sum((getattr(self, name) for name in self.REASONS), Counter())

    def result(self) -> ActionResult:
        return ActionResult(success=self.success, message=self.message())

    def rows_line(self, *outcomes: tuple[int, str], stopped: str = "the run stopped") -> str:
        """Where the rows went: sent (or to send), each of ``outcomes`` (count, what) that is not
        zero, then Braze's rejections and the rows not sent because ``stopped``."""
        sent = f"{_n(self.sent or self.would_send)} {'to send' if self.dry_run else 'sent'}"
        if "rejected" in self.REASONS:
            rejected = sum(self.rejected.values())
            outcomes += ((rejected, f"rejected by Braze ({_top(self.rejected)})"),)
        outcomes += ((self.not_sent, f"not sent because {stopped}"),)
        items = [sent, *(f"{_n(count)} {what}" for count, what in outcomes if count)]
        return f"Rows read: {_n(self.read)}: " + "; ".join(items) + "."

    def _tags_line(self) -> str | None:
        if not self.ignored_tags:
            return None
        return f"Ignored malformed tags ({'; '.join(self.ignored_tags[:5])}): use {self.TAGS_HINT}."

    def _braze_line(self) -> str | None:
        """What Braze's /users/track answers said beyond success (``braze``: SendNotes)."""
        notes, said = self.braze, []
        if notes.queued:
            said.append(
                f"it queued {_n(notes.queued)} during maintenance (202) and processes them "
                "later; they count as sent"
            )
        if notes.messages:
            quoted = ", ".join(f"'{message}'" for message in notes.messages)
            said.append(f"it answered {quoted} instead of 'success': {self.UNCONFIRMED}")
        if notes.batch_size:
            refused, took = notes.batch_size
            said.append(
                f"it took only {took} objects per request (it refused {refused}): set "
                f"LOOKER_BRAZE_OBJECTS_PER_REQUEST={took} for this hub"
            )
        return "Braze: " + "; ".join(said) + "." if said else None

    def _cap_line(self) -> str | None:
        if self.row_cap is None:
            return None
        return (
            f"Stopped at this hub's row cap of {_n(self.row_cap)} (LOOKER_BRAZE_MAX_ROWS): "
            "rows after it were not read."
        )


@dataclass
class RunReport(RowCounting):
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
    started: float = field(default_factory=time.monotonic)
    # rows
    read: int = 0
    sent: int = 0
    would_send: int = 0
    unchanged: int = 0
    duplicates: int = 0
    invalid: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    not_sent: int = 0
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
    requests: int = 0
    retries: int = 0
    values: ValueNotes = field(default_factory=ValueNotes)
    ignored_tags: tuple[str, ...] = ()
    row_cap: int | None = None
    cut: PossibleCut | None = None  # Looker may have sent only part of the result
    braze: SendNotes = field(default_factory=SendNotes)  # queued, odd answers, a smaller batch
    failure: str | None = None
    history_failure: str | None = None  # a plain append could not record who joined
    sample: dict | None = None

    def __post_init__(self) -> None:
        self.progress.follow(self)

    # ------------------------------------------------------------ counting

    @property
    def accounted(self) -> int:
        return (
            self.sent + self.would_send + self.unchanged + self.duplicates
            + sum(self.invalid.values()) + sum(self.rejected.values()) + self.not_sent
        )  # fmt: skip

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
                 self._braze_line(), self._values_line(), self._tags_line(), self._cap_line(),
                 self._history_line(), self._effort_line())  # fmt: skip
        return answer_text(parts, self.sample if self.dry_run else None)

    def _headline(self) -> str:
        target = f"'{self.label}' in {self.array_attribute}"
        verb = "removed from" if self.mode == Mode.REMOVE else "added to"
        if self.failure:
            return f"Failed: {self.failure} Before that, Braze accepted {_of(self.sent, 'user')}."
        if self.dry_run:
            return (
                f"Dry run, nothing sent: {_of(self.would_send, 'user')} would be sent ({target})."
            )
        verdict = "Done" if self.success else "Incomplete"
        caveat = (
            " (Braze updates only the users it already has)"
            if self.update_existing_only and self.mode != Mode.REMOVE
            else ""
        )
        users = _of(self.sent, "user")
        if self.mode == Mode.SYNC:
            return f"{verdict}: {users} sent to Braze to sync {target}{caveat}."
        return f"{verdict}: {users} sent to Braze; label {verb} {target}{caveat}."

    def _rows_line(self) -> str:
        return self.rows_line(
            (self.unchanged, "unchanged since the last send, not sent again"),
            (self.duplicates, "duplicate ids skipped"),
            (sum(self.invalid.values()), f"without a valid id ({_top(self.invalid)})"),
        )

    def _audience_line(self) -> str | None:
        if self.mode == Mode.REMOVE or (self.mode == Mode.APPEND and not self.added):
            return None
        parts = [f"{_of(self.added, 'user')} newly flagged"]
        if self.mode == Mode.SYNC and not self.removals_skipped:
            gone = self.would_remove if self.dry_run else self.removed
            parts.append(
                f"{_of(gone, 'user')} who left the Look "
                f"{'would lose' if self.dry_run else 'lost'} the label"
            )
        if self.removals_rejected:
            parts.append(f"{_n(self.removals_rejected)} removals rejected by Braze")
        if self.removals_not_sent:
            parts.append(f"{_n(self.removals_not_sent)} removals not sent because the run stopped")
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
            notes.append(
                f"{_of(sum(dropped.values()), 'invalid value')} not sent ({_top(dropped)})"
            )
        if self.values.truncated:
            notes.append(
                f"{_of(sum(self.values.truncated.values()), 'value')} cut to 255 characters "
                f"({_top(self.values.truncated)})"
            )
        if not notes:
            return None
        line = "; ".join(notes)
        return line[0].upper() + line[1:] + "."

    def _cut_line(self) -> str | None:
        if self.cut is None or self.removals_skipped:  # a sync says it with its removals
            return None
        return (
            f"Looker may have sent only part of the Look: {self.cut.reason}, so users beyond it "
            f"were not {'removed' if self.mode == Mode.REMOVE else 'flagged'}. {self.cut.remedy}"
        )

    def _history_line(self) -> str | None:
        if self.history_failure is None:
            return None
        return f"The audience's membership history was not recorded: {self.history_failure}"

    def _effort_line(self) -> str:
        seconds = time.monotonic() - self.started
        points = _of(self.data_points, "data point")
        saved = (
            f" ({_n(self.data_points_saved)} saved by sending only changes)"
            if self.data_points_saved
            else ""
        )
        if self.dry_run:
            return f"It would cost about {points}{saved}. Read in {seconds:.1f} s."
        return (
            f"{points}{saved}, {_of(self.requests, 'request')}, "
            f"{_of(self.retries, 'retry', 'retries')}, {seconds:.1f} s."
        )
