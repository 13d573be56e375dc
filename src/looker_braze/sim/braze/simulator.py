"""BrazeSimulator: one simulated Braze workspace, without HTTP.

It owns the workspace data, the API keys, the request quota, the fault settings and the stats,
and answers a parsed ``/users/track`` payload with Braze's status and body. The ASGI layer
(endpoint.py) only moves bytes; tests may call these methods directly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from looker_braze.errors import ConfigError, RejectRow
from looker_braze.sim.braze.catalogs import Catalogs
from looker_braze.sim.braze.config import TRACK_PERMISSION, SimConfig, live_problems
from looker_braze.sim.braze.contracts import Terms, terms
from looker_braze.sim.braze.events import read_event, read_purchase
from looker_braze.sim.braze.faults import FaultInjector, FaultSettings
from looker_braze.sim.braze.limits import FixedWindowLimiter, limit_headers
from looker_braze.sim.braze.messaging import Messaging
from looker_braze.sim.braze.objects import plan_attributes
from looker_braze.sim.braze.stats import Stats
from looker_braze.sim.braze.subscriptions import SubscriptionStore, subscription_limiter
from looker_braze.sim.braze.workspace import Workspace

VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."
MAX_INPUT = "Max Input Length Exceeded"
QUEUED = "queued"
INPUT_ARRAYS = ("attributes", "events", "purchases")
FREEZE_EVERY = 50_000  # objects applied between two settlings of the heap (see _settle_heap)
PROPERTIES_BYTES = "event_properties_max_bytes"
PROFILE_KINDS = ("external_id", "braze_id", "email", "phone", "user_alias")
# Braze's texts (shared/spec/braze-users-track.md "Real-world behaviours"; the API errors page,
# braze-inc/braze-docs _docs/_api/errors.md: 401 Invalid API key, 403 Access Denied vs "Rate plan
# doesn't support or account is otherwise inactivated", 404 "Unknown REST API Key").
INVALID_KEY = "Invalid API Key"
UNKNOWN_KEY = "Unknown REST API Key"
ACCESS_DENIED = "Access Denied"
FORBIDDEN = {
    "rate_plan": "Forbidden: rate plan doesn't support this API",
    "inactive": "Forbidden: account is otherwise inactivated",
}

Answer = tuple[int, dict]


class FaultUpdate(BaseModel):
    """A change of live settings (PUT /sim/faults); absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")
    error_rate: float | None = None
    latency_ms: tuple[float, float] | None = None
    drop_rate: float | None = None
    rate_limit_requests: int | None = None  # null: no limit
    rate_limit_seconds: float | None = None
    rate_limit_headers: Literal["epoch", "remaining", "retry-after"] | None = None
    contract: str | None = None
    max_objects: int | None = None  # null: the contract's
    hourly_limit_requests: int | None = None  # null: the contract's
    hourly_limit_seconds: float | None = None
    queued_rate: float | None = None
    lost_answer_rate: float | None = None
    unknown_key_status: int | None = None
    account_state: str | None = None
    redirect_rate: float | None = None
    redirect_status: int | None = None
    redirect_to: str | None = None
    success_message: str | None = None
    max_subscription_groups: int | None = None  # null: no cap
    subscription_rate_limit_requests: int | None = None  # null: no limit
    subscription_rate_limit_seconds: float | None = None
    event_properties_max_bytes: int = 100_000
    catalog_items_limit: int | None = None
    catalog_management_limit: int | None = None
    catalog_limit_seconds: float | None = None
    catalog_not_found_status: int | None = None


