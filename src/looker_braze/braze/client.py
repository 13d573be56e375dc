"""POST /users/track with Braze's documented behaviour handled, one batch at a time.

Per batch: cut it to the send's BatchSize; wait for the rate limiter; send (never following a
redirect); then by Braze's answer
    2xx "success"        accepted; each entry of ``errors`` rejects one object (by index)
    2xx "queued"         (202 during Braze's maintenance) the data was received: accepted, and
                         counted as queued
    2xx, other message   listed objects rejected with their reason; the others are NOT confirmed,
                         so they are rejected with Braze's message (a later send retries them)
    400 + errors         the listed objects are rejected; unlisted ones are sent again once
    400 "Max Input       the account takes fewer objects per request: the BatchSize shrinks for
    Length Exceeded"     the rest of the send and the objects go again in smaller requests
    413                  split the batch in two and send both halves
    429                  every sender pauses for Braze's retry time, then the batch is retried;
                         a retry time longer than a send waits stops the run
    5xx, timeout,        retried with exponential backoff and jitter, bounded by attempts and
    connection error     time; when the budget is spent the run fails (Braze is not answering)
    3xx                  InvalidEndpoint at once: Braze never redirects its REST API
    401, 403             BrazeAuthFailed at once: no retry can fix a key, a plan or an account
    404                  FailRun at once: an unknown key, or not Braze's REST API
How each answer reads, with Braze's sources: answers.py. Batch sizes: batch.py.
The Dispatcher keeps enough batches in flight for the rate limit at Braze's latency
(concurrency.py) and reports each outcome.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter as Tally
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

import aiohttp
import orjson
from prometheus_client import Counter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from looker_braze.braze.answers import Answer, error_indices, failure, read_success
from looker_braze.braze.batch import Batch, Batcher, BatchSize, chunks
from looker_braze.braze.concurrency import InFlight
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.ratelimit import RateLimiter, braze_limit_used_up
from looker_braze.errors import FailRun, LookerBrazeError, RateLimited, Retry

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "looker_braze_braze_requests_total", "Requests to Braze by HTTP status.", ["status"]
)
RETRIES = Counter(
    "looker_braze_braze_retries_total", "Requests to Braze retried, by reason.", ["reason"]
)

ALL_INVALID = "Valid data must be provided"
MAX_INPUT = "max input length exceeded"
MAX_MESSAGES = 5  # distinct non-"success" messages a send keeps
RETRY_WARNING_SECONDS = 30.0  # retries are summed up in at most one warning this often per send


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


@dataclass
class BatchOutcome:
    accepted: list[Hashable] = field(default_factory=list)
    rejected: list[tuple[Hashable, str]] = field(default_factory=list)
    queued: int = 0  # of the accepted, those Braze answered 202 "queued" for
    messages: list[str] = field(default_factory=list)  # Braze's non-"success" 2xx messages
    batch_size: tuple[int, int] | None = None  # (from, to) when this batch shrank the size

    def merge(self, other: BatchOutcome) -> None:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.queued += other.queued
        self.messages += other.messages
        self.batch_size = other.batch_size or self.batch_size


@dataclass(frozen=True)
class SendNotes:
    """What a send's answer should tell beyond the counts, as plain data."""

    queued: int = 0  # objects accepted through Braze's 202 "queued" (maintenance)
    messages: tuple[str, ...] = ()  # Braze's non-"success" 2xx messages, distinct, short
    batch_size: tuple[int, int] | None = None  # (from, to) objects per request, if it shrank


