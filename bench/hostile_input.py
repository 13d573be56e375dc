"""Figures for hostile or huge Looks (issue 9, part 3): what the hub's row parsing costs when a
Look is shaped to hurt it.

    python bench/hostile_input.py                       # everything below
    python bench/hostile_input.py --skip-hub            # the parsing layer only (fast)
    python bench/hostile_input.py --columns 5000 --rows 400

1. A long string inside ``fields``: seconds to find the fields and read the rows (target < 5 s
   for 16 MB; the header scan used to re-read the whole buffer at every 64 KB read).
2. One long cell: seconds per cell size, for the compact layout Looker writes (the fast path)
   and a pretty-printed one (the general path); linear time shows as seconds per MB that stay
   flat as the cell grows.
3. A wide Look (thousands of columns) sent to a real hub (``looker-braze serve``) by download
   URL, as a dry run and as a real send into the Braze simulator: the hub's peak RSS (VmHWM,
   read from /proc), against the issue's 300 MB target. Meanwhile /status is polled: its
   slowest answer during the sends (target < 1 s).
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
from looker_braze.hub.jsondetail import open_stream
from looker_braze.hub.readers import BytesReader
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender

OUT = Path(__file__).parent / "out"
SECRET = "bench-secret"
TARGET_FIELD_SECONDS = 5.0
TARGET_PEAK_RSS_MB = 300
TARGET_STATUS_SECONDS = 1.0
ID_FIELD = {"name": "u.id", "type": "string", "tags": ["braze_id"]}


# ---------------------------------------------------------------- the parsing layer


def field_string_look(megabytes: int, pretty: bool = False) -> bytes:
    described = {**ID_FIELD, "description": "x" * (megabytes << 20)}
    rows = [{"u.id": {"value": f"user-{i}"}} for i in range(1000)]
    option = orjson.OPT_INDENT_2 if pretty else 0
    return orjson.dumps({"fields": {"dimensions": [described]}, "data": rows}, option=option)


def long_cell_look(megabytes: int, pretty: bool = False) -> bytes:
    fields = {"dimensions": [ID_FIELD, {"name": "u.notes", "type": "string"}]}
    rows = [{"u.id": {"value": f"user-{i}"}} for i in range(1000)]
    rows[500]["u.notes"] = {"value": "y" * (megabytes << 20)}
    option = orjson.OPT_INDENT_2 if pretty else 0
    return orjson.dumps({"fields": fields, "data": rows}, option=option)


async def read_seconds(document: bytes) -> float:
    """Seconds to open the stream and read every row, as an action would."""
    started = time.perf_counter()
    stream = await open_stream(BytesReader(document))
    rows = 0
    async for batch in stream.batches(["u.id", "u.notes"]):
        rows += len(batch)
    assert rows == 1000, rows
    return time.perf_counter() - started


def best_of(document: bytes, runs: int = 2) -> float:
    return min(asyncio.run(read_seconds(document)) for _ in range(runs))


def parsing_figures(field_mb: int, cell_sizes: list[int]) -> None:
    for pretty in (False, True):
        layout = "pretty-printed" if pretty else "compact"
        seconds = best_of(field_string_look(field_mb, pretty))
        verdict = "met" if seconds < TARGET_FIELD_SECONDS else "NOT met"
        print(f"{field_mb} MB string in fields ({layout}): {seconds:.2f} s "
              f"(target < {TARGET_FIELD_SECONDS:g} s: {verdict})")  # fmt: skip
    print()
    print(f"{'cell MB':>8} {'compact s':>10} {'s/MB':>7} {'pretty s':>9} {'s/MB':>7}")
    for size in cell_sizes:
        compact = best_of(long_cell_look(size))
        pretty = best_of(long_cell_look(size, pretty=True))
        print(f"{size:>8} {compact:>10.2f} {compact / size:>7.3f} {pretty:>9.2f} "
              f"{pretty / size:>7.3f}")  # fmt: skip


# ---------------------------------------------------------------- a wide Look, a real hub


def wide_look(columns: int, rows: int, tagged: int) -> Path:
    """A json_detail Look of ``columns`` string columns (``tagged`` of them Braze attributes),
    cached under bench/out/."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"look-wide-{columns}x{rows}-{tagged}.json"
    if path.exists():
        return path
    names = [f"v.column_{c:05d}" for c in range(columns)]
    fields = [ID_FIELD] + [
        {"name": name, "type": "string", "label": f"Column {c}",
         "tags": [f"braze[column_{c}]"] if c < tagged else []}
        for c, name in enumerate(names)
    ]  # fmt: skip
    head = orjson.dumps({"fields": {"dimensions": fields, "measures": []}})[:-1]
    with path.open("wb") as out:
        out.write(head + b',"data":[')
        for r in range(rows):
            cells = ",".join(f'"{name}":{{"value":"r{r}-c{c}"}}' for c, name in enumerate(names))
            out.write(b"," if r else b"")
            out.write(f'{{"u.id":{{"value":"user-{r}"}},{cells}}}'.encode())
        out.write(b"]}")
    return path


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def slowest_status(url: str, stop: asyncio.Event) -> float:
    """The slowest /status answer (seconds) until ``stop`` is set."""
    slowest = 0.0
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            started = time.perf_counter()
            async with session.get(f"{url}/status") as response:
                await response.read()
            slowest = max(slowest, time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return slowest


async def send(hub_url: str, braze_url: str, look: Path, label: str, dry_run: bool) -> dict:
    async with LookerSender(hub_url, token=new_token(SECRET)) as looker:
        result = await looker.execute(
            "braze",
            params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
            form_params={
                "braze_update_existing_only": "no",
                "braze_segment": label,
                "braze_dry_run": "yes" if dry_run else "no",
            },
            look=look,
        )
    return result.looker or {"message": result.body_text[:300]}


async def hub_figures(looks: dict[str, Path]) -> None:
    """Each Look in a hub of its own (so each peak is one Look's): a dry run, then a send."""
    peaks, slowest = [], 0.0
    for name, look in looks.items():
        peak, status = await one_hub(name, look)
        peaks.append(peak)
        slowest = max(slowest, status)
    verdict = "met" if max(peaks) <= TARGET_PEAK_RSS_MB else "NOT met"
    print(f"hub peak RSS: {max(peaks):.0f} MB at most (target <= {TARGET_PEAK_RSS_MB}: {verdict})")
    verdict = "met" if slowest < TARGET_STATUS_SECONDS else "NOT met"
    print(f"slowest /status during the sends: {slowest:.3f} s "
          f"(target < {TARGET_STATUS_SECONDS:g}: {verdict})")  # fmt: skip


async def one_hub(name: str, look: Path) -> tuple[float, float]:
    """(peak RSS MB, slowest /status s) of a fresh hub that reads ``look`` twice."""
    with (
        tempfile.TemporaryDirectory() as folder,
        spawn(["braze-sim", "--port", "0", "--users", "0"]) as braze,
        spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env(braze.url, folder)) as hub,
    ):
        pid = hub.process.pid
        rest = peak_rss_mb(pid)
        stop = asyncio.Event()
        poller = asyncio.create_task(slowest_status(hub.url, stop))
        for dry_run in (True, False):
            started = time.perf_counter()
            answer = await send(hub.url, braze.url, look, f"{name}-{dry_run}", dry_run)
            kind = "dry run" if dry_run else "send"
            print(f"{name} ({look.stat().st_size / 2**20:.0f} MB), {kind}: "
                  f"{time.perf_counter() - started:.1f} s, success={answer.get('success')}, "
                  f"hub peak RSS {peak_rss_mb(pid):.0f} MB (at rest {rest:.0f})")  # fmt: skip
            if not answer.get("success"):
                print(f"  {answer.get('message', '')[:300]}")
        stop.set()
        return peak_rss_mb(pid), await poller


