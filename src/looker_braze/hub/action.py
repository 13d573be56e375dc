"""What an action is to the hub, and the registry the server looks actions up in.

An action knows its vendor and these interfaces, never the web server: it gets an
``ActionRequest``, a ``RowSource`` it opens when it is ready for rows, and a ``RunProgress`` it
keeps up to date so the hub can show live progress.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from looker_braze.errors import RejectRequest
from looker_braze.hub.metrics import ROWS
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    ActionResult,
    Form,
    LookerContext,
)
from looker_braze.hub.rows import RowSource
from looker_braze.state import AsyncStateStore


@dataclass
class HubServices:
    """What the hub lends its actions when it starts."""

    store: AsyncStateStore | None = None  # audiences and run history


@dataclass
class RunProgress:
    """Live counts of one execute, which the hub shows and records.

    An action either counts here (``add``, ``reject``) or keeps its own typed counters and lends
    them (``follow``): then they are the run's only counts, read whenever the hub looks.
    """

    action: str
    webhook_id: str | None
    started: float = field(default_factory=time.time)
    details: dict[str, str] = field(default_factory=dict)  # mode, label ... for the history
    run_id: int | None = None  # the run's row in the history, once begun
    recorder: Callable[[], Awaitable[int | None]] | None = field(default=None, repr=False)
    _counts: dict[str, int] = field(default_factory=dict, repr=False)
    _reasons: Counter = field(default_factory=Counter, repr=False)
    _source: CountSource | None = field(default=None, repr=False)

    def follow(self, source: CountSource) -> None:
        """Take the run's counts and rejection reasons from the action's own counters."""
        self._source = source

    @property
    def counts(self) -> dict[str, int]:
        return self._source.counts() if self._source is not None else dict(self._counts)

    @property
    def reasons(self) -> Counter:
        """Why rows were rejected, with how many each."""
        return self._source.reasons() if self._source is not None else Counter(self._reasons)

    async def begin(self, **details: str) -> int | None:
        """Say what this run is (mode, label ...): the history records it and gives a run id."""
        self.details.update(details)
        if self.recorder is not None and self.run_id is None:
            self.run_id = await self.recorder()
        return self.run_id

    def reject(self, reason: str, amount: int = 1) -> None:
        """Rows rejected for ``reason`` (counted as outcome "rejected" too)."""
        self._reasons[reason] += amount
        self.add("rejected", amount)

    def add(self, outcome: str, amount: int = 1) -> None:
        """Count rows by outcome (read, sent, duplicates ...); also exported as a metric."""
        self._counts[outcome] = self._counts.get(outcome, 0) + amount
        self.metric(outcome, amount)

    def metric(self, outcome: str, amount: int) -> None:
        """Export rows of an outcome as a metric (for actions that count on their own)."""
        ROWS.labels(self.action, outcome).inc(amount)

    def to_json(self) -> dict:
        return {
            "action": self.action,
            "webhook_id": self.webhook_id,
            "running_seconds": round(time.time() - self.started, 1),
            "counts": self.counts,
            # What the run is, not where it sends: /status needs no token.
            **{k: v for k, v in self.details.items() if k in ("mode", "label")},
        }


class CountSource(Protocol):
    """An action's own run counters, as RunProgress reads them."""

    def counts(self) -> dict[str, int]: ...

    def reasons(self) -> Counter: ...


class Action(ABC):
    name: str

    @abstractmethod
    def definition(self, looker: LookerContext) -> ActionDefinition:
        """The definition Looker shows; may depend on the Looker version."""

    async def form(self, request: ActionRequest) -> Form:
        return Form()

    async def startup(self, services: HubServices) -> None:  # noqa: B027  (optional hook)
        """Called once when the server starts (open connection pools here)."""

    async def shutdown(self) -> None:  # noqa: B027  (optional hook)
        """Called once when the server stops."""

    @abstractmethod
    async def execute(
        self, request: ActionRequest, rows: RowSource, progress: RunProgress
    ) -> ActionResult:
        """Run the action; raise FailRun for a failure the user must fix."""


class Registry:
    def __init__(self, actions: Iterable[Action]) -> None:
        self._actions = {action.name: action for action in actions}

    def __iter__(self):
        return iter(self._actions.values())

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            known = ", ".join(sorted(self._actions)) or "none"
            shown = name if len(name) <= 64 else f"{name[:64]}…"  # a path can be any length
            raise RejectRequest(
                f"No action named {shown!r} (this hub has: {known}).", status=404
            ) from None
