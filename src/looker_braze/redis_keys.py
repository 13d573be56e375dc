"""Redis plumbing shared by the rate limiter (braze) and the audience locks (state)."""

from __future__ import annotations

import hashlib

from redis import asyncio as aioredis


def redis_key(prefix: str, name: str) -> str:
    """A Redis key for ``name`` (which may hold a label or endpoint): hashed, with a hash tag so
    that a limiter's keys land on one Redis Cluster slot."""
    digest = hashlib.sha256(name.encode()).hexdigest()[:32]
    return f"looker-braze:{prefix}:{{{digest}}}"


def redis_client(redis: str | aioredis.Redis) -> tuple[aioredis.Redis, bool]:
    """(client, whether we created it and so must close it)."""
    if isinstance(redis, str):
        return aioredis.Redis.from_url(redis, socket_timeout=10, socket_connect_timeout=5), True
    return redis, False
