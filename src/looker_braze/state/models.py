"""The values the state store takes and gives: what is known of a member, what Braze accepted,
and the run history rows. Plain frozen dataclasses: they cross threads and the asyncio wrapper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

# "interrupted": the run's process stopped (a shutdown, a crash, a lost database) before its end
# was recorded. "abandoned" is what versions before heartbeats wrote for the same thing.
RunStatus = Literal["running", "succeeded", "failed", "interrupted", "abandoned"]


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Known(NamedTuple):
    """What the store holds about one member: in the audience or not, and the hash of the last
    value Braze accepted for each attribute in this workspace. (A NamedTuple: a lookup makes
    millions of them, and a frozen dataclass costs three times as much to build.)"""

    member: bool
    hashes: dict[str, int]


@dataclass(frozen=True)
class Sent:
    """One member's part of a request Braze ACCEPTED: the attribute hashes sent, and whether the
    audience's label was added to the member."""

    member: str
    hashes: dict[str, int] = field(default_factory=dict)
    flagged: bool = False


class MembershipChange(NamedTuple):
    """One entry of the membership history: ``member`` joined (or left) an audience ``at``."""

    seq: int  # the history's order; an export resumes after the last one it wrote
    workspace: str
    attribute: str
    label: str
    member: str  # "<identifier kind>:<identifier>" (audience.member_key)
    joined: bool
    at: datetime


@dataclass(frozen=True)
class AudienceSummary:
    workspace: str
    attribute: str
    label: str
    members: int  # members now
    joins: int  # in the whole history
    leaves: int
    created_at: datetime
    last_change: datetime | None


@dataclass(frozen=True)
class RunStart:
    """The history row of a run as it starts. ``workspace`` is the endpoint and a hash of the key,
    never the key itself."""

    action: str
    mode: str
    label: str
    attribute: str
    workspace: str
    webhook_id: str | None = None
    scheduled_plan_id: str | None = None
    title: str | None = None
    started_at: datetime = field(default_factory=utc_now)


@dataclass(frozen=True)
class RunEnd:
    success: bool
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    data_points_sent: int = 0
    data_points_saved: int = 0
    rejections: dict[str, int] = field(default_factory=dict)  # reason -> rows, the top ones
    finished_at: datetime = field(default_factory=utc_now)
    interrupted: bool = False  # the hub stopped the run (shutdown) before it could finish


@dataclass(frozen=True)
class Beat:
    """A running run's heartbeat: it is alive, and these are its counts so far."""

    run_id: int
    counts: dict[str, int] = field(default_factory=dict)
    data_points_sent: int = 0
    data_points_saved: int = 0


@dataclass(frozen=True)
class RunRecord:
    """One row of the run history: the start, and the end once the run finished."""

    id: int
    status: RunStatus
    action: str
    mode: str
    label: str
    attribute: str
    workspace: str
    webhook_id: str | None
    scheduled_plan_id: str | None
    title: str | None
    started_at: datetime
    finished_at: datetime | None = None
    success: bool | None = None
    message: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    data_points_sent: int = 0
    data_points_saved: int = 0
    rejections: dict[str, int] = field(default_factory=dict)
    heartbeat_at: datetime | None = None  # last sign of life of a running run
    host: str | None = None  # the machine whose hub ran it

    def as_json(self) -> dict:
        """A JSON-ready dict (timestamps as ISO 8601 UTC) for GET /runs and the CLI."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("started_at", "finished_at", "heartbeat_at"):
            if data[name] is not None:
                data[name] = data[name].isoformat()
        return data
