"""How fast the Braze simulator takes /users/track objects, and what a big population costs.

Starts `looker-braze braze-sim --users N` as its own process (one event loop, so one core) and
streams ROWS attribute objects at it, twice, in requests of 75 (~120 bytes an object, the hub's
shape: add one label to a user's looker_export) over keep-alive connections. Prints:
  - objects/s by the wall clock (the client shares this machine's cores with the simulator),
  - objects per CPU second of the simulator process: what one core sustains,
  - the simulator's resident memory after seeding and after each pass (the second pass
    re-flags the same users: memory must not grow with the number of requests),
  - the first braze_id lookup, which builds the seeded braze-id index.

    .venv/bin/python bench/braze_sim.py [--rows 1000000] [--users 1000000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

import aiohttp
import orjson
import psutil

from looker_braze.sim import population

BATCH = 75
LABELS = [f"looker_look_{n}_weekly_active" for n in range(20)]
HEADERS = {"Authorization": "Bearer sim-key", "Content-Type": "application/json"}
MIB = 1024 * 1024


def start_simulator(users: int) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "looker_braze", "braze-sim", "--users", str(users)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"the simulator did not start: {line!r}")
    return process, line.rsplit(" ", 1)[1].strip()


def request_bodies(rows: int, users: int) -> list[bytes]:
    return [body(first, min(BATCH, rows - first), users) for first in range(0, rows, BATCH)]


def body(first: int, count: int, users: int) -> bytes:
    objects = [
        {
            "external_id": population.external_id(i % users),
            "_update_existing_only": True,
            "looker_export": {"add": [LABELS[i % len(LABELS)]]},
        }
        for i in range(first, first + count)
    ]
    return orjson.dumps({"attributes": objects})


async def stream(url: str, bodies: list[bytes], concurrency: int) -> dict[int, int]:
    pending = iter(bodies)
    statuses: dict[int, int] = {}

    async def worker(session: aiohttp.ClientSession) -> None:
        for data in pending:  # one shared iterator: each body is sent once
            async with session.post(f"{url}/users/track", data=data, headers=HEADERS) as answer:
                await answer.read()
                statuses[answer.status] = statuses.get(answer.status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return statuses


async def first_braze_id_lookup(url: str) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        params = {"braze_id": population.braze_id(1)}
        async with session.get(f"{url}/sim/profile", params=params) as answer:
            assert answer.status == 200, answer.status
    return time.perf_counter() - started


def measure_pass(server: psutil.Process, url: str, bodies: list[bytes], concurrency: int) -> dict:
    cpu_before = sum(server.cpu_times()[:2])
    started = time.perf_counter()
    statuses = asyncio.run(stream(url, bodies, concurrency))
    wall = time.perf_counter() - started
    cpu = sum(server.cpu_times()[:2]) - cpu_before
    return {"wall": wall, "cpu": cpu, "statuses": statuses, "rss": server.memory_info().rss}


def report(number: int, rows: int, requests: int, figures: dict) -> None:
    wall, cpu = figures["wall"], figures["cpu"]
    print(f"  pass {number}: statuses {figures['statuses']}")
    print(f"    wall clock     {rows / wall:>10,.0f} objects/s ({requests / wall:,.0f} requests/s)")
    print(f"    simulator CPU  {rows / cpu:>10,.0f} objects per CPU second ({cpu:.2f} s)")
    print(f"    RSS after      {figures['rss'] / MIB:>10,.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    bodies = request_bodies(args.rows, args.users)
    size = sum(map(len, bodies)) / args.rows
    started = time.perf_counter()
    process, url = start_simulator(args.users)
    startup = time.perf_counter() - started
    server = psutil.Process(process.pid)
    try:
        rss = server.memory_info().rss / MIB
        print(
            f"braze-sim: {args.users:,} seeded users, ready in {startup:.2f} s, RSS {rss:,.0f} MiB"
        )
        print(
            f"  {args.rows:,} objects a pass in {len(bodies):,} requests, {size:.0f} bytes/object"
        )
        for number in (1, 2):
            report(
                number, args.rows, len(bodies), measure_pass(server, url, bodies, args.concurrency)
            )
        lookup = asyncio.run(first_braze_id_lookup(url))
        rss = server.memory_info().rss / MIB
        print(f"  first braze_id lookup (builds the index) {lookup:.2f} s, RSS then {rss:,.0f} MiB")
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
