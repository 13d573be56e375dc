"""Braze's per-workspace rate limit shared by every hub process, through Redis.

RedisSlidingWindowLimiter keeps the sliding log of ratelimit.py in a Redis sorted set, on
Redis's own clock (TIME), so processes on different machines agree whatever their clocks say.
Each acquire is one atomic Lua script that RESERVES the earliest slot the log allows (now, or the
N-th latest stamp plus the window, or the shared pause's end, whichever is latest) and answers
how long to sleep until it: one round trip per request, no polling, and slots go out in the
order processes ask for them, so no replica starves the others. At most ``requests`` slots fall
in any window of ``seconds + margin_seconds`` across all processes. The margin is there because
Braze counts a request when it arrives, not when it was admitted: network and scheduling jitter
can bring two slots a whole window apart closer together on Braze's side.

As in ratelimit.py, requests are paced within the window (GCRA, its state in Redis too), and a 429
widens this process's window a little (its reservations then leave more room; a wider window only
makes the shared log stricter for everyone).

With an hourly limit (MAU contracts) the same reservation also counts requests per second-long
slice of the hour in a Redis hash (a fixed 3,600 slices at most, whatever the limit), and a slot
the hourly budget pushes further than the caller will wait is refused without being reserved.

pause() (a 429 seen by one replica) stores a shared "not before" time that every later
reservation honours. Within a process, acquirers queue on an asyncio lock (first come, first
served), so each process holds one reservation at most, whatever its concurrency.

If Redis cannot be reached, each process limits itself with the in-process SlidingWindowLimiter
(logged once per outage) and tries Redis again a few seconds later: a Redis outage must not stop
every send, and the Braze client still obeys any 429 that follows.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from looker_braze.braze.ratelimit import (
    HOUR,
    SLICES,
    Pace,
    RateLimiter,
    SlidingWindowLimiter,
    calmed,
    hourly_limit_used_up,
    steady_rate,
    widened,
)
from looker_braze.redis_keys import redis_client, redis_key

log = logging.getLogger(__name__)

# Reserve the next slot of the sliding window, in microseconds of Redis's clock; replies
# {microseconds to wait, the slot}. With fewer than `limit` stamps in the last window (reserved
# ones included) the slot is now; else a window after the limit-th latest stamp, so no window
# holding the new slot holds more than `limit`. The slot is also no earlier than the pace allows
# (ratelimit.Pace, GCRA: KEYS[5] holds the theoretical time of the next request, ARGV[8] the
# interval, ARGV[9] how far ahead of it a request may come).
# With an hourly limit (ARGV[4] > 0) requests are also counted per slice of the hourly window
# (KEYS[3]: the slices' starts, KEYS[4]: their counts and the "total"), a request counting for its
# whole slice (on the safe side); slices a whole window older than the slot are dropped. When the
# window is full the slot moves to when enough of its oldest slices leave it; if that is more than
# ARGV[7] microseconds away nothing is reserved and the reply is {-1, microseconds until then}.
ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
local theoretical = tonumber(redis.call('GET', KEYS[5]) or '0')
slot = math.max(slot, theoretical - tonumber(ARGV[9]))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
    local nth_latest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
    slot = math.max(slot, tonumber(nth_latest[2]) + window)
end
local hourly = tonumber(ARGV[4])
if hourly > 0 then
    local hour_window, slice = tonumber(ARGV[5]), tonumber(ARGV[6])
    local total = tonumber(redis.call('HGET', KEYS[4], 'total') or '0')
    local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', slot - hour_window - slice)
    for _, start in ipairs(gone) do
        total = total - tonumber(redis.call('HGET', KEYS[4], start) or '0')
        redis.call('HDEL', KEYS[4], start)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', slot - hour_window - slice)
    if total >= hourly then
        local excess = total - hourly + 1
        for _, start in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
            excess = excess - tonumber(redis.call('HGET', KEYS[4], start) or '0')
            if excess <= 0 then
                local free = tonumber(start) + slice + hour_window
                redis.call('HSET', KEYS[4], 'total', string.format('%d', total))
                if free - now > tonumber(ARGV[7]) then
                    return {-1, free - now}
                end
                slot = math.max(slot, free)
                break
            end
        end
    end
    redis.call('HSET', KEYS[4], 'total', string.format('%d', total))
    local mine = string.format('%d', math.floor(slot / slice) * slice)
    redis.call('ZADD', KEYS[3], mine, mine)
    redis.call('HINCRBY', KEYS[4], mine, 1)
    redis.call('HINCRBY', KEYS[4], 'total', 1)
    local keep = math.ceil((slot - now + hour_window) / 1000) + 1000
    redis.call('PEXPIRE', KEYS[3], keep)
    redis.call('PEXPIRE', KEYS[4], keep)
end
redis.call('ZADD', KEYS[1], slot, ARGV[3])
local keep = math.ceil((slot - now + window) / 1000) + 1000
redis.call('PEXPIRE', KEYS[1], keep)
local next_theoretical = math.max(theoretical, slot) + tonumber(ARGV[8])
redis.call('SET', KEYS[5], string.format('%d', next_theoretical), 'PX', keep)
return {slot - now, slot}
"""

