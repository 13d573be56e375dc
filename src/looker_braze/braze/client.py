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
How each answer reads, with Braze's sources: answers.py. Batch sizes: batch.py. Rate limits,
retries and the request itself: requester.py (shared by every endpoint's client).
The Dispatcher keeps enough batches in flight for the rate limit at Braze's latency
(concurrency.py) and reports each outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from looker_braze.braze.answers import Answer, error_indices, failure, read_success
from looker_braze.braze.batch import Batch, Batcher, BatchSize, chunks
from looker_braze.braze.concurrency import InFlight
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.ratelimit import RateLimiter
from looker_braze.braze.requester import RequestCounter, Requester, RetryPolicy
from looker_braze.errors import FailRun, LookerBrazeError

log = logging.getLogger(__name__)

USERS_TRACK = "/users/track"
ALL_INVALID = "Valid data must be provided"
MAX_INPUT = "max input length exceeded"
MAX_MESSAGES = 5  # distinct non-"success" messages a send keeps


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
        policy: RetryPolicy | None = None,
        timeout_seconds: float = 60.0,
        batch_size: BatchSize | None = None,
        on_latency: Callable[[float], None] | None = None,
        counter: RequestCounter | None = None,
        repeatable: bool = True,
    ) -> None:
        """``repeatable=False`` for objects that must not reach Braze twice (events, purchases:
        Braze has no idempotency key): a failure after the request left raises OutcomeUnknown
        instead of being retried (requester.py)."""
        self._endpoint = endpoint
        self._repeatable = repeatable
        self._requester = Requester(
            endpoint,
            api_key,
            session,
            limiter,
            policy or RetryPolicy(),
            timeout_seconds,
            on_latency,
            counter,
        )
        self.batch_size = batch_size or BatchSize()

    def batcher(self) -> Batcher:
        return Batcher(self.batch_size)

    async def send(self, batch: Batch) -> BatchOutcome:
        """Braze's outcome for every object of ``batch``. When the run must stop part way (a
        413 split, a resend after a 400, a smaller size after Max Input Length Exceeded: each
        makes more requests), the error carries in ``settled`` what Braze had already accepted
        or rejected, so those objects are counted as what they are, not as unsent."""
        outcome = BatchOutcome()
        try:
            await self._send_into(batch, outcome)
        except LookerBrazeError as exc:
            exc.settled = outcome
            raise
        return outcome

    async def _send_into(self, batch: Batch, outcome: BatchOutcome) -> None:
        if len(batch) > self.batch_size.current:  # formed before the size shrank
            for part in chunks(batch, self.batch_size.current):
                await self._send_into(part, outcome)
            return
        answer = await self._requester.send(
            "POST", USERS_TRACK, batch.body(), repeatable=self._repeatable
        )
        if 200 <= answer.status < 300:
            read_success(batch, answer, outcome)
        elif answer.status == 413:
            await self._send_halves(batch, outcome)
        elif answer.status == 400:
            await self._handle_400(batch, answer.payload, outcome)
        else:
            raise self._fatal(answer)

    async def _send_halves(self, batch: Batch, outcome: BatchOutcome) -> None:
        if len(batch) == 1:
            outcome.rejected.append((batch.tags[0], "user object too large for Braze (413)"))
            return
        for half in batch.halves():
            await self._send_into(half, outcome)

    async def _handle_400(self, batch: Batch, payload: Mapping, outcome: BatchOutcome) -> None:
        listed = error_indices(payload, len(batch), batch.array)
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
            await self._send_into(batch.subset(unlisted), outcome)
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
        await self._send_into(batch, outcome)

    def _fatal(self, answer: Answer) -> LookerBrazeError:
        return failure(answer, self._endpoint)


class BatchClient(Protocol):
    """What the Dispatcher needs of an endpoint's client (users/track, catalog items,
    subscription states ...): ``send`` a batch (for subscriptions, a SubscriptionRequest: any
    object with ``size``, ``tags`` and ``subset``), and the send's BatchSize."""

    batch_size: BatchSize

    def batcher(self) -> Batcher: ...

    async def send(self, batch: Batch) -> BatchOutcome: ...


class Dispatcher:
    """Keeps batches in flight (as many as ``in_flight`` allows: a controller that follows Braze's
    latency, or a fixed number); the first fatal error stops new sends."""

    def __init__(
        self,
        client: BatchClient,
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
        return self._client.batcher()

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
            self._settle_part(batch, getattr(exc, "settled", None))
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

    def _settle_part(self, batch: Batch, settled: BatchOutcome | None) -> None:
        """A batch the run stopped in: what Braze settled counts as that, the rest as failed."""
        if settled is None or not (settled.accepted or settled.rejected):
            self._on_failed(batch)
            return
        self._note(settled)
        self._on_outcome(batch, settled)
        done = {id(tag) for tag in settled.accepted} | {id(tag) for tag, _ in settled.rejected}
        rest = [i for i, tag in enumerate(batch.tags) if id(tag) not in done]
        if rest:
            self._on_failed(batch.subset(rest))

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
