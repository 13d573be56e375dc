"""One request to Braze's REST API under the policy every endpoint shares.

Each endpoint's client (users/track in client.py; subscriptions, catalogs and message triggers
beside it) decides what Braze's answer means for its objects; this module only gets an answer:
    wait for the endpoint family's rate limiter -> send (never following a redirect) ->
    429        every sender pauses for Braze's retry time, then the request goes again; a retry
               time longer than a send waits stops the run
    5xx, timeout, connection error
               retried with exponential backoff and jitter, bounded by attempts and time; when
               the budget is spent the run fails (Braze is not answering)
    anything else is returned as an Answer for the endpoint's client to read.

Requests that must not happen twice (a message trigger: Braze has no idempotency key, its
errors page says it does not replay failed calls) are sent with ``repeatable=False``: then only
failures that prove Braze did not act are retried (429; 502, which Braze documents as failing
before reaching its servers; 503, capacity; a connection that never opened) and every other
failure after the request left raises OutcomeUnknown (shared/spec/braze-activation.md §0.1, §6).
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter as Tally
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import aiohttp
import orjson
from prometheus_client import Counter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from looker_braze.braze.answers import Answer
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.ratelimit import RateLimiter, braze_limit_used_up
from looker_braze.errors import FailRun, LookerBrazeError, OutcomeUnknown, RateLimited, Retry

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "looker_braze_braze_requests_total", "Requests to Braze by HTTP status.", ["status"]
)
RETRIES = Counter(
    "looker_braze_braze_retries_total", "Requests to Braze retried, by reason.", ["reason"]
)

RETRY_WARNING_SECONDS = 30.0  # retries are summed up in at most one warning this often per send
# 5xx statuses after which Braze has certainly not acted (braze-activation.md §0.1): 502 failed
# before reaching Braze's servers, 503 had no capacity. 500 and 504 may have acted.
NOT_ACTED_STATUSES = frozenset({502, 503})


@cache
def _requests_with(status: int):
    """The counter of one status (prometheus' labels() lookup costs more than the increment)."""
    return REQUESTS.labels(str(status))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8  # failures other than 429 before the run fails
    deadline_seconds: float = 300.0  # total time one batch may spend retrying
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_rate_limit_wait: float = 300.0  # a longer wait (Braze's 429, the hourly budget) stops


class RequestCounter(Protocol):
    """Where a send counts the requests it makes to Braze, each as it goes out: a batch that
    fails after a hundred retries made them all the same, so they cannot wait for its outcome."""

    def request_made(self, retry: bool) -> None: ...


class _NoCounter:
    def request_made(self, retry: bool) -> None:
        return None


class _NotSent(Retry):
    """The connection never opened: the request did not reach Braze."""


class _MayHaveActed(Retry):
    """The request left and its fate is unknown (timeout, dropped connection, 500, 504)."""


class Requester:
    """Sends requests to one Braze REST endpoint (base URL + key) under one rate limiter."""

    def __init__(
        self,
        endpoint: Endpoint,
        api_key: str,
        session: aiohttp.ClientSession,
        limiter: RateLimiter,
        policy: RetryPolicy = RetryPolicy(),
        timeout_seconds: float = 60.0,
        on_latency: Callable[[float], None] | None = None,
        counter: RequestCounter | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._session = session
        self._limiter = limiter
        self._policy = policy
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._wait = _Wait(policy)
        self._retry_warnings = _RetryWarnings()
        self._on_latency = on_latency
        self._counter = counter or _NoCounter()

    async def send(
        self, method: str, path: str, body: bytes | None = None, *, repeatable: bool = True
    ) -> Answer:
        """Braze's answer to ``method path`` (a 2xx, 3xx or 4xx other than 429), retried as the
        module docstring says; FailRun when retrying is over, OutcomeUnknown (non-repeatable
        requests) when Braze may have acted."""
        url = self.endpoint.url(path)
        try:
            return await self._once(method, url, body)  # the usual case, no retry machinery
        except Retry as first:
            if not repeatable and isinstance(first, _MayHaveActed):
                raise _unknown(first) from None
            return await self._retry(method, url, body, first, repeatable)

    async def _retry(
        self, method: str, url: str, body: bytes | None, first: Retry, repeatable: bool
    ) -> Answer:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retry),
            wait=self._wait,
            stop=_Budget(self._policy),
            before_sleep=lambda state: _note_retry(state, self._retry_warnings),
            reraise=True,
        )
        failed: Retry | None = first
        attempts = 1
        try:
            async for attempt in retrying:
                with attempt:
                    if failed is not None:  # tenacity's first attempt is the one that failed
                        error, failed = failed, None
                        raise error
                    attempts += 1
                    try:
                        return await self._once(method, url, body, retry=True)
                    except _MayHaveActed as exc:
                        if not repeatable:
                            raise _unknown(exc) from None
                        raise
        except Retry as exc:
            raise FailRun(
                f"Braze kept failing ({exc}) after {attempts} attempts; the run stopped. "
                "Send again later."
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, method: str, url: str, body: bytes | None, retry: bool = False) -> Answer:
        await self._limiter.acquire(self._policy.max_rate_limit_wait)
        self._counter.request_made(retry)  # counted once it may go: the limiter may stop it
        started = time.perf_counter()
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,  # a key must never travel on to a host nobody chose
            ) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except TimeoutError:
            raise _MayHaveActed("timeout") from None
        except aiohttp.ClientConnectorError as exc:
            raise _NotSent(f"connection error: {type(exc).__name__}") from None
        except aiohttp.ClientError as exc:
            raise _MayHaveActed(f"connection error: {type(exc).__name__}") from None
        if self._on_latency is not None and status != 429 and status < 500:
            self._on_latency(time.perf_counter() - started)  # answers Braze worked on
        _requests_with(status).inc()
        if status == 429:
            raise self._rate_limited(headers)
        if status >= 500:
            error = Retry if status in NOT_ACTED_STATUSES else _MayHaveActed
            raise error(f"HTTP {status}")
        location = headers.get("Location") if 300 <= status < 400 else None
        return Answer(status, json_object(raw), location)

    def _rate_limited(self, headers: Mapping[str, str]) -> LookerBrazeError:
        wait = retry_after_seconds(headers)
        if wait > self._policy.max_rate_limit_wait:
            return braze_limit_used_up(wait, self._policy.max_rate_limit_wait)
        self._limiter.pause(wait)
        return RateLimited("HTTP 429", retry_after=wait)