# Moves the shared "not before" time later (never earlier), on Redis's clock.
PAUSE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local pause = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + pause > current then
    local expiry = math.ceil(pause / 1000) + 1000
    redis.call('SET', KEYS[1], string.format('%d', now + pause), 'PX', expiry)
end
return 0
"""

DEFAULT_MARGIN_SECONDS = 0.1
NO_MAX_WAIT = 10 * 365 * 86400.0  # "wait whatever it takes", in a number Lua reads
REDIS_RETRY_SECONDS = 5.0


class RedisSlidingWindowLimiter:
    """RateLimiter shared across processes; ``key`` names the workspace (never the API key)."""

    def __init__(
        self,
        redis: str | aioredis.Redis,
        key: str,
        requests: int,
        seconds: float,
        margin_seconds: float = DEFAULT_MARGIN_SECONDS,
        hourly_requests: int | None = None,
        hourly_seconds: float = HOUR,
    ) -> None:
        if requests < 1 or seconds <= 0 or margin_seconds < 0:
            raise ValueError("requests >= 1, seconds > 0 and margin_seconds >= 0, please")
        if hourly_requests is not None and (hourly_requests < 1 or hourly_seconds <= 0):
            raise ValueError("hourly_requests >= 1 and hourly_seconds > 0, please")
        self._redis, self._owns_client = redis_client(redis)
        base = redis_key("ratelimit", key)
        self._keys = [
            f"{base}:log", f"{base}:pause", f"{base}:hour", f"{base}:hour:counts", f"{base}:pace"
        ]  # fmt: skip
        hour_window = hourly_seconds + margin_seconds
        self._requests, self._window = requests, seconds + margin_seconds
        self._base_window = self._window
        self._last_429 = -math.inf
        self._hourly_args = [
            hourly_requests or 0,
            _micros(hour_window),
            _micros(hour_window / SLICES),
        ]
        self._hourly_requests = hourly_requests
        self.requests_per_second = steady_rate(requests, self._window, hourly_requests, hour_window)
        self._acquire_script = self._redis.register_script(ACQUIRE)
        self._pause_script = self._redis.register_script(PAUSE)
        self._queue = asyncio.Lock()
        self._paused_until = 0.0  # monotonic: this process's own copy of the shared pause
        self._fallback = SlidingWindowLimiter(
            requests, seconds + margin_seconds, hourly_requests=hourly_requests,
            hourly_seconds=hour_window,
        )  # fmt: skip
        self._redis_down_until = 0.0
        self._tasks: set[asyncio.Task] = set()

    async def acquire(self, max_wait: float = math.inf) -> None:
        await self.admit(max_wait)

    async def admit(self, max_wait: float = math.inf) -> float:
        """Wait for a slot; the time it was granted, by Redis's clock (epoch seconds, to the
        microsecond), or by this machine's while Redis is unreachable. FailRun when the hourly
        budget's next slot is more than ``max_wait`` seconds away (nothing is reserved then)."""
        async with self._queue:
            await self._sleep_out_local_pause()
            reserved = await self._reserve(max_wait)
            if reserved is None:
                await self._fallback.acquire(max_wait)
                return time.time()
            wait, slot = reserved
            if wait > 0:
                await asyncio.sleep(wait)
            await self._sleep_out_local_pause()  # a 429 seen here while we slept
            return slot

    async def _sleep_out_local_pause(self) -> None:
        while (left := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(left)

    async def _reserve(self, max_wait: float) -> tuple[float, float] | None:
        """(seconds to wait, the slot by Redis's clock); None while Redis is unreachable."""
        if time.monotonic() < self._redis_down_until:
            return None
        stamp = uuid.uuid4().hex  # members of the sorted set must be unique
        longest = round(min(max_wait, NO_MAX_WAIT) * 1_000_000)
        self._window = calmed(self._window, self._base_window, self._last_429, time.monotonic())
        pace = Pace(self._requests, self._window)
        window = [self._requests, _micros(self._window)]
        pacing = [_micros(pace.interval), _micros(pace.tolerance)]
        try:
            wait, slot = await self._acquire_script(
                keys=self._keys, args=[*window, stamp, *self._hourly_args, longest, *pacing]
            )
        except RedisError as exc:
            self._redis_failed(exc)
            return None
        if int(wait) < 0:  # refused: the hourly budget is spent for longer than max_wait
            raise hourly_limit_used_up(self._hourly_requests or 0, int(slot) / 1_000_000)
        return int(wait) / 1_000_000, int(slot) / 1_000_000

    def _redis_failed(self, exc: Exception) -> None:
        log.warning(
            "Redis unreachable for the shared Braze rate limit (%s); this process limits itself "
            "and retries Redis in %.0f s",
            type(exc).__name__,
            REDIS_RETRY_SECONDS,
        )
        self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS

    def pause(self, seconds: float) -> None:
        """Nobody, in any process, sends for ``seconds``: this process at once, the others from
        their next acquire (the shared time is written in the background)."""
        if seconds <= 0:
            return
        self._last_429 = time.monotonic()
        self._paused_until = max(self._paused_until, self._last_429 + seconds)
        self._window = widened(self._window, self._base_window)  # this process's, see ratelimit
        self._fallback.pause(seconds)
        try:
            task = asyncio.get_running_loop().create_task(self._share_pause(seconds))
        except RuntimeError:  # no event loop: nothing of this process is sending anyway
            return
        self._tasks.add(task)  # keep a reference until done: the loop only holds weak ones
        task.add_done_callback(self._tasks.discard)

    async def _share_pause(self, seconds: float) -> None:
        try:
            await self._pause_script(keys=self._keys[1:2], args=[round(seconds * 1_000_000)])
        except RedisError as exc:
            self._redis_failed(exc)

    async def aclose(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_client:
            await self._redis.aclose()


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)


def shared_limiter(
    redis: str | aioredis.Redis | None,
    key: str,
    requests: int,
    seconds: float,
    hourly_requests: int | None = None,
) -> RateLimiter:
    """The workspace's limiter: shared through Redis when there is one, else this process's.
    Either way with the margin: Braze counts a request when it arrives, and arrivals jitter."""
    if redis is None:
        return SlidingWindowLimiter(
            requests, seconds + DEFAULT_MARGIN_SECONDS, hourly_requests=hourly_requests
        )
    return RedisSlidingWindowLimiter(redis, key, requests, seconds, hourly_requests=hourly_requests)
