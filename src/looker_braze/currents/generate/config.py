"""The generator's configuration: the "truth" synthetic Currents are drawn from.

It is written verbatim to ``currents-config.json`` beside the files, so tests of the analytics can
check that they recover these rates. Every probability is per message or per user-day as
documented on its field; unknown keys are refused so a typo never silently means a default.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_RETENTION = [1.0, 0.42, 0.33, 0.29, 0.26, 0.24, 0.23, 0.22] + [
    round(0.21 - 0.003 * day, 3) for day in range(24)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmailConfig(_Strict):
    campaigns: list[str] = [f"Email Campaign {n}" for n in range(1, 9)]
    canvases: list[str] = ["Onboarding Canvas", "Winback Canvas"]
    canvas_share: float = Field(0.3, ge=0.0, le=1.0)  # P(a message comes from a canvas)
    sends_per_user_per_week: float = Field(2.0, ge=0.0)
    bounce_rate: float = Field(0.02, ge=0.0, le=1.0)  # P(hard bounce | send)
    soft_bounce_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(soft bounce | send)
    open_rate: float = Field(0.35, ge=0.0, le=1.0)  # P(>= 1 open | delivery)
    click_rate: float = Field(0.08, ge=0.0, le=1.0)  # P(>= 1 click | delivery); implies an open
    spam_rate: float = Field(0.002, ge=0.0, le=1.0)  # P(spam report | delivery)
    unsubscribe_rate: float = Field(0.004, ge=0.0, le=1.0)  # P(unsubscribe | delivery)

    @model_validator(mode="after")
    def _consistent(self) -> EmailConfig:
        if not self.campaigns and not (self.canvases and self.canvas_share > 0):
            raise ValueError("email needs at least one campaign (or canvases with canvas_share)")
        if self.bounce_rate + self.soft_bounce_rate > 1:
            raise ValueError("email bounce_rate + soft_bounce_rate must not exceed 1")
        if self.click_rate > self.open_rate:
            raise ValueError("email click_rate cannot exceed open_rate: a click implies an open")
        return self


class PushConfig(_Strict):
    campaigns: list[str] = [f"Push Campaign {n}" for n in range(1, 6)]
    sends_per_user_per_week: float = Field(1.0, ge=0.0)
    bounce_rate: float = Field(0.05, ge=0.0, le=1.0)  # P(bounce | send)
    open_rate: float = Field(0.12, ge=0.0, le=1.0)  # P(open | delivered push)

    @model_validator(mode="after")
    def _campaigns(self) -> PushConfig:
        if self.sends_per_user_per_week > 0 and not self.campaigns:
            raise ValueError("push needs at least one campaign when it sends")
        return self


class RetentionConfig(_Strict):
    # day[d] = P(user has a session on local day d after their first-session local day); day[0]=1.
    day: list[float] = DEFAULT_RETENTION
    # Days after the last entry of `day` use this probability (default: the last entry).
    tail: float | None = Field(None, ge=0.0, le=1.0)

    @field_validator("day")
    @classmethod
    def _curve(cls, day: list[float]) -> list[float]:
        if not day or day[0] != 1.0:
            raise ValueError("retention.day must start with 1.0 (everyone is active on day 0)")
        if any(not 0.0 <= p <= 1.0 for p in day):
            raise ValueError("retention.day entries are probabilities between 0 and 1")
        return day

    def probability(self, days_after: int) -> float:
        if days_after < len(self.day):
            return self.day[days_after]
        return self.day[-1] if self.tail is None else self.tail


class GeneratorConfig(_Strict):
    seed: int = 7
    users: int = Field(5000, ge=1)
    days: int = Field(28, ge=1, le=3660)
    start_date: dt.date = dt.date(2024, 1, 1)  # UTC
    timezone: str = "America/New_York"  # local days of sessions (the blocks' bucketing zone)
    email: EmailConfig = Field(default_factory=EmailConfig)
    push: PushConfig = Field(default_factory=PushConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    duplicate_rate: float = Field(0.01, ge=0.0, le=1.0)  # P(an event is delivered twice)
    late_rate: float = Field(0.02, ge=0.0, le=1.0)  # P(queued 1-48 h after its time)
    events_per_file: int = Field(15000, ge=1)  # Braze rolls files at 15,000 events
    deflate_share: float = Field(0.2, ge=0.0, le=1.0)  # share of files written deflate
    schema_v2_from_day: int = Field(14, ge=0)  # files queued from this day on use schema v2
    cluster: str = "sdk-us-03"
    integration_id: str = "5f1a2b3c4d5e6f7a8b9c0d1e"
    users_per_chunk: int = Field(50_000, ge=1)  # bounds the generator's memory

    @field_validator("timezone")
    @classmethod
    def _zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {zone!r}") from None
        return zone

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")