def hub_env(braze_url: str, folder: str) -> dict[str, str]:
    return {
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "bench",
        "ACTION_HUB_SECRET": SECRET,
        "LOOKER_BRAZE_EXTRA_ENDPOINTS": braze_url,
        "LOOKER_BRAZE_LOG_LEVEL": "warning",
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{folder}/state.sqlite3",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--field-mb", type=int, default=16)
    parser.add_argument("--cell-mb", type=int, nargs="*", default=[8, 32, 64])
    parser.add_argument("--columns", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--skip-hub", action="store_true", help="The parsing layer only.")
    parser.add_argument("--wide-only", action="store_true", help="Only the wide Looks.")
    args = parser.parse_args()
    if not args.wide_only:
        parsing_figures(args.field_mb, args.cell_mb)
        print()
    if args.skip_hub:
        return
    looks = {
        f"{args.columns} columns, 3 tagged": wide_look(args.columns, args.rows, 3),
        f"{args.columns} columns, all tagged": wide_look(args.columns, args.rows, args.columns),
    }
    if not args.wide_only:
        looks[f"{args.field_mb} MB string in fields"] = write(
            "field-string", field_string_look(args.field_mb)
        )
        looks[f"{max(args.cell_mb)} MB cell"] = write(
            "long-cell", long_cell_look(max(args.cell_mb))
        )
    asyncio.run(hub_figures(looks))


def write(name: str, document: bytes) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"look-{name}.json"
    path.write_bytes(document)
    return path


if __name__ == "__main__":
    main()
