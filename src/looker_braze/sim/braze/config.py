"""Settings of one simulated Braze workspace: who may call it, how strict it is, how flaky.

Most settings can also change while the simulator runs (``PUT /sim/faults``, ``set_faults``): the
LIVE ones. ``live_problems`` checks them, the same way at start and at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from looker_braze.braze.catalog_rules import PERMISSIONS as CATALOG_ENDPOINT_PERMISSIONS
from looker_braze.errors import ConfigError
from looker_braze.sim.braze.contracts import CONTRACTS, HOUR, ContractName

DEFAULT_API_KEY = "sim-key"
TRACK_PERMISSION = "users.track"
# Subscription groups (shared/spec/braze-activation.md §2.1, §2.4): setting states, reading them.
SUBSCRIPTION_SET_PERMISSION = "subscription.status.set"
SUBSCRIPTION_GET_PERMISSION = "subscription.status.get"
# Two groups every simulated workspace has (id -> channel), for demos and `send` by hand.
DEMO_SUBSCRIPTION_GROUPS = {
    "00000000-0000-4000-8000-00000000e4a1": "email",
    "00000000-0000-4000-8000-0000000005a5": "sms",
}
SUBSCRIPTION_CHANNELS = ("email", "sms")
TRIGGER_PERMISSIONS = frozenset({"campaigns.trigger.send", "canvas.trigger.send"})
SUBSCRIPTION_PERMISSIONS = frozenset({SUBSCRIPTION_SET_PERMISSION, SUBSCRIPTION_GET_PERMISSION})
# What the default key, and keys given to `braze-sim --api-key`, may do.
CATALOG_PERMISSIONS = frozenset(CATALOG_ENDPOINT_PERMISSIONS.values())
FULL_PERMISSIONS = (
    frozenset({TRACK_PERMISSION})
    | TRIGGER_PERMISSIONS
    | CATALOG_PERMISSIONS
    | SUBSCRIPTION_PERMISSIONS
)
HEADER_STYLES = ("epoch", "remaining", "retry-after")
HeaderStyle = Literal["epoch", "remaining", "retry-after"]
ACCOUNT_STATES = ("active", "rate_plan", "inactive")
AccountState = Literal["active", "rate_plan", "inactive"]
UNKNOWN_KEY_STATUSES = (401, 404)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class KeySpec:
    """A REST API key of the workspace: what it may do and which Braze instance issued it."""

    permissions: frozenset[str] = frozenset({TRACK_PERMISSION})
    instance: str | None = None  # None: the simulator's own instance


def _default_keys() -> dict[str, KeySpec]:
    # The default key may also trigger messages, write catalogs and set subscription states
    # (KeySpec(): users.track).
    return {DEFAULT_API_KEY: KeySpec(FULL_PERMISSIONS)}


@dataclass
class SimConfig:
    """Everything the simulator is started with; `BrazeSimulator.reset()` returns to it.

    rate_limit_headers picks one of the header forms Braze documents:
      epoch        X-RateLimit-Limit/Remaining/Reset on every answer, Reset = UTC epoch seconds
      remaining    the same three, Reset = seconds until the window resets
      retry-after  the three (Reset in seconds) on answers that pass; on a 429 only
                   X-Ratelimit-Retry-After
    contract: "default" (75 objects per request combined), "legacy" (75 per array) or "mau" (50
    combined, and an hourly request limit); ``max_objects`` and ``hourly_limit_requests`` override
    the contract's figures (contracts.py).
    Braze's answers beyond the usual ones:
      queued_rate         share of requests answered 202 {"message": "queued"} (maintenance),
                          their data applied all the same
      unknown_key_status  401 ("Invalid API Key"), or 404 as Braze's users/track page documents
                          for an unknown key
      account_state       active; rate_plan or inactive answer 403 with Braze's texts
      redirect_rate       share of requests answered ``redirect_status`` to ``redirect_to``
      success_message     the ``message`` of 2xx answers ("success"; anything else to show a
                          client that a 2xx is not always a success)
    Subscription groups (subscriptions.py): ``subscription_groups`` maps each group id the
    workspace has to its channel (email or sms); ``max_subscription_groups`` is how many entries
    one /v2/subscription/status/set request may hold (UNCONFIRMED: Braze documents no cap; None
    for none); ``subscription_rate_limit_*`` the requests a window of v1 and v2 together (Braze:
    5,000 a minute; None: no limit).
    """

    users: int = 0
    api_keys: dict[str, KeySpec] = field(default_factory=_default_keys)
    instance: str = "US-01"
    rate_limit_requests: int | None = None
    rate_limit_seconds: float = 3.0
    rate_limit_headers: HeaderStyle = "epoch"
    lowercase_headers: bool = False
    array_cap: int = 500
    contract: ContractName = "default"
    max_objects: int | None = None
    hourly_limit_requests: int | None = None
    hourly_limit_seconds: float = HOUR
    max_bytes: int = 4_000_000
    error_rate: float = 0.0
    latency_ms: tuple[float, float] = (0.0, 0.0)
    drop_rate: float = 0.0
    queued_rate: float = 0.0
    lost_answer_rate: float = 0.0  # share of requests applied whose answer is then lost
    unknown_key_status: int = 401
    account_state: AccountState = "active"
    redirect_rate: float = 0.0
    redirect_status: int = 307
    redirect_to: str = "http://127.0.0.1:9/users/track"
    success_message: str = "success"
    # Properties holding an object or array may total this many bytes: 100 KB on Braze's newer
    # event-object page, 50 KB on the older one and the purchase page (braze-activation.md §1.3).
    event_properties_max_bytes: int = 100_000
    # Catalogs (catalogs.py): the item endpoints' and catalog management's shared limits per
    # window, and the status of catalog-not-found (UNCONFIRMED: 404 or 400).
    catalog_items_limit: int = 16_000
    catalog_management_limit: int = 50
    catalog_limit_seconds: float = 60.0
    catalog_not_found_status: int = 404
    seed: int = 0
    blocklisted_external_ids: frozenset[str] = frozenset()  # refused per object, as Braze does
    subscription_groups: dict[str, str] = field(
        default_factory=lambda: dict(DEMO_SUBSCRIPTION_GROUPS)
    )
    max_subscription_groups: int | None = 25
    subscription_rate_limit_requests: int | None = None
    subscription_rate_limit_seconds: float = 60.0

    def __post_init__(self) -> None:
        self.latency_ms = tuple(self.latency_ms)  # type: ignore[assignment]
        problems = config_problems(self)
        if problems:
            raise ConfigError(problems)

    def live(self) -> dict[str, Any]:
        """The settings that can also change at run time, as they are at start."""
        return {name: getattr(self, name) for name in LIVE}


LIVE = (
    "error_rate",
    "latency_ms",
    "drop_rate",
    "rate_limit_requests",
    "rate_limit_seconds",
    "rate_limit_headers",
    "contract",
    "max_objects",
    "hourly_limit_requests",
    "hourly_limit_seconds",
    "queued_rate",
    "lost_answer_rate",
    "unknown_key_status",
    "account_state",
    "redirect_rate",
    "redirect_status",
    "redirect_to",
    "success_message",
    "max_subscription_groups",
    "subscription_rate_limit_requests",
    "subscription_rate_limit_seconds",
    "event_properties_max_bytes",
    "catalog_items_limit",
    "catalog_management_limit",
    "catalog_limit_seconds",
    "catalog_not_found_status",
)


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
    for name in ("array_cap", "max_bytes"):
        if getattr(config, name) < 1:
            problems.append(f"{name} must be 1 or more, not {getattr(config, name)}")
    for group, channel in config.subscription_groups.items():
        if channel not in SUBSCRIPTION_CHANNELS:
            problems.append(f"subscription group {group}: channel is email or sms, not {channel!r}")
    return problems + live_problems(config.live())


def live_problems(settings: dict[str, Any]) -> list[str]:
    """Every problem of the LIVE settings (all of them present in ``settings``)."""
    return (
        limit_problems(
            settings["rate_limit_requests"],
            settings["rate_limit_seconds"],
            settings["rate_limit_headers"],
        )
        + fault_problems(settings["error_rate"], settings["latency_ms"], settings["drop_rate"])
        + contract_problems(settings)
        + answer_problems(settings)
        + subscription_problems(settings)
        + catalog_problems(settings)
    )


def subscription_problems(settings: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("max_subscription_groups", "subscription_rate_limit_requests"):
        value = settings[name]
        if value is not None and value < 1:
            problems.append(f"{name} must be 1 or more (or unset), not {value}")
    if not settings["subscription_rate_limit_seconds"] > 0:
        problems.append("subscription_rate_limit_seconds must be more than 0")
    return problems


def catalog_problems(settings: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("catalog_items_limit", "catalog_management_limit"):
        problems += limit_problems(settings[name], settings["catalog_limit_seconds"], "epoch")
    if settings["catalog_not_found_status"] not in (400, 404):
        problems.append(
            f"catalog_not_found_status is 400 or 404, not {settings['catalog_not_found_status']}"
        )
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
    latency_ms = tuple(latency_ms)
    if len(latency_ms) != 2 or not 0 <= latency_ms[0] <= latency_ms[1]:
        problems.append(
            f"latency is two milliseconds MIN,MAX with 0 <= MIN <= MAX, not {latency_ms}"
        )
    return problems


def contract_problems(settings: dict[str, Any]) -> list[str]:
    problems = []
    if settings["contract"] not in CONTRACTS:
        problems.append(f"contract is one of {', '.join(CONTRACTS)}, not {settings['contract']!r}")
    for name in ("max_objects", "hourly_limit_requests"):
        value = settings[name]
        if value is not None and value < 1:
            problems.append(f"{name} must be 1 or more (or unset), not {value}")
    hour = settings["hourly_limit_seconds"]
    if not hour > 0:
        problems.append(f"hourly_limit_seconds must be more than 0, not {hour}")
    return problems


def answer_problems(settings: dict[str, Any]) -> list[str]:
    problems = []
    for name in ("queued_rate", "redirect_rate", "lost_answer_rate"):
        if not 0 <= settings[name] <= 1:
            problems.append(f"{name} is a share between 0 and 1, not {settings[name]}")
    if settings["unknown_key_status"] not in UNKNOWN_KEY_STATUSES:
        problems.append(f"unknown_key_status is 401 or 404, not {settings['unknown_key_status']}")
    state = settings["account_state"]
    if state not in ACCOUNT_STATES:
        problems.append(f"account_state is one of {', '.join(ACCOUNT_STATES)}, not {state!r}")
    if settings["redirect_status"] not in REDIRECT_STATUSES:
        problems.append(
            f"redirect_status is one of {', '.join(map(str, REDIRECT_STATUSES))}, "
            f"not {settings['redirect_status']}"
        )
    target = settings["redirect_to"]
    parts = urlsplit(str(target))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"redirect_to must be an absolute http(s) URL, not {target!r}")
    if not isinstance(settings["success_message"], str):
        problems.append("success_message must be text")
    if settings["event_properties_max_bytes"] < 1:
        problems.append("event_properties_max_bytes must be 1 or more")
    return problems
