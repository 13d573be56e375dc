"""Audience locks: in one process (asyncio) and across processes (Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from looker_braze.errors import FailRun
from looker_braze.state.locks import (
    AudienceLock,
    LocalAudienceLock,
    audience_locks,
    busy_message,
)

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


@pytest.fixture(params=["local", "redis"])
async def make_locks(request):
    """A factory of lock sets that behave like separate replicas (Redis: one client each)."""
    made = []
    if request.param == "local":
        shared = LocalAudienceLock()  # one process: every "replica" is the same object

        def factory():
            return shared
    else:
        url = request.getfixturevalue("redis_url")

        def factory():
            made.append(AudienceLock(url, ttl_seconds=2.0))
            return made[-1]

    yield factory
    for locks in made:
        await locks.aclose()


def audience() -> str:
    return f"workspace|looker_export|{uuid.uuid4()}"


async def test_the_second_send_waits_for_the_first(make_locks):
    first, second, name = make_locks(), make_locks(), audience()
    order = []

    async def run(locks, tag, hold):
        async with locks.hold(name, label="churn", wait_seconds=5):
            order.append(f"{tag} in")
            await asyncio.sleep(hold)
            order.append(f"{tag} out")

    one = asyncio.create_task(run(first, "a", 0.3))
    await asyncio.sleep(0.05)
    await asyncio.gather(one, run(second, "b", 0))
    assert order == ["a in", "a out", "b in", "b out"]


async def test_the_second_send_fails_with_what_to_do_after_waiting(make_locks):
    first, second, name = make_locks(), make_locks(), audience()
    async with first.hold(name, label="churn-risk", wait_seconds=1):
        started = time.monotonic()
        with pytest.raises(FailRun) as caught:
            async with second(name, 0.3, "churn-risk"):
                pytest.fail("entered a held lock")
        assert time.monotonic() - started >= 0.3 - 0.06  # redis-py polls every 0.05 s
    message = str(caught.value)
    assert "Another send of the audience 'churn-risk' is running on this hub" in message
    assert "started 20" in message and "UTC" in message
    assert message.endswith("try again when it has finished.")


async def test_the_lock_is_released_when_the_run_fails(make_locks):
    first, second, name = make_locks(), make_locks(), audience()
    with pytest.raises(RuntimeError):
        async with first.hold(name, wait_seconds=1):
            raise RuntimeError("the run broke")
    started = time.monotonic()
    async with second.hold(name, wait_seconds=1):
        assert time.monotonic() - started < 0.2


async def test_different_audiences_do_not_block_each_other(make_locks):
    first, second = make_locks(), make_locks()
    async with first.hold(audience(), wait_seconds=1), second.hold(audience(), wait_seconds=0.1):
        pass


async def test_the_local_lock_forgets_idle_audiences():
    locks = LocalAudienceLock()
    async with locks.hold("a", wait_seconds=1):
        assert set(locks._locks) == {"a"}
    assert locks._locks == {} and locks._users == {}
    assert isinstance(audience_locks(None), LocalAudienceLock)


async def test_a_held_redis_lock_outlives_its_ttl_while_the_run_lasts(redis_url):
    holder, other, name = AudienceLock(redis_url, 0.5), AudienceLock(redis_url, 0.5), audience()
    try:
        async with holder.hold(name, wait_seconds=1):
            await asyncio.sleep(1.2)  # more than twice the TTL: renewal keeps it
            with pytest.raises(FailRun):
                async with other.hold(name, wait_seconds=0.1):
                    pass
    finally:
        await holder.aclose()
        await other.aclose()


HOLDER = """
import asyncio, sys
from looker_braze.state.locks import AudienceLock

async def main(url, name):
    async with AudienceLock(url, ttl_seconds=1.0).hold(name, wait_seconds=5):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_crashed_holders_lock_expires(redis_url):
    name = audience()
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, name], stdout=subprocess.PIPE, text=True
    )
    locks = AudienceLock(redis_url)
    try:
        assert process.stdout.readline().strip() == "held"
        with pytest.raises(FailRun):  # alive: its renewals keep the lock
            async with locks.hold(name, wait_seconds=1.5):
                pass
        os.kill(process.pid, signal.SIGKILL)  # no release, no cleanup
        process.wait()
        killed = time.monotonic()
        async with locks.hold(name, wait_seconds=5):
            assert time.monotonic() - killed <= 1.0 + 0.3  # within its TTL
    finally:
        if process.poll() is None:
            process.kill()
        await locks.aclose()


async def test_unreachable_redis_fails_the_run_with_what_to_check():
    locks = AudienceLock("redis://127.0.0.1:1/0")
    with pytest.raises(FailRun, match="LOOKER_BRAZE_REDIS_URL"):
        async with locks.hold(audience(), wait_seconds=0.1):
            pass
    await locks.aclose()


def test_busy_message_without_a_known_start():
    assert "started moments ago" in busy_message("x", None)
