"""One send per audience at a time: two runs of the same audience must not interleave, or the
second could remove users the first just added.

    locks = audience_locks(settings.redis_url)        # Redis across replicas, else in-process
    async with locks.hold(name, label="churn-risk", wait_seconds=60):
        ...                                           # the run
    async with locks(name, 60, "churn-risk"): ...     # the same

The second holder waits up to ``wait_seconds`` and then fails the run (FailRun) with a message
that says what to do. AudienceLock uses redis-py's lock (SET NX PX with a token; release and
renewal check the token) with a short expiry that a background task renews while the run lasts,
so the lock of a crashed process frees itself within ``ttl_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from redis import asyncio as aioredis
from redis.exceptions import LockError, RedisError

from looker_braze.errors import FailRun
from looker_braze.redis_keys import redis_client, redis_key
from looker_braze.state.models import utc_now

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 30.0
# How long a second send of an audience waits for the first before it fails.
DEFAULT_WAIT_SECONDS = 120.0


def busy_message(label: str, started: datetime | None) -> str:
    since = f"started {started:%Y-%m-%d %H:%M:%S} UTC" if started else "started moments ago"
    return (
        f"Another send of the audience '{label}' is running on this hub ({since}); "
        "try again when it has finished."
    )


def _token() -> str:
    # The value of the lock key says who holds it since when, for the message of the next one.
    started = utc_now().isoformat(timespec="seconds")
    return f"{started}|{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex}"


def _started(token: bytes | str | None) -> datetime | None:
    if token is None:
        return None
    text = token.decode(errors="replace") if isinstance(token, bytes) else token
    try:
        return datetime.fromisoformat(text.split("|", 1)[0])
    except ValueError:
        return None


class AudienceLock:
    """A lock per audience shared by every process using the same Redis."""

    def __init__(
        self, redis: str | aioredis.Redis, ttl_seconds: float = DEFAULT_TTL_SECONDS
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be more than 0, not {ttl_seconds}")
        self._redis, self._owns_client = redis_client(redis)
        self.ttl_seconds = ttl_seconds

    def __call__(self, name: str, wait_seconds: float, label: str | None = None):
        return self.hold(name, label, wait_seconds)

    @asynccontextmanager
    async def hold(
        self, name: str, label: str | None = None, wait_seconds: float = DEFAULT_WAIT_SECONDS
    ) -> AsyncIterator[None]:
        """Hold the lock of audience ``name`` (any string; ``label`` is what messages show)."""
        key = redis_key("audience-lock", name)
        lock = self._redis.lock(
            key,
            timeout=self.ttl_seconds,
            sleep=0.05,
            blocking_timeout=wait_seconds,
            thread_local=False,
        )
        if not await self._acquire(lock):
            raise FailRun(busy_message(label or name, await self._holder_started(key)))
        renewal = asyncio.create_task(self._renew(lock, label or name))
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            await self._release(lock, label or name)

    async def _acquire(self, lock) -> bool:
        try:
            return await lock.acquire(token=_token())
        except RedisError as exc:
            raise FailRun(
                f"Cannot reach Redis to lock the audience ({type(exc).__name__}); check "
                "LOOKER_BRAZE_REDIS_URL and that Redis is up, then send again."
            ) from exc

    async def _holder_started(self, key: str) -> datetime | None:
        try:
            return _started(await self._redis.get(key))
        except RedisError:
            return None

    async def _renew(self, lock, label: str) -> None:
        """Push the expiry back every third of the TTL while the run lasts."""
        while True:
            await asyncio.sleep(self.ttl_seconds / 3)
            try:
                await lock.reacquire()
            except RedisError as exc:  # LockNotOwnedError is one: the lock expired, give up
                log.warning(
                    "the lock of audience %r could not be renewed (%s); another run may start",
                    label,
                    type(exc).__name__,
                )
                if isinstance(exc, LockError):
                    return

    async def _release(self, lock, label: str) -> None:
        try:
            await lock.release()
        except (LockError, RedisError) as exc:  # expired meanwhile, or Redis away: it expires
            log.warning("the lock of audience %r was already lost (%s)", label, type(exc).__name__)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._redis.aclose()


class LocalAudienceLock:
    """The same interface within one process, for a hub without Redis."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # holders and waiters: an idle name's lock is dropped
        self._started: dict[str, datetime] = {}

    def __call__(self, name: str, wait_seconds: float, label: str | None = None):
        return self.hold(name, label, wait_seconds)

    @asynccontextmanager
    async def hold(
        self, name: str, label: str | None = None, wait_seconds: float = DEFAULT_WAIT_SECONDS
    ) -> AsyncIterator[None]:
        lock = self._locks.setdefault(name, asyncio.Lock())
        self._users[name] = self._users.get(name, 0) + 1
        try:
            try:
                async with asyncio.timeout(wait_seconds):
                    await lock.acquire()
            except TimeoutError:
                raise FailRun(busy_message(label or name, self._started.get(name))) from None
            self._started[name] = utc_now()
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[name] -= 1
            if not self._users[name]:
                del self._users[name], self._locks[name]
                self._started.pop(name, None)

    async def aclose(self) -> None:
        return None


AudienceLocks = AudienceLock | LocalAudienceLock


def audience_locks(redis: str | aioredis.Redis | None) -> AudienceLock | LocalAudienceLock:
    """Locks across replicas when there is a Redis, else within this process."""
    return LocalAudienceLock() if redis is None else AudienceLock(redis)
