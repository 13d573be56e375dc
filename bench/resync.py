"""A daily re-sync through the whole product: what a 1%-changed audience costs in Braze.

The hub (`looker-braze serve`, SQLite state) syncs a Look of N users into the Braze simulator,
then the next day's Look, in which 1% changed (a third left, a third joined, a third got a new
attribute value). The simulator counts the objects and data points each send cost; the first
sync is the full-resend baseline.

    python bench/resync.py                 # 1,000,000 users
    python bench/resync.py --users 200000
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

SECRET = "resync-secret"
LABEL = "DAILY"
FIELDS = {
    "dimensions": [
        {"name": "u.id", "type": "string", "tags": ["braze_id"]},
        {"name": "u.tier", "type": "string", "tags": ["braze[tier]"]},
        {"name": "u.ltv", "type": "number", "is_numeric": True, "tags": ["braze[ltv]"]},
    ],
    "measures": [],
}


def write_look(path: Path, users: range | list[int], changed: set[int]) -> None:
    with path.open("wb") as file:
        file.write(b'{"fields":' + orjson.dumps(FIELDS) + b',"data":[')
        for n, i in enumerate(users):
            row = {
                "u.id": {"value": population.external_id(i)},
                "u.tier": {"value": "platinum" if i in changed else "gold"},
                "u.ltv": {"value": i % 1000},
            }
            file.write((b"," if n else b"") + orjson.dumps(row))
        file.write(b"]}")


def days(users: int, folder: Path) -> tuple[Path, Path, int]:
    """Day one: users 0..N-1. Day two: 1% changed, in three equal parts."""
    third = users // 300
    day_one, day_two = folder / "day1.json", folder / "day2.json"
    write_look(day_one, range(users), set())
    kept = range(third, users)  # the first third-percent left
    joined = range(users, users + third)
    write_look(day_two, [*kept, *joined], set(range(third, 2 * third)))
    return day_one, day_two, third


async def sync(hub_url: str, braze_url: str, look: Path) -> dict:
    async with LookerSender(hub_url, token=new_token(SECRET)) as looker:
        result = await looker.execute(
            "braze",
            params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
            form_params={"braze_segment": LABEL, "braze_mode": "sync"},
            look=look,
        )
    if not (result.looker or {}).get("success"):
        raise SystemExit(f"the sync failed: {result.looker or result.body_text[:300]}")
    return result.looker


async def stats(braze_url: str) -> dict:
    async with aiohttp.ClientSession() as http, http.get(f"{braze_url}/sim/stats") as response:
        return await response.json()


def cpu_seconds(pid: int) -> float:
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(users: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        day_one, day_two, third = days(users, folder)
        env = {
            "ACTION_HUB_BASE_URL": "http://127.0.0.1",
            "ACTION_HUB_LABEL": "resync",
            "ACTION_HUB_SECRET": SECRET,
            "LOOKER_BRAZE_STATE_URL": f"sqlite:///{folder}/state.sqlite3",
            "LOOKER_BRAZE_LOG_LEVEL": "warning",
        }
        sim = ["braze-sim", "--port", "0", "--users", str(users + third)]
        with spawn(sim) as braze:
            hub_env = env | {"LOOKER_BRAZE_EXTRA_ENDPOINTS": braze.url}
            with spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env) as hub:
                figures = []
                for look in (day_one, day_two):
                    before, cpu, started = (
                        await stats(braze.url),
                        cpu_seconds(hub.process.pid),
                        time.perf_counter(),
                    )
                    answer = await sync(hub.url, braze.url, look)
                    after = await stats(braze.url)
                    figures.append(
                        {
                            "objects": after["objects_received"] - before["objects_received"],
                            "points": after["data_points"] - before["data_points"],
                            "wall": time.perf_counter() - started,
                            "cpu": cpu_seconds(hub.process.pid) - cpu,
                            "message": answer["message"],
                        }
                    )
    report(users, third, figures)


def report(users: int, third: int, figures: list[dict]) -> None:
    full, daily = figures
    print(f"audience: {users:,} users; next day {3 * third:,} changed "
          f"({third:,} left, {third:,} joined, {third:,} new attribute value)")  # fmt: skip
    for name, run in (("first sync (full resend)", full), ("daily re-sync", daily)):
        print(f"  {name:26s} objects {run['objects']:>10,}  data points {run['points']:>10,}  "
              f"hub {run['wall']:5.1f} s wall, {run['cpu']:5.1f} s CPU")  # fmt: skip
    print(
        f"re-sync / full resend: objects {daily['objects'] / full['objects']:.2%}, "
        f"data points {daily['points'] / full['points']:.2%} (target: about 1%)"
    )
    print(f"the hub's answer: {daily['message']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().users))
