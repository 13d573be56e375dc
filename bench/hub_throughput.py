"""Rows/s and peak RSS of the hub for one execute through download_url into the Braze simulator.

Three processes, as in production: the hub (`looker-braze serve`), the Braze simulator
(`looker-braze braze-sim`, no rate limit) and this script, which plays Looker (one-time download
server + execute). The hub's own CPU time and peak RSS (VmHWM) are read from /proc, so the
figures are the hub's alone. Several row counts run side by side in one run, so the ratios and
the flatness of memory can be compared without trusting absolute times on a shared machine.

    python bench/hub_throughput.py                 # both shapes, 100,000 and 1,000,000 rows
    python bench/hub_throughput.py --rows 250000 --shape narrow

Shapes: "narrow" is a typical audience Look (the identifier and two tagged attributes);
"wide" tags nine attributes of every type and adds a measure and a table calculation (about
500 bytes a row, twelve cells).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from looker_braze.hub.auth import new_token
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, write_look

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent
SECRET = "bench-secret"
TARGET_ROWS_PER_CPU_SECOND = 100_000
TARGET_PEAK_RSS_MB = 150


SHAPES = {
    "narrow": {"attributes": ("first_name", "loyalty_tier"), "table_calculation": False},
    "wide": {},
}


def look_file(rows: int, shape: str) -> tuple[Path, int]:
    """A generated Look (cached): every row a distinct user."""
    OUT.mkdir(exist_ok=True)
    spec = LookSpec(rows=rows, known_users=rows, seed=1, **SHAPES[shape])
    path = OUT / f"look-{shape}-{rows}.json"
    if not path.exists():
        truth = write_look(spec, path)
        assert truth.distinct_ids == rows
    return path, rows


def start(command: list[str], env: dict | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise SystemExit(f"{command[1]} did not start: {line!r}")
    return process, line.split()[-1]


def proc_figures(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of a process, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return cpu, int(line.split()[1]) / 1024
    return cpu, float("nan")


async def one_run(rows: int, shape: str) -> dict:
    path, _ = look_file(rows, shape)
    sim, sim_url = start([str(BIN / "looker-braze"), "braze-sim", "--port", "0", "--users", "0"])
    env = {
        **os.environ,
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "bench",
        "ACTION_HUB_SECRET": SECRET,
        "LOOKER_BRAZE_EXTRA_ENDPOINTS": sim_url,
        "LOOKER_BRAZE_LOG_LEVEL": "warning",
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{OUT}/bench-state.sqlite3",
    }
    hub, hub_url = start(
        [str(BIN / "looker-braze"), "serve", "--host", "127.0.0.1", "--port", "0"], env
    )
    try:
        cpu_before, _ = proc_figures(hub.pid)
        started = time.perf_counter()
        async with LookerSender(hub_url, token=new_token(SECRET)) as looker:
            result = await looker.execute(
                "braze",
                params={"braze_api_key": "sim-key", "braze_api_endpoint": sim_url},
                form_params={"braze_update_existing_only": "no"},
                look=path,
            )
        wall = time.perf_counter() - started
        cpu_after, peak = proc_figures(hub.pid)
    finally:
        hub.terminate()
        sim.terminate()
        hub.wait()
        sim.wait()
    if not (result.looker or {}).get("success"):
        raise SystemExit(f"the execute failed: {result.looker or result.body_text[:300]}")
    cpu = cpu_after - cpu_before
    return {"shape": shape, "rows": rows, "wall": wall, "cpu": cpu, "peak_mb": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--shape", choices=sorted(SHAPES), nargs="*", default=["narrow", "wide"])
    args = parser.parse_args()
    runs = [(shape, rows) for shape in args.shape for rows in args.rows]
    results = [asyncio.run(one_run(rows, shape)) for shape, rows in runs]
    print(f"{'shape':>7} {'rows':>10} {'wall s':>7} {'rows/s wall':>12} {'hub cpu s':>10} "
          f"{'rows/hub-cpu-s':>15} {'hub peak RSS MB':>16}")  # fmt: skip
    for r in results:
        print(
            f"{r['shape']:>7} {r['rows']:>10,} {r['wall']:>7.1f} {r['rows'] / r['wall']:>12,.0f} "
            f"{r['cpu']:>10.1f} {r['rows'] / r['cpu']:>15,.0f} {r['peak_mb']:>16.0f}"
        )
    print()
    for shape in args.shape:
        biggest = max((r for r in results if r["shape"] == shape), key=lambda r: r["rows"])
        rate = biggest["rows"] / biggest["cpu"]
        verdict = "met" if rate >= TARGET_ROWS_PER_CPU_SECOND else "NOT met"
        print(f"{shape}: {rate:,.0f} rows per hub CPU-second at {biggest['rows']:,} rows "
              f"(target >= {TARGET_ROWS_PER_CPU_SECOND:,}: {verdict})")  # fmt: skip
    peak = max(r["peak_mb"] for r in results)
    verdict = "met" if peak < TARGET_PEAK_RSS_MB else "NOT met"
    print(
        f"hub peak RSS: {peak:.0f} MB at most over all runs "
        f"(target < {TARGET_PEAK_RSS_MB}: {verdict})"
    )


if __name__ == "__main__":
    main()
