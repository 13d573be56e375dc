"""POST /users/track with Braze's documented behaviour handled, one batch at a time.

Per batch: wait for the rate limiter; send; then by Braze's answer
    201/200            accepted; each entry of ``errors`` rejects one object (by index)
    400 + errors       the listed objects are rejected; unlisted ones are sent again once
    413                split the batch in two and send both halves
    429                every sender pauses for Braze's retry time, then the batch is retried
    5xx, timeout,      retried with exponential backoff and jitter, bounded by attempts and
    connection error   time; when the budget is spent the run fails (Braze is not answering)
    401, 403           BrazeAuthFailed at once: no retry can fix a key
The Dispatcher keeps a bounded number of batches in flight and reports each outcome.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cache

import aiohttp
import orjson
from prometheus_client import Counter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from looker_braze.braze.batch import Batch
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.ratelimit import RateLimiter
from looker_braze.errors import BrazeAuthFailed, FailRun, LookerBrazeError, RateLimited, Retry

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "looker_braze_braze_requests_total", "Requests to Braze by HTTP status.", ["status"]
)
RETRIES = Counter(
    "looker_braze_braze_retries_total", "Requests to Braze retried, by reason.", ["reason"]
)

ALL_INVALID = "Valid data must be provided"


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
    max_rate_limit_wait: float = 300.0


@dataclass
class BatchOutcome:
    accepted: list[Hashable] = field(default_factory=list)
    rejected: list[tuple[Hashable, str]] = field(default_factory=list)
    retries: int = 0
    requests: int = 0

    def merge(self, other: BatchOutcome) -> None:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.retries += other.retries
        self.requests += other.requests


@dataclass(frozen=True)
class _Answer:
    status: int
    payload: Mapping


class UsersTrackClient:
    def __init__(
        self,
        endpoint: Endpoint,
        api_key: str,
        session: aiohttp.ClientSession,
        limiter: RateLimiter,
        policy: RetryPolicy = RetryPolicy(),
        timeout_seconds: float = 60.0,
    ) -> None:
        self._url = endpoint.users_track_url
        self._endpoint = endpoint
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._session = session
        self._limiter = limiter
        self._policy = policy
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._wait = _Wait(policy)

    async def send(self, batch: Batch) -> BatchOutcome:
        outcome = BatchOutcome()
        answer = await self._post_with_retries(batch.body(), outcome)
        if answer.status == 413:
            await self._send_halves(batch, outcome)
        elif answer.status in (200, 201):
            _apply_errors(batch, answer.payload, outcome)
        elif answer.status == 400:
            await self._handle_400(batch, answer.payload, outcome)
        else:
            raise self._fatal(answer)
        return outcome

    async def _send_halves(self, batch: Batch, outcome: BatchOutcome) -> None:
        if len(batch) == 1:
            outcome.rejected.append((batch.tags[0], "user object too large for Braze (413)"))
            return
        for half in batch.halves():
            outcome.merge(await self.send(half))

    async def _handle_400(self, batch: Batch, payload: Mapping, outcome: BatchOutcome) -> None:
        listed = _error_indices(payload, len(batch))
        message = str(payload.get("message") or "HTTP 400")
        if not listed:
            if "max input length" in message.lower() and len(batch) > 1:
                await self._send_halves(batch, outcome)  # an account with smaller limits
                return
            outcome.rejected += [(tag, message) for tag in batch.tags]
            return
        outcome.rejected += [(batch.tags[i], reason) for i, reason in listed.items()]
        unlisted = [i for i in range(len(batch)) if i not in listed]
        if unlisted and ALL_INVALID not in message:
            outcome.merge(await self.send(batch.subset(unlisted)))
        else:
            outcome.rejected += [(batch.tags[i], message) for i in unlisted]

    def _fatal(self, answer: _Answer) -> LookerBrazeError:
        where = f"{self._endpoint.base_url} ({self._endpoint.instance})"
        if answer.status == 401:
            return BrazeAuthFailed(
                f"Braze refused the API key (401) at {where}: check that the key in the action "
                "settings is a REST API key of this workspace and of this Braze instance."
            )
        if answer.status == 403:
            return BrazeAuthFailed(
                f"Braze refused the request (403) at {where}: the API key needs the "
                "'users.track' permission (Braze: Settings > API Keys)."
            )
        if answer.status == 404:
            return FailRun(f"Braze answered 404 for /users/track at {where}: check the endpoint.")
        message = str(answer.payload.get("message") or "")
        return FailRun(f"Braze answered HTTP {answer.status} at {where}. {message}".strip())

    # ------------------------------------------------------------ one request, retried

    async def _post_with_retries(self, body: bytes, outcome: BatchOutcome) -> _Answer:
        outcome.requests += 1
        try:
            return await self._post_once(body)  # the usual case, without the retry machinery
        except Retry as first:
            return await self._retry(body, outcome, first)

    async def _retry(self, body: bytes, outcome: BatchOutcome, first: Retry) -> _Answer:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retry),
            wait=self._wait,
            stop=_Budget(self._policy),
            before_sleep=lambda state: _count_retry(state, outcome),
            reraise=True,
        )
        failed: Retry | None = first
        try:
            async for attempt in retrying:
                with attempt:
                    if failed is not None:  # tenacity's first attempt is the one that failed
                        error, failed = failed, None
                        raise error
                    outcome.requests += 1
                    return await self._post_once(body)
        except Retry as exc:
            raise FailRun(
                f"Braze kept failing ({exc}) after {outcome.requests} attempts; the run stopped. "
                "Send again later."
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post_once(self, body: bytes) -> _Answer:
        await self._limiter.acquire()
        try:
            async with self._session.post(
                self._url, data=body, headers=self._headers, timeout=self._timeout
            ) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except TimeoutError:
            raise Retry("timeout") from None
        except aiohttp.ClientError as exc:
            raise Retry(f"connection error: {type(exc).__name__}") from None
        _requests_with(status).inc()
        if status == 429:
            wait = min(retry_after_seconds(headers), self._policy.max_rate_limit_wait)
            self._limiter.pause(wait)
            raise RateLimited("HTTP 429", retry_after=wait)
        if status >= 500:
            raise Retry(f"HTTP {status}")
        return _Answer(status, _json_object(raw))


def _json_object(raw: bytes) -> Mapping:
    try:
        payload = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {"message": raw[:200].decode(errors="replace")}
    return payload if isinstance(payload, dict) else {}


def _error_indices(payload: Mapping, size: int) -> dict[int, str]:
    """Braze's per-object errors: {"type": reason, "input_array": "attributes", "index": i}."""
    listed: dict[int, str] = {}
    for error in payload.get("errors") or ():
        if not isinstance(error, dict) or error.get("input_array", "attributes") != "attributes":
            continue
        index = error.get("index")
        if isinstance(index, int) and 0 <= index < size:
            listed.setdefault(index, str(error.get("type") or error.get("message") or "rejected"))
    return listed


