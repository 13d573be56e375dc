"""The hub's memory and responsiveness during executes whose rows come inline, base64-encoded, in
a request body near the body limit (issue 9: peak RSS at most 300 MB for any single execute up to
the body limit, /status answering within 1 s meanwhile).

Three processes, as in production: the hub (`looker-braze serve`), the Braze simulator and this
script, which plays Looker: it writes the execute body to a temporary file (a json_detail Look of
about 1 KB rows, base64 in the attachment) and streams it to the hub, while it asks /status every
50 ms. The hub's peak RSS (VmHWM) and its RSS afterwards are read from /proc.

    python bench/inline_body.py                  # one 240 MB execute
    python bench/inline_body.py --mb 100 --runs 4  # four 100 MB executes at once
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from looker_braze.hub.auth import authorization_header, new_token
from looker_braze.processes import spawn

SECRET = "bench-secret"
TARGET_PEAK_MB = 300
TARGET_STATUS_SECONDS = 1.0
ROWS_PER_BLOCK = 1000
FIELDS = {
    "dimensions": [
        {"name": "users.external_id", "type": "string", "tags": ["braze_id"]},
        {"name": "users.first_name", "type": "string", "tags": ["braze[first_name]"]},
        {"name": "users.notes", "type": "string", "tags": []},  # read past, never sent
    ]
}


def write_look(path: Path, size: int) -> int:
    """A json_detail Look of about ``size`` bytes, every row a distinct user; its row count."""
    rows = 0
    with path.open("wb") as out:
        out.write(b'{"fields":' + orjson.dumps(FIELDS) + b',"data":[')
        while out.tell() < size:
            block = [_row(rows + i) for i in range(ROWS_PER_BLOCK)]
            out.write((b"," if rows else b"") + orjson.dumps(block)[1:-1])
            rows += ROWS_PER_BLOCK
        out.write(b"]}")
    return rows


def _row(n: int) -> dict:
    return {
        "users.external_id": {"value": f"inline-{n}"},
        "users.first_name": {"value": f"Name {n}"},
        "users.notes": {"value": "note " * 180},
    }


def write_execute_body(look: Path, path: Path, segment: str, braze_url: str) -> int:
    """The execute request Looker would send with the Look inline (base64); its size."""
    envelope = {
        "type": "query",
        "scheduled_plan": {"title": "Inline bench", "type": "Look"},
        "data": {"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
        "form_params": {"braze_update_existing_only": "no", "braze_segment": segment},
        "attachment": {"mimetype": "application/json;base64", "extension": "json", "data": ""},
    }
    head, tail = orjson.dumps(envelope).split(b'"data":""')
    with look.open("rb") as source, path.open("wb") as out:
        out.write(head + b'"data":"')
        while chunk := source.read(3 * 1024 * 1024):  # whole groups of 3 bytes: no padding inside
            out.write(base64.b64encode(chunk))
        out.write(b'"' + tail)
        return out.tell()


async def _file_chunks(path: Path):
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            yield chunk


async def post_execute(url: str, body: Path) -> dict:
    headers = {"Authorization": authorization_header(new_token(SECRET))}
    timeout = aiohttp.ClientTimeout(total=1800)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(f"{url}/actions/braze/execute", data=_file_chunks(body), headers=headers) as r,
    ):
        return orjson.loads(await r.read())["looker"]


async def worst_status_seconds(url: str, stop: asyncio.Event) -> float:
    worst = 0.0
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(f"{url}/status") as answer:
                await answer.read()
            worst = max(worst, time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return worst


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return {key: int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}


async def measure(hub_url: str, hub_pid: int, bodies: list[Path]) -> dict:
    """Send the bodies at once; the hub's figures and the answers."""
    baseline = memory_mb(hub_pid)["VmRSS"]
    stop = asyncio.Event()
    watcher = asyncio.create_task(worst_status_seconds(hub_url, stop))
    started = time.perf_counter()
    answers = await asyncio.gather(*(post_execute(hub_url, body) for body in bodies))
    seconds = time.perf_counter() - started
    stop.set()
    worst = await watcher
    await asyncio.sleep(1.0)  # the runs' tasks end just after their answers
    after = memory_mb(hub_pid)
    return {
        "baseline_mb": baseline,
        "peak_mb": after["VmHWM"],
        "after_mb": after["VmRSS"],
        "worst_status_s": worst,
        "seconds": seconds,
        "answers": answers,
    }


def hub_env(braze_url: str, folder: str) -> dict[str, str]:
    return {
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "bench",
        "ACTION_HUB_SECRET": SECRET,
        "LOOKER_BRAZE_EXTRA_ENDPOINTS": braze_url,
        "LOOKER_BRAZE_LOG_LEVEL": "warning",
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{folder}/state.sqlite3",
    }


def prepare(folder: Path, megabytes: float, runs: int, braze_url: str) -> tuple[list[Path], int]:
    """The execute bodies (base64 makes a body 4/3 of its Look); the rows in each."""
    look = folder / "look.json"
    rows = write_look(look, int(megabytes * 1024 * 1024 * 3 / 4))
    bodies = [folder / f"execute-{n}.json" for n in range(runs)]
    for n, body in enumerate(bodies):
        write_execute_body(look, body, f"inline-{n}", braze_url)
    look.unlink()
    return bodies, rows


async def run(megabytes: float, runs: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="looker-braze-inline-") as folder,
        spawn(["braze-sim", "--port", "0", "--users", "0"]) as braze,
        spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env(braze.url, folder)) as hub,
    ):
        bodies, rows = prepare(Path(folder), megabytes, runs, braze.url)
        size = bodies[0].stat().st_size / 1024 / 1024
        print(f"{runs} execute(s) of {size:.0f} MB each ({rows:,} rows inline, base64)")
        figures = await measure(hub.url, hub.process.pid, bodies)
    for answer in figures["answers"]:
        print(f"  answer: success={answer['success']} {answer['message'][:100]}")
    peak, worst = figures["peak_mb"], figures["worst_status_s"]
    print(f"wall time: {figures['seconds']:.1f} s")
    print(f"hub RSS before: {figures['baseline_mb']:.0f} MB, after: {figures['after_mb']:.0f} MB")
    print(f"hub peak RSS: {peak:.0f} MB (target <= {TARGET_PEAK_MB} for one execute: "
          f"{'met' if peak <= TARGET_PEAK_MB else 'NOT met'})")  # fmt: skip
    print(f"/status worst answer: {worst:.3f} s (target < {TARGET_STATUS_SECONDS:g}: "
          f"{'met' if worst < TARGET_STATUS_SECONDS else 'NOT met'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=240, help="Size of each execute body, MB.")
    parser.add_argument("--runs", type=int, default=1, help="Executes sent at once.")
    args = parser.parse_args()
    asyncio.run(run(args.mb, args.runs))


if __name__ == "__main__":
    main()
