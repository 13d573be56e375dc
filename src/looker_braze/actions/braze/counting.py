"""How the Braze actions' run reports count, shared by every action's report (a dataclass with
``progress``, ``read``, ``not_sent``, ``requests``, ``retries``, the ``invalid`` and ``rejected``
Counters, an ``accounted`` property and the names of its row outcomes in ``ROW_OUTCOMES``)."""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

from looker_braze.hub.protocol import ActionResult


def n(count: int) -> str:
    return f"{count:,}"


def top(counter: Counter, limit: int = 3) -> str:
    return ", ".join(f"{reason}: {n(count)}" for reason, count in counter.most_common(limit))


class RowCounting:
    ROW_OUTCOMES: ClassVar[frozenset[str]] = frozenset()
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

    def rows_line(self, notes: tuple[str, ...] = (), invalid_as: str = "invalid") -> str:
        """Where the rows went: sent, then ``notes`` (the action's own buckets), duplicates,
        invalid (described as ``invalid_as``), rejected, not sent."""
        items = [f"{n(self.sent or self.would_send)} {'to send' if self.dry_run else 'sent'}"]
        items += notes
        if self.duplicates:
            items.append(f"{n(self.duplicates)} duplicate ids skipped")
        if self.invalid:
            items.append(f"{n(sum(self.invalid.values()))} {invalid_as} ({top(self.invalid)})")
        if self.rejected:
            items.append(
                f"{n(sum(self.rejected.values()))} rejected by Braze ({top(self.rejected)})"
            )
        if self.not_sent:
            items.append(f"{n(self.not_sent)} not sent because the run stopped")
        return f"Rows read: {n(self.read)}: " + "; ".join(items) + "."

    def cap_line(self) -> str | None:
        if self.row_cap is None:
            return None
        return (
            f"Stopped at this hub's row cap of {n(self.row_cap)} (LOOKER_BRAZE_MAX_ROWS): "
            "rows after it were not read."
        )

    def result(self) -> ActionResult:
        """The answer Looker shows: success, and the report's message."""
        return ActionResult(success=self.success, message=self.message())

    def reasons(self) -> Counter:
        """Why rows were refused: invalid before sending, rejected by Braze."""
        return self.invalid + self.rejected