def _unknown(error: Retry) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"Braze may or may not have acted on a request ({error}): it was not sent again, "
        "because a second one could repeat it. Check in Braze before sending again."
    )


def json_object(raw: bytes) -> Mapping:
    try:
        payload = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {"message": raw[:200].decode(errors="replace")}
    return payload if isinstance(payload, dict) else {}


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float:
    """How long Braze asks us to wait, from whichever documented header it sent (any case)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    for name in ("x-ratelimit-retry-after", "retry-after"):
        seconds = _number(lowered.get(name))
        if seconds is not None:
            return max(seconds, 0.0)
    reset = _number(lowered.get("x-ratelimit-reset"))
    if reset is not None:
        if reset > 1_000_000_000:  # an epoch time, not a number of seconds
            reset -= time.time() if now is None else now
        return max(reset, 0.05)
    return 1.0


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class _Wait:
    def __init__(self, policy: RetryPolicy) -> None:
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_initial, max=policy.backoff_max, jitter=policy.backoff_initial
        )

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return error.retry_after + random.uniform(0, 0.1 + error.retry_after * 0.1)
        return self._backoff(state)


class _Budget:
    """Stop after too many failures that are not rate limits, or when time is up."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self._failures = 0

    def __call__(self, state: RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if not isinstance(error, RateLimited):
            self._failures += 1
        over_time = state.seconds_since_start >= self._policy.deadline_seconds
        return self._failures >= self._policy.max_attempts or over_time


def _note_retry(state: RetryCallState, warnings: _RetryWarnings) -> None:
    error = state.outcome.exception() if state.outcome else None
    reason = "rate_limited" if isinstance(error, RateLimited) else "error"
    RETRIES.labels(reason).inc()
    log.debug("retrying a Braze request after %s (attempt %d)", error, state.attempt_number)
    warnings.note(str(error))


class _RetryWarnings:
    """Retries leave a trace at WARNING without a line per retry (a slow send retries hundreds
    of times): the first retry of a send is told at once, later ones are summed up at most every
    RETRY_WARNING_SECONDS, with how many of each kind."""

    def __init__(self) -> None:
        self._pending: Tally[str] = Tally()
        self._total = 0
        self._told_at: float | None = None

    def note(self, reason: str) -> None:
        self._pending[reason] += 1
        self._total += 1
        now = time.monotonic()
        if self._told_at is not None and now - self._told_at < RETRY_WARNING_SECONDS:
            return
        kinds = ", ".join(f"{kind}: {n}" for kind, n in self._pending.most_common())
        log.warning(
            "Braze requests retried %d time(s) (%s); %d so far in this send",
            sum(self._pending.values()),
            kinds,
            self._total,
            extra={"event": "braze_retries", "retries": dict(self._pending)},
        )
        self._pending.clear()
        self._told_at = now