class UsersTrackClient:
    def __init__(
        self,
        endpoint: Endpoint,
        api_key: str,
        session: aiohttp.ClientSession,
        limiter: RateLimiter,
        policy: RetryPolicy = RetryPolicy(),
        timeout_seconds: float = 60.0,
        batch_size: BatchSize | None = None,
        on_latency: Callable[[float], None] | None = None,
        counter: RequestCounter | None = None,
    ) -> None:
        self._url = endpoint.users_track_url
        self._endpoint = endpoint
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._session = session
        self._limiter = limiter
        self._policy = policy
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._wait = _Wait(policy)
        self._retry_warnings = _RetryWarnings()
        self.batch_size = batch_size or BatchSize()
        self._on_latency = on_latency
        self._counter = counter or _NoCounter()

    async def send(self, batch: Batch) -> BatchOutcome:
        if len(batch) > self.batch_size.current:  # formed before the size shrank
            return await self._send_each(chunks(batch, self.batch_size.current))
        outcome = BatchOutcome()
        answer = await self._post_with_retries(batch.body())
        if 200 <= answer.status < 300:
            read_success(batch, answer, outcome)
        elif answer.status == 413:
            await self._send_halves(batch, outcome)
        elif answer.status == 400:
            await self._handle_400(batch, answer.payload, outcome)
        else:
            raise self._fatal(answer)
        return outcome

    async def _send_each(self, batches: list[Batch]) -> BatchOutcome:
        outcome = BatchOutcome()
        for part in batches:
            outcome.merge(await self.send(part))
        return outcome

    async def _send_halves(self, batch: Batch, outcome: BatchOutcome) -> None:
        if len(batch) == 1:
            outcome.rejected.append((batch.tags[0], "user object too large for Braze (413)"))
            return
        outcome.merge(await self._send_each(list(batch.halves())))

    async def _handle_400(self, batch: Batch, payload: Mapping, outcome: BatchOutcome) -> None:
        listed = error_indices(payload, len(batch))
        message = str(payload.get("message") or "HTTP 400")
        if not listed:
            if MAX_INPUT in message.lower():
                await self._send_smaller(batch, outcome)
                return
            outcome.rejected += [(tag, message) for tag in batch.tags]
            return
        outcome.rejected += [(batch.tags[i], reason) for i, reason in listed.items()]
        unlisted = [i for i in range(len(batch)) if i not in listed]
        if unlisted and ALL_INVALID not in message:
            outcome.merge(await self.send(batch.subset(unlisted)))
        else:
            outcome.rejected += [(batch.tags[i], message) for i in unlisted]

    async def _send_smaller(self, batch: Batch, outcome: BatchOutcome) -> None:
        """Braze takes fewer objects per request on this account: nothing is rejected, the
        objects go again in smaller requests, and so does the rest of the send."""
        before = self.batch_size.current
        if not self.batch_size.shrink(len(batch)):
            reason = "Braze refused even one object per request (Max Input Length Exceeded)"
            outcome.rejected += [(tag, reason) for tag in batch.tags]
            return
        if self.batch_size.current < before:
            outcome.batch_size = (before, self.batch_size.current)
            log.warning(
                "Braze answered Max Input Length Exceeded to %d objects: sending %d per request "
                "for the rest of this send",
                len(batch),
                self.batch_size.current,
            )
        outcome.merge(await self.send(batch))

    def _fatal(self, answer: Answer) -> LookerBrazeError:
        return failure(answer, self._endpoint)

    # ------------------------------------------------------------ one request, retried

    async def _post_with_retries(self, body: bytes) -> Answer:
        try:
            return await self._post_once(body)  # the usual case, without the retry machinery
        except Retry as first:
            return await self._retry(body, first)

    async def _retry(self, body: bytes, first: Retry) -> Answer:
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
                    return await self._post_once(body, retry=True)
        except Retry as exc:
            raise FailRun(
                f"Braze kept failing ({exc}) after {attempts} attempts; the run stopped. "
                "Send again later."
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _post_once(self, body: bytes, retry: bool = False) -> Answer:
        await self._limiter.acquire(self._policy.max_rate_limit_wait)
        self._counter.request_made(retry)  # counted once it may go: the limiter may stop it
        started = time.perf_counter()
        try:
            async with self._session.post(
                self._url,
                data=body,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,  # a key must never travel on to a host nobody chose
            ) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except TimeoutError:
            raise Retry("timeout") from None
        except aiohttp.ClientError as exc:
            raise Retry(f"connection error: {type(exc).__name__}") from None
        if self._on_latency is not None and status != 429 and status < 500:
            self._on_latency(time.perf_counter() - started)  # answers Braze worked on
        _requests_with(status).inc()
        if status == 429:
            raise self._rate_limited(headers)
        if status >= 500:
            raise Retry(f"HTTP {status}")
        location = headers.get("Location") if 300 <= status < 400 else None
        return Answer(status, _json_object(raw), location)

    def _rate_limited(self, headers: Mapping[str, str]) -> LookerBrazeError:
        wait = retry_after_seconds(headers)
        if wait > self._policy.max_rate_limit_wait:
            return braze_limit_used_up(wait, self._policy.max_rate_limit_wait)
        self._limiter.pause(wait)
        return RateLimited("HTTP 429", retry_after=wait)


def _json_object(raw: bytes) -> Mapping:
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


class Dispatcher:
    """Keeps batches in flight (as many as ``in_flight`` allows: a controller that follows Braze's
    latency, or a fixed number); the first fatal error stops new sends."""

    def __init__(
        self,
        client: UsersTrackClient,
        in_flight: InFlight | int,
        on_outcome: Callable[[Batch, BatchOutcome], None],
        on_failed: Callable[[Batch], None],
    ) -> None:
        self._client = client
        self.in_flight = in_flight if isinstance(in_flight, InFlight) else InFlight.fixed(in_flight)
        self._on_outcome = on_outcome
        self._on_failed = on_failed
        self._tasks: set[asyncio.Task] = set()
        self._queued = 0
        self._messages: dict[str, None] = {}  # insertion-ordered set
        self.failure: LookerBrazeError | None = None

    def batcher(self) -> Batcher:
        """A Batcher sized by this send's BatchSize, so it follows any shrink."""
        return Batcher(self._client.batch_size)

    def notes(self) -> SendNotes:
        """What the answer should tell of this send beyond the counts."""
        return SendNotes(self._queued, tuple(self._messages), self._client.batch_size.change)

    async def submit(self, batch: Batch) -> None:
        """Queue a batch (waits for a free slot); raises the run's failure once there is one."""
        if self.failure is not None:
            raise self.failure
        await self.in_flight.acquire(batch.size)
        if self.failure is not None:
            self.in_flight.release(batch.size)
            raise self.failure
        task = asyncio.create_task(self._send(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: Batch) -> None:
        try:
            outcome = await self._client.send(batch)
            self._note(outcome)
            self._on_outcome(batch, outcome)
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
            self.in_flight.release(batch.size)

    def _note(self, outcome: BatchOutcome) -> None:
        self._queued += outcome.queued
        for message in outcome.messages:
            if len(self._messages) < MAX_MESSAGES:
                self._messages[message] = None

    async def drain(self) -> None:
        """Wait for every batch in flight; then raise the run's failure if there was one.

        A run being cancelled (its hub is stopping) does not wait for Braze's answers: the
        batches in flight are cancelled and count as not sent, so what the run records is what
        Braze confirmed before, and it records it in time."""
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            for task in self._tasks:
                task.cancel()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self.failure is not None:
            raise self.failure
