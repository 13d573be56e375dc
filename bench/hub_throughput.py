"""Rows/s and peak RSS of the hub for executes through download_url into the Braze simulator.

Three processes, as in production: the hub (`looker-braze serve`), the Braze simulator
(`looker-braze braze-sim`, no rate limit) and this script, which plays Looker (one-time download
server + execute). The hub's own CPU time and peak RSS (VmHWM) are read from /proc, so the
figures are the hub's alone. Each size runs several times in the same hub (each run flags a new
label, so Braze does the full work every time) and the median is reported: absolute times on a
shared two-core machine are noisy, ratios within one run are not. Each size also runs as a dry
run (everything but the requests to Braze), so the difference is what sending costs the hub.

    python bench/hub_throughput.py                        # both shapes, 100,000 and 1,000,000 rows
    python bench/hub_throughput.py --rows 250000 --shape narrow --repeat 5

Shapes: "narrow" is a typical audience Look (the identifier and two tagged attributes);
"wide" tags nine attributes of every type and adds a measure and a table calculation (about
500 bytes a row, twelve cells).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, write_look

OUT = Path(__file__).parent / "out"
SECRET = "bench-secret"
# Hub CPU per row (issue 8): at most 10 us on the wide Look, 5 on the narrow one.
TARGET_US_PER_ROW = {"narrow": 5.0, "wide": 10.0}
TARGET_PEAK_RSS_MB = 150
SHAPES = {
    "narrow": {"attributes": ("first_name", "loyalty_tier"), "table_calculation": False},
    "wide": {},
}


def look_file(rows: int, shape: str) -> Path:
    """A generated Look (cached under bench/out/): every row a distinct user."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"look-{shape}-{rows}.json"
    if not path.exists():
        truth = write_look(LookSpec(rows=rows, known_users=rows, seed=1, **SHAPES[shape]), path)
        assert truth.distinct_ids == rows
    return path


def proc_figures(pid: int) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MB) of a process, from /proc."""
    import os

    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return cpu, int(line.split()[1]) / 1024
    return cpu, float("nan")


async def one_send(
    hub, braze_url: str, path: Path, label: str, dry_run: bool = False
) -> tuple[float, float]:
    """(hub CPU seconds, wall seconds) of one execute."""
    cpu_before, _ = proc_figures(hub.process.pid)
    started = time.perf_counter()
    async with LookerSender(hub.url, token=new_token(SECRET)) as looker:
        result = await looker.execute(
            "braze",
            params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
            form_params={
                "braze_update_existing_only": "no",
                "braze_segment": label,
                "braze_dry_run": "yes" if dry_run else "no",
            },
            look=path,
        )
    wall = time.perf_counter() - started
    if not (result.looker or {}).get("success"):
        raise SystemExit(f"the execute failed: {result.looker or result.body_text[:300]}")
    return proc_figures(hub.process.pid)[0] - cpu_before, wall


async def one_shape(shape: str, sizes: list[int], repeat: int) -> list[dict]:
    looks = {rows: look_file(rows, shape) for rows in sizes}
    results = []
    with (
        tempfile.TemporaryDirectory() as folder,
        spawn(["braze-sim", "--port", "0", "--users", "0"]) as braze,
        spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env(braze.url, folder)) as hub,
    ):
        for rows in sizes:
            runs = [
                await one_send(hub, braze.url, looks[rows], f"{shape}-{rows}-{n}")
                for n in range(repeat)
            ]
            # The same Look as a dry run: everything but the requests to Braze.
            dry_runs = [
                await one_send(hub, braze.url, looks[rows], f"dry-{shape}-{n}", True)
                for n in range(repeat)
            ]
            dry = statistics.median(c for c, _ in dry_runs)
            cpu = statistics.median(c for c, _ in runs)
            wall = statistics.median(w for _, w in runs)
            peak = proc_figures(hub.process.pid)[1]
            results.append(
                {
                    "shape": shape,
                    "rows": rows,
                    "cpu": cpu,
                    "dry_cpu": dry,
                    "wall": wall,
                    "peak_mb": peak,
                    "rates": [rows / c for c, _ in runs],
                }
            )
    return results


def hub_env(braze_url: str, folder: str) -> dict[str, str]:
    """The environment of a benchmark hub (braze_latency.py adds its rate limit)."""
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
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--shape", choices=sorted(SHAPES), nargs="*", default=["narrow", "wide"])
    parser.add_argument("--repeat", type=int, default=3, help="Runs per size (median shown).")
    args = parser.parse_args()
    results = [
        r for shape in args.shape for r in asyncio.run(one_shape(shape, args.rows, args.repeat))
    ]
    print(f"{'shape':>7} {'rows':>10} {'wall s':>7} {'rows/s wall':>12} {'hub cpu s':>10} "
          f"{'hub us/row':>11} {'(each run)':>20} {'dry run us/row':>15} "
          f"{'hub peak RSS MB':>16}")  # fmt: skip
    for r in results:
        each = " ".join(f"{1e6 / rate:.1f}" for rate in r["rates"])
        print(
            f"{r['shape']:>7} {r['rows']:>10,} {r['wall']:>7.1f} {r['rows'] / r['wall']:>12,.0f} "
            f"{r['cpu']:>10.1f} {r['cpu'] / r['rows'] * 1e6:>11.1f} {each:>20} "
            f"{r['dry_cpu'] / r['rows'] * 1e6:>15.1f} {r['peak_mb']:>16.0f}"
        )
    print()
    for shape in args.shape:
        biggest = max((r for r in results if r["shape"] == shape), key=lambda r: r["rows"])
        per_row = biggest["cpu"] / biggest["rows"] * 1e6
        target = TARGET_US_PER_ROW[shape]
        verdict = "met" if per_row <= target else "NOT met"
        print(f"{shape}: {per_row:.1f} us of hub CPU per row at {biggest['rows']:,} rows "
              f"(target <= {target:g}: {verdict})")  # fmt: skip
    peak = max(r["peak_mb"] for r in results)
    verdict = "met" if peak < TARGET_PEAK_RSS_MB else "NOT met"
    print(
        f"hub peak RSS: {peak:.0f} MB at most over all runs "
        f"(target < {TARGET_PEAK_RSS_MB}: {verdict})"
    )


if __name__ == "__main__":
    main()
