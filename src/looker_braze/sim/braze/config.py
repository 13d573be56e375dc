"""Settings of one simulated Braze workspace: who may call it, how strict it is, how flaky."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from looker_braze.errors import ConfigError

DEFAULT_API_KEY = "sim-key"
TRACK_PERMISSION = "users.track"
HEADER_STYLES = ("epoch", "remaining", "retry-after")
HeaderStyle = Literal["epoch", "remaining", "retry-after"]


@dataclass(frozen=True)
class KeySpec:
    """A REST API key of the workspace: what it may do and which Braze instance issued it."""

    permissions: frozenset[str] = frozenset({TRACK_PERMISSION})
    instance: str | None = None  # None: the simulator's own instance


def _default_keys() -> dict[str, KeySpec]:
    return {DEFAULT_API_KEY: KeySpec()}


@dataclass
class SimConfig:
    """Everything the simulator is started with; `BrazeSimulator.reset()` returns to it.

    rate_limit_headers picks one of the header forms Braze documents:
      epoch        X-RateLimit-Limit/Remaining/Reset on every answer, Reset = UTC epoch seconds
      remaining    the same three, Reset = seconds until the window resets
      retry-after  the three (Reset in seconds) on answers that pass; on a 429 only
                   X-Ratelimit-Retry-After
    """

    users: int = 0
    api_keys: dict[str, KeySpec] = field(default_factory=_default_keys)
    instance: str = "US-01"
    rate_limit_requests: int | None = None
    rate_limit_seconds: float = 3.0
    rate_limit_headers: HeaderStyle = "epoch"
    lowercase_headers: bool = False
    array_cap: int = 500
    max_objects: int = 75
    max_bytes: int = 4_000_000
    error_rate: float = 0.0
    latency_ms: tuple[float, float] = (0.0, 0.0)
    drop_rate: float = 0.0
    seed: int = 0
    blocklisted_external_ids: frozenset[str] = frozenset()  # refused per object, as Braze does

    def __post_init__(self) -> None:
        self.latency_ms = tuple(self.latency_ms)  # type: ignore[assignment]
        problems = config_problems(self)
        if problems:
            raise ConfigError(problems)


def config_problems(config: SimConfig) -> list[str]:
    """Every problem of ``config`` at once, each saying what to change."""
    problems = []
    if config.users < 0:
        problems.append(f"users must be 0 or more, not {config.users}")
    if not config.api_keys:
        problems.append("give at least one API key")
    if not all(isinstance(spec, KeySpec) for spec in config.api_keys.values()):
        problems.append("api_keys maps each key to a KeySpec(permissions=..., instance=...)")
    if not config.instance:
        problems.append("instance must name a Braze instance, e.g. US-01")
    problems += limit_problems(
        config.rate_limit_requests, config.rate_limit_seconds, config.rate_limit_headers
    )
    problems += fault_problems(config.error_rate, config.latency_ms, config.drop_rate)
    for name in ("array_cap", "max_objects", "max_bytes"):
        if getattr(config, name) < 1:
            problems.append(f"{name} must be 1 or more, not {getattr(config, name)}")
    return problems


def limit_problems(requests: int | None, seconds: float, style: str) -> list[str]:
    problems = []
    if requests is not None and requests < 1:
        problems.append(f"the rate limit must allow 1 request or more, not {requests}")
    if not seconds > 0:
        problems.append(f"the rate limit window must be longer than 0 s, not {seconds}")
    if style not in HEADER_STYLES:
        problems.append(
            f"rate limit headers must be one of {', '.join(HEADER_STYLES)}, not {style!r}"
        )
    return problems


def fault_problems(error_rate: float, latency_ms: tuple[float, ...], drop_rate: float) -> list[str]:
    problems = []
    for name, share in (("error rate", error_rate), ("drop rate", drop_rate)):
        if not 0 <= share <= 1:
            problems.append(f"the {name} is a share between 0 and 1, not {share}")
    if len(latency_ms) != 2 or not 0 <= latency_ms[0] <= latency_ms[1]:
        problems.append(
            f"latency is two milliseconds MIN,MAX with 0 <= MIN <= MAX, not {latency_ms}"
        )
    return problems
