"""Hostile Looks against a real hub process (``looker-braze serve``), sent by the Looker sender
through download URLs into the Braze simulator: the hub's peak RSS stays within the issue's
300 MB, /status keeps answering within a second, and each send ends in seconds.

The hub runs as a child process so that its peak RSS (VmHWM, from /proc) is its own."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the hub's RSS in /proc")

SECRET = "hostile-secret"
MB = 1 << 20
ID_FIELD = {"name": "u.id", "type": "string", "tags": ["braze_id"]}
PEAK_RSS_MB = 300
STATUS_SECONDS = 1.0


def field_string_look(path: Path) -> Path:
    described = {**ID_FIELD, "description": "x" * (16 * MB)}
    rows = [{"u.id": {"value": f"user-{i}"}} for i in range(1000)]
    path.write_bytes(orjson.dumps({"fields": {"dimensions": [described]}, "data": rows}))
    return path


def long_cell_look(path: Path) -> Path:
    fields = {"dimensions": [ID_FIELD, {"name": "u.notes", "type": "string"}]}
    rows = [{"u.id": {"value": f"user-{i}"}} for i in range(1000)]
    rows[500]["u.notes"] = {"value": "y" * (64 * MB)}
    path.write_bytes(orjson.dumps({"fields": fields, "data": rows}))
    return path


def wide_look(path: Path, columns: int = 5000, rows: int = 150) -> Path:
    """Every column a Braze attribute: each row becomes an object of 5,000 attributes."""
    names = [f"v.c{c}" for c in range(columns)]
    fields = [ID_FIELD] + [{"name": n, "type": "string", "tags": [f"braze[c{c}]"]}
                           for c, n in enumerate(names)]  # fmt: skip
    with path.open("wb") as out:
        out.write(orjson.dumps({"fields": {"dimensions": fields}})[:-1] + b',"data":[')
        for r in range(rows):
            cells = ",".join(f'"{n}":{{"value":"r{r}-{n}"}}' for n in names)
            out.write((b"," if r else b"") + f'{{"u.id":{{"value":"user-{r}"}},{cells}}}'.encode())
        out.write(b"]}")
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


async def slowest_status(url: str, stop: asyncio.Event) -> float:
    slowest = 0.0
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(f"{url}/status") as response:
                assert response.status == 200
                await response.read()
            slowest = max(slowest, time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return slowest


async def send_all(hub_url: str, braze_url: str, looks: list[Path]) -> tuple[float, list]:
    stop = asyncio.Event()
    poller = asyncio.create_task(slowest_status(hub_url, stop))
    answers = []
    async with LookerSender(hub_url, token=new_token(SECRET)) as looker:
        for n, look in enumerate(looks):
            started = time.perf_counter()
            result = await looker.execute(
                "braze",
                params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
                form_params={"braze_update_existing_only": "no", "braze_segment": f"hostile-{n}"},
                look=look,
            )
            answers.append((look.name, time.perf_counter() - started, result.looker))
    stop.set()
    return await poller, answers


def answers_text(answers: list) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds, _ in answers)


def test_a_real_hub_reads_hostile_looks_in_bounded_memory_and_stays_responsive(tmp_path):
    looks = [
        field_string_look(tmp_path / "field-string.json"),
        long_cell_look(tmp_path / "long-cell.json"),
        wide_look(tmp_path / "wide.json"),
    ]
    env = {
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "hostile",
        "ACTION_HUB_SECRET": SECRET,
        "LOOKER_BRAZE_LOG_LEVEL": "warning",
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3",
    }
    with spawn(["braze-sim", "--port", "0", "--users", "0"]) as braze:
        env["LOOKER_BRAZE_EXTRA_ENDPOINTS"] = braze.url
        with spawn(["serve", "--host", "127.0.0.1", "--port", "0"], env) as hub:
            slowest, answers = asyncio.run(send_all(hub.url, braze.url, looks))
            peak = peak_rss_mb(hub.process.pid)
    print(f"hub peak RSS {peak:.0f} MB, slowest /status {slowest:.2f} s;", answers_text(answers))
    for name, seconds, answer in answers:
        assert answer and answer.get("success"), (name, answer)
        assert seconds < 60, (name, seconds)  # before: > 150 s for the 16 MB string alone
    assert peak < PEAK_RSS_MB, f"hub peak RSS {peak:.0f} MB"
    assert slowest < STATUS_SECONDS, f"slowest /status {slowest:.2f} s"