class BrazeSimulator:
    """The in-memory workspace behind the simulated ``/users/track``."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Back to the state the simulator started in: seeded users only, no data, zero stats,
        the configured faults, quota, contract and answers."""
        config = self.config
        self.workspace = Workspace(config.array_cap)
        self.workspace.identities.seed(config.users)
        self.subscriptions = SubscriptionStore(
            self.workspace.identities, config.subscription_groups
        )
        self.counters = Stats()
        self._since_freeze = 0
        self.faults = FaultInjector(FaultSettings(), config.seed)
        self.messaging = Messaging(seed=config.seed)  # API-triggered campaigns and Canvases
        self.catalogs = Catalogs()
        self._apply(config.live())

    # -- the endpoint's steps ------------------------------------------------------------------

    def authorize(self, key: str | None, permission: str = TRACK_PERMISSION) -> Answer | None:
        """None when ``key`` may call an endpoint needing ``permission``, else the 401/403/404
        answer. Never echoes keys. A key of another instance is unknown here, as on Braze."""
        if not key:
            return 401, {"message": INVALID_KEY}
        spec = self.config.api_keys.get(key)
        if spec is None or (spec.instance or self.config.instance) != self.config.instance:
            # "Unknown REST API Key (if provided)": only a key that was given can be unknown.
            if self._live["unknown_key_status"] == 404:
                return 404, {"message": UNKNOWN_KEY}
            return 401, {"message": INVALID_KEY}
        account = self._live["account_state"]
        if account in FORBIDDEN:
            return 403, {"message": FORBIDDEN[account]}
        if permission not in spec.permissions:
            return 403, {"message": ACCESS_DENIED}
        return None

    def admit(self) -> tuple[bool, list[tuple[bytes, bytes]]]:
        """Whether one more request fits the quota (burst and hourly), and the rate limit
        headers to send: the window that refused, else the burst window's."""
        hourly = self._hourly
        if hourly is not None:
            decision = hourly.take(count=False)
            if not decision.allowed:
                self.counters.rate_limited_requests += 1
                self.counters.hourly_limited_requests += 1
                return False, self._headers(decision)
        allowed, headers = True, []
        if self._limiter is not None:
            decision = self._limiter.take()
            if not decision.allowed:
                self.counters.rate_limited_requests += 1
            allowed, headers = decision.allowed, self._headers(decision)
        if allowed and hourly is not None:
            hourly.take()
        return allowed, headers

    def _headers(self, decision) -> list[tuple[bytes, bytes]]:
        return limit_headers(decision, self.limit_style, self.config.lowercase_headers)

    def track(self, payload: dict, queued: bool = False) -> Answer:
        """Braze's answer to a parsed, authorised /users/track body. ``queued``: Braze is in
        maintenance and answers 202 "queued"; the data is applied all the same."""
        arrays = []
        for name in INPUT_ARRAYS:
            items = payload.get(name)
            if items is None:
                continue
            if type(items) is not list:
                problem = {"type": f"'{name}' must be an array of objects", "input_array": name}
                return 400, {"message": VALID_DATA, "errors": [problem]}
            arrays.append((name, items))
        counts = [len(items) for _, items in arrays]
        total = sum(counts)
        self._count_received(total)
        if self.terms.too_many(counts):
            return 400, {"message": MAX_INPUT}
        if not total:
            return 400, {"message": VALID_DATA}
        status, answer = self._process(arrays)
        self._settle_heap(total)
        if queued:
            self.counters.queued_answers += 1
            return 202, {"message": QUEUED}
        return status, answer

    def _settle_heap(self, objects: int) -> None:
        """Every FREEZE_EVERY objects, collect what is garbage and freeze the rest.

        Why: the workspace keeps a value per user and attribute, millions of long-lived objects,
        and each full pass of Python's cycle collector walks them all, stalling the event loop
        for a good part of a second. A stalled simulator counts the requests that waited as if
        they all arrived at once after it, which real Braze does not do: the latency benchmark
        saw 429s at 100 and 200 ms that went away with the collector off. Frozen objects are
        left out of every later pass; the collection before freezing walks only what came since
        the last freeze, so it is short, and no garbage is frozen."""
        self._since_freeze += objects
        if self._since_freeze >= FREEZE_EVERY:
            self._since_freeze = 0
            gc.collect()
            gc.freeze()

    def _count_received(self, total: int) -> None:
        counters = self.counters
        counters.objects_received += total
        counters.max_objects_in_request = max(counters.max_objects_in_request, total)

    def _process(self, arrays: list[tuple[str, list]]) -> Answer:
        answer: dict[str, Any] = {"message": self._live["success_message"]}
        errors: list[dict] = []
        processed = 0
        for name, items in arrays:
            if items:
                done = _PROCESSORS[name](self, items, errors)
                answer[f"{name}_processed"] = done
                processed += done
        if not errors:
            return 201, answer
        if not processed:
            return 400, {"message": VALID_DATA, "errors": errors}
        answer["errors"] = errors
        return 201, answer

    def _attributes(self, items: list, errors: list[dict]) -> int:
        counters, apply = self.counters, self.workspace.apply_attributes
        processed = points = 0
        for index, obj in enumerate(items):
            try:
                plan = plan_attributes(obj, self.config.blocklisted_external_ids)
            except RejectRow as rejected:
                self._reject(errors, "attributes", index, rejected.reason)
                continue
            processed += 1
            dropped = apply(plan)
            if dropped is None:
                counters.not_found += 1
                continue
            points += plan.data_points
            for problem in dropped:
                counters.dropped_values[problem] += 1
        counters.objects_processed += processed
        counters.attributes_processed += processed
        counters.data_points += points
        return processed

    def _events(self, items: list, errors: list[dict]) -> int:
        done = self._occurrences("events", read_event, items, errors)
        self.counters.events_processed += done
        return done

    def _purchases(self, items: list, errors: list[dict]) -> int:
        done = self._occurrences("purchases", read_purchase, items, errors)
        self.counters.purchases_processed += done
        return done

    def _occurrences(self, name, read, items: list, errors: list[dict]) -> int:
        """Events or purchases, each stored as received (never deduplicated): one data point
        each, plus one per purchase property (billable, braze-activation.md §1.8)."""
        processed = applied = points = 0
        blocklist, max_bytes = self.config.blocklisted_external_ids, self._live[PROPERTIES_BYTES]
        for index, obj in enumerate(items):
            try:
                occurrence = read(obj, blocklist, max_bytes)
            except RejectRow as rejected:
                self._reject(errors, name, index, rejected.reason)
                continue
            processed += 1
            if self.workspace.apply_event(occurrence, name):
                applied += 1
                points += 1 + (len(occurrence.record["properties"]) if name == "purchases" else 0)
        self.counters.objects_processed += processed
        self.counters.not_found += processed - applied
        self.counters.data_points += points
        return processed

    def _reject(self, errors: list[dict], name: str, index: int, reason: str) -> None:
        errors.append({"type": reason, "input_array": name, "index": index})
        self.counters.objects_rejected += 1
        self.counters.rejections[reason] += 1

    # -- inspection ----------------------------------------------------------------------------

    def profile(self, kind: str, value: Any) -> dict | None:
        """The profile found by one identifier (user_alias: a (name, label) pair), or None."""
        if kind not in PROFILE_KINDS:
            raise ValueError(f"kind must be one of {', '.join(PROFILE_KINDS)}, not {kind!r}")
        uid = self.workspace.identities.find(kind, tuple(value) if kind == "user_alias" else value)
        return None if uid is None else self.workspace.profile(uid)

    def segment_count(self, attribute: str, value: Any) -> int:
        """Profiles whose array ``attribute`` includes ``value`` (Braze's "includes value")."""
        return self.workspace.segment_count(attribute, value)

    def segment_members(self, attribute: str, value: Any) -> Iterator[str]:
        """Those profiles' external ids (braze ids for profiles without one)."""
        return self.workspace.segment_members(attribute, value)

    def occurrences(self, array: str, kind: str, value: Any) -> list[dict] | None:
        """Every event (``array`` "events") or purchase of the user one identifier finds, in the
        order received; None when no user has that identifier."""
        uid = self.workspace.identities.find(kind, tuple(value) if kind == "user_alias" else value)
        return None if uid is None else self.workspace.occurrences.of(array, uid)

    def stats(self) -> dict:
        return self.counters.snapshot(self.workspace.identities.count())

    def seed_users(self, count: int) -> range:
        """Add ``count`` more population users (the next numbers); their numbers."""
        if count < 0:
            raise ValueError(f"count must be 0 or more, not {count}")
        return self.workspace.identities.seed(count)

    # -- live settings: faults, quota, contract, answers ---------------------------------------

    def set_faults(self, **changes: Any) -> dict:
        """Change live settings (names as in FaultUpdate); the settings now in force. Raises
        ConfigError listing every problem, and then changes nothing."""
        try:
            update = FaultUpdate(**changes)
        except ValidationError as exc:
            raise ConfigError([_pydantic_problem(error) for error in exc.errors()]) from None
        merged = {**self._live, **update.model_dump(exclude_unset=True)}
        merged["latency_ms"] = tuple(merged["latency_ms"])
        problems = live_problems(merged)
        if problems:
            raise ConfigError(problems)
        self._apply(merged)
        return self.fault_settings()

    def fault_settings(self) -> dict:
        settings = dict(self._live)
        settings["latency_ms"] = list(settings["latency_ms"])
        return settings

    def _apply(self, live: dict[str, Any]) -> None:
        self._live = dict(live)
        self.faults.settings = FaultSettings(
            live["error_rate"],
            tuple(live["latency_ms"]),
            live["drop_rate"],
            live["redirect_rate"],
            live["queued_rate"],
            live["lost_answer_rate"],
        )
        requests, seconds = live["rate_limit_requests"], live["rate_limit_seconds"]
        self._limiter = FixedWindowLimiter(requests, seconds) if requests else None
        self.limit_style = live["rate_limit_headers"]
        self.terms: Terms = terms(
            live["contract"],
            live["max_objects"],
            live["hourly_limit_requests"],
            live["hourly_limit_seconds"],
        )
        hourly = self.terms.hourly_requests
        self._hourly = FixedWindowLimiter(hourly, self.terms.hourly_seconds) if hourly else None
        self.subscription_limiter = subscription_limiter(live)
        self.catalogs.configure(live)

    @property
    def redirect(self) -> tuple[int, str]:
        """The status and Location of a redirect answer."""
        return self._live["redirect_status"], self._live["redirect_to"]


_PROCESSORS = {
    "attributes": BrazeSimulator._attributes,
    "events": BrazeSimulator._events,
    "purchases": BrazeSimulator._purchases,
}


def _pydantic_problem(error: dict) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"