def _apply_errors(batch: Batch, payload: Mapping, outcome: BatchOutcome) -> None:
    if not payload.get("errors"):
        outcome.accepted += batch.tags
        return
    listed = _error_indices(payload, len(batch))
    for i, tag in enumerate(batch.tags):
        if i in listed:
            outcome.rejected.append((tag, listed[i]))
        else:
            outcome.accepted.append(tag)


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


def _count_retry(state: RetryCallState, outcome: BatchOutcome) -> None:
    error = state.outcome.exception() if state.outcome else None
    reason = "rate_limited" if isinstance(error, RateLimited) else "error"
    RETRIES.labels(reason).inc()
    outcome.retries += 1
    log.info("retrying a Braze request after %s (attempt %d)", error, state.attempt_number)


class Dispatcher:
    """Keeps up to ``max_in_flight`` batches in flight; the first fatal error stops new sends."""

    def __init__(
        self,
        client: UsersTrackClient,
        max_in_flight: int,
        on_outcome: Callable[[Batch, BatchOutcome], None],
        on_failed: Callable[[Batch], None],
    ) -> None:
        self._client = client
        self._slots = asyncio.Semaphore(max_in_flight)
        self._on_outcome = on_outcome
        self._on_failed = on_failed
        self._tasks: set[asyncio.Task] = set()
        self.failure: LookerBrazeError | None = None

    async def submit(self, batch: Batch) -> None:
        """Queue a batch (waits for a free slot); raises the run's failure once there is one."""
        if self.failure is not None:
            raise self.failure
        await self._slots.acquire()
        if self.failure is not None:
            self._slots.release()
            raise self.failure
        task = asyncio.create_task(self._send(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: Batch) -> None:
        try:
            self._on_outcome(batch, await self._client.send(batch))
        except LookerBrazeError as exc:
            self.failure = self.failure or exc
            self._on_failed(batch)
        except Exception:
            log.exception("unexpected error while sending a batch to Braze")
            self.failure = self.failure or FailRun(
                "The hub hit an internal error sending to Braze."
            )
            self._on_failed(batch)
        except asyncio.CancelledError:
            self._on_failed(batch)
            raise
        finally:
            self._slots.release()

    async def drain(self) -> None:
        """Wait for every batch in flight; then raise the run's failure if there was one."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.failure is not None:
            raise self.failure
