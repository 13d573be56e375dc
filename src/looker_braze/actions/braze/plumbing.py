"""What every Braze action of one hub process shares: one HTTP session (one connection pool),
one Redis client, the rate limiters and the audience locks.

Sharing matters for the limits: Braze counts a workspace's requests per endpoint family, whatever
action sent them, so the flag action and the events action (both on /users/track) must draw from
one limiter, and so must every replica (through Redis, when there is one).
"""

from __future__ import annotations

import aiohttp

from looker_braze.braze.concurrency import connection_limit
from looker_braze.braze.families import USERS_TRACK, Family
from looker_braze.braze.ratelimit import RateLimiter
from looker_braze.braze.shared_limit import shared_limiter
from looker_braze.redis_keys import redis_client
from looker_braze.settings import HubSettings
from looker_braze.state.locks import AudienceLocks, audience_locks


class BrazePlumbing:
    def __init__(self, settings: HubSettings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._limiters: dict[tuple[str, str], RateLimiter] = {}
        # One Redis client for every limiter and lock of this process (None: no replicas).
        self.redis = redis_client(settings.redis_url)[0] if settings.redis_url else None
        self.locks: AudienceLocks = audience_locks(self.redis)
        self._closed = False

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=connection_limit(self._settings.max_in_flight))
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def limiter(self, workspace: str, family: Family = USERS_TRACK) -> RateLimiter:
        """The workspace's limiter for one endpoint family, shared by every action (and every
        replica through Redis)."""
        key = (workspace, family.name)
        if key not in self._limiters:
            requests, seconds, hourly = self._limits(family)
            # users/track keeps its historical key, so replicas of mixed versions agree.
            redis_key = workspace if family == USERS_TRACK else f"{workspace}|{family.name}"
            self._limiters[key] = shared_limiter(self.redis, redis_key, requests, seconds, hourly)
        return self._limiters[key]

    def _limits(self, family: Family) -> tuple[int, float, int | None]:
        if family != USERS_TRACK:
            return family.requests, family.seconds, family.hourly_requests
        settings = self._settings  # the operator's contract numbers for /users/track
        return (
            settings.rate_limit_requests,
            settings.rate_limit_seconds,
            settings.rate_limit_hourly_requests,
        )

    async def aclose(self) -> None:
        """Close everything once, however many actions share this (each calls it on shutdown)."""
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
        for limiter in self._limiters.values():
            await limiter.aclose()
        await self.locks.aclose()
        if self.redis is not None:
            await self.redis.aclose()
