"""How the Braze actions' run reports count, shared by every action's report.

A report is a RowCounts dataclass with the fields ``progress`` and ``dry_run`` and its own, a
``success`` property and a ``message()``; its class attributes name its row outcomes
(ROW_OUTCOMES: exported as metrics, and with the Counters of REASONS the buckets every row read
ends in) and every counter (COUNTERS, in the order the history shows them). The report's fields
are the run's only counters: the hub's live view and the run history read them through
``counts()``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from looker_braze.errors import RejectRow
from looker_braze.hub.protocol import ActionResult

T = TypeVar("T")


def n(count: int) -> str:
    return f"{count:,}"


def of(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def top(counter: Counter, limit: int = 3) -> str:
    return ", ".join(f"{reason}: {n(count)}" for reason, count in counter.most_common(limit))


class RowCounting:
    ROW_OUTCOMES: ClassVar[frozenset[str]] = frozenset()
    COUNTERS: ClassVar[tuple[str, ...]] = ()
    # Why rows were refused: invalid rows, and (where Braze refuses objects one by one) Braze's
    # rejections.
    REASONS: ClassVar[tuple[str, ...]] = ("invalid", "rejected")
    TAGS_HINT: ClassVar[str] = ""  # the tags to write instead of ignored malformed ones
    UNCONFIRMED: ClassVar[str] = ""  # what becomes of objects a 2xx did not confirm
    progress: Any
    invalid: Counter
    rejected: Counter

    def __post_init__(self) -> None:
        self.progress.follow(self)  # the report's counters are the run's only counts

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

    @property
    def accounted(self) -> int:
        """Rows in a bucket: every row outcome but ``read``, and every refusal."""
        outcomes = sum(getattr(self, name) for name in self.ROW_OUTCOMES if name != "read")
        return outcomes + sum(self.reasons().values())

    def count_unaccounted(self) -> None:
        """Rows read that the run stopped before sending: not sent."""
        self.count("not_sent", self.read - self.accounted)

    def counts(self) -> dict[str, int]:
        """The run's counters that are not zero (a Counter counts as its total)."""
        counts = {}
        for name in (*self.COUNTERS, *self.REASONS):
            value = getattr(self, name)
            counts[name] = sum(value.values()) if isinstance(value, Counter) else value
        return {name: value for name, value in counts.items() if value}

    def reasons(self) -> Counter:
        """Why rows were refused: invalid rows and Braze's rejections."""
        return sum((getattr(self, name) for name in self.REASONS), Counter())

    def result(self) -> ActionResult:
        """The answer Looker shows: success, and the report's message."""
        return ActionResult(success=self.success, message=self.message())

    # ------------------------------------------------------------ the answer's shared lines

    def rows_line(self, *outcomes: tuple[int, str], stopped: str = "the run stopped") -> str:
        """Where the rows went: sent (or to send), each of ``outcomes`` (count, what) that is not
        zero, then Braze's rejections and the rows not sent because ``stopped``."""
        sent = f"{n(self.sent or self.would_send)} {'to send' if self.dry_run else 'sent'}"
        if "rejected" in self.REASONS:
            rejected = sum(self.rejected.values())
            outcomes += ((rejected, f"rejected by Braze ({top(self.rejected)})"),)
        outcomes += ((self.not_sent, f"not sent because {stopped}"),)
        items = [sent, *(f"{n(count)} {what}" for count, what in outcomes if count)]
        return f"Rows read: {n(self.read)}: " + "; ".join(items) + "."

    def invalid_outcome(self, what: str = "invalid", reasons: int = 3) -> tuple[int, str]:
        """The invalid rows as a (count, what) outcome of rows_line, with their ``reasons`` most
        common reasons."""
        return sum(self.invalid.values()), f"{what} ({top(self.invalid, reasons)})"

    def failed_line(self, noun: str) -> str:
        """The headline of a run that failed after some rows were read."""
        return f"Failed: {self.failure} Before that, Braze accepted {of(self.sent, noun)}."

    def tags_line(self) -> str | None:
        if not self.ignored_tags:
            return None
        return f"Ignored malformed tags ({'; '.join(self.ignored_tags[:5])}): use {self.TAGS_HINT}."

    def braze_line(self) -> str | None:
        """What Braze's answers said beyond success (``braze``: braze.client.SendNotes)."""
        notes, said = self.braze, []
        if notes.queued:
            said.append(
                f"it queued {n(notes.queued)} during maintenance (202) and processes them "
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

    def cut_line(self, missed: str) -> str | None:
        """When Looker may have cut the result short (a ``cut`` field: hub.result.PossibleCut),
        why, what was ``missed`` beyond it, and how to send it whole."""
        if self.cut is None:
            return None
        return (
            f"Looker may have sent only part of the Look: {self.cut.reason}, so {missed}. "
            f"{self.cut.remedy}"
        )

    def cap_line(self) -> str | None:
        if self.row_cap is None:
            return None
        return (
            f"Stopped at this hub's row cap of {n(self.row_cap)} (LOOKER_BRAZE_MAX_ROWS): "
            "rows after it were not read."
        )


@dataclass(kw_only=True)
class RowCounts(RowCounting):
    """The fields every report has (keyword-only, so each report's own fields come first)."""

    started: float = field(default_factory=time.monotonic)
    read: int = 0
    sent: int = 0
    would_send: int = 0
    duplicates: int = 0
    invalid: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    not_sent: int = 0
    requests: int = 0
    retries: int = 0
    ignored_tags: tuple[str, ...] = ()
    row_cap: int | None = None
    failure: str | None = None
