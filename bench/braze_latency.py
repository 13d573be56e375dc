"""How much of the workspace's rate limit a send uses when Braze is 0, 50, 100 and 200 ms away.

Three processes, as in production: the hub (`looker-braze serve`, DEFAULT settings but for the
rate limit, set to the simulator's), the Braze simulator (`looker-braze braze-sim` with that rate
limit and the latency under test) and this script, which plays Looker. For each latency one send
of a Look large enough to last several windows of the limit; while it runs the simulator's
processed objects are sampled, and the figure is the steady rate (after the first window, whose
burst the sliding window allows, and before the Look runs out) divided by the limit in objects per
second. Also printed: the 429s Braze (the simulator) answered, and the hub's peak RSS.

    python bench/braze_latency.py                      # Braze's 3000/3 and a lower 600/3
    python bench/braze_latency.py --limit 3000/3 --latency 0 50 --windows 4

On a machine where the hub, the simulator and this script share two cores, Braze's default limit
(1,000 requests, 75,000 objects a second) can be more than the CPUs carry: the figure then shows
the CPU, not the hub's concurrency. The lower limit is there to show the concurrency alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from itertools import pairwise
from pathlib import Path

import aiohttp

from hub_throughput import SECRET, hub_env  # the same hub set-up (bench/ is on the path)
from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, write_look

OUT = Path(__file__).parent / "out"
OBJECTS_PER_REQUEST = 75
TARGET_SHARE = 0.90
TARGET_PEAK_RSS_MB = 150
CPU_BOUND = 0.85  # busy share past which the CPUs, not the concurrency, set the pace
SAMPLE_SECONDS = 0.05


def look_file(rows: int) -> Path:
    """A generated narrow Look (cached under bench/out/): every row a distinct user."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"look-narrow-{rows}.json"
    if not path.exists():
        spec = LookSpec(rows=rows, known_users=rows, seed=1, attributes=("first_name",))
        write_look(spec, path)
    return path


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) ticks of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def sample(session: aiohttp.ClientSession, braze_url: str, into: list, done: asyncio.Event):
    """(time, objects processed) every SAMPLE_SECONDS until ``done``."""
    while not done.is_set():
        async with session.get(f"{braze_url}/sim/stats") as answer:
            stats = await answer.json()
        into.append((time.perf_counter(), stats["objects_processed"]))
        await asyncio.sleep(SAMPLE_SECONDS)


def steady_rate(samples: list[tuple[float, int]], total: int, per_window: float) -> float:
    """Objects/s in the steady state: a window's worth of objects divided by the time between
    the moments the processed count reached one and then J windows' worth. The sliding window
    lets requests come in bursts; those moments all sit at the same point of a burst, so the
    figure is exact whatever the bursts look like (and the first window's is left out)."""
    marks = int(total * 0.98 // per_window)  # the Look runs out in the last window
    if marks < 3:
        raise SystemExit("the send was too short to measure: raise --windows")
    first, last = _time_reaching(samples, per_window), _time_reaching(samples, marks * per_window)
    return per_window * (marks - 1) / (last - first)


def _time_reaching(samples: list[tuple[float, int]], count: float) -> float:
    """When the processed count reached ``count``, between the two samples around it."""
    for (t0, d0), (t1, d1) in pairwise(samples):
        if d0 < count <= d1:
            return t0 + (t1 - t0) * (count - d0) / (d1 - d0)
    raise SystemExit(f"the samples never reached {count:,.0f} objects")


async def one_send(hub, braze, look: Path, rows: int, label: str, per_window: float) -> dict:
    """One send; its figures: steady objects/s, 429s, and how busy the CPUs were."""
    braze_url = braze.url
    samples: list[tuple[float, int]] = []
    done = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        busy_before, total_before = cpu_ticks()
        processes = {"hub": hub.process.pid, "sim": braze.process.pid}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        started = time.perf_counter()
        sampler = asyncio.create_task(sample(session, braze_url, samples, done))
        async with LookerSender(hub.url, token=new_token(SECRET)) as looker:
            result = await looker.execute(
                "braze",
                params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
                form_params={"braze_update_existing_only": "no", "braze_segment": label},
                look=look,
            )
        done.set()
        wall = time.perf_counter() - started
        cpu = {
            name: (cpu_seconds(pid) - cpu_before[name]) / wall for name, pid in processes.items()
        }
        busy_after, total_after = cpu_ticks()
        await sampler
        stats = await _call(session, "GET", f"{braze_url}/sim/stats")
    if not (result.looker or {}).get("success"):
        raise SystemExit(f"the send failed: {result.looker or result.body_text[:300]}")
    return {
        "rate": steady_rate(samples, rows, per_window),
        "429s": stats["rate_limited_requests"],
        "busy": (busy_after - busy_before) / max(total_after - total_before, 1),
        "hub_cpu": cpu["hub"],
        "sim_cpu": cpu["sim"],
    }


async def _call(session: aiohttp.ClientSession, method: str, url: str, **kwargs) -> dict:
    async with session.request(method, url, **kwargs) as answer:
        answer.raise_for_status()
        return await answer.json()


async def one_limit(limit: str, latencies: list[int], windows: float) -> list[dict]:
    requests, seconds = (float(part) for part in limit.split("/"))
    objects_per_second = requests / seconds * OBJECTS_PER_REQUEST
    rows = int(objects_per_second * seconds * (windows + 1))
    look = look_file(rows)
    results = []
    sim_args = ["braze-sim", "--port", "0", "--rate-limit", limit]
    with (
        tempfile.TemporaryDirectory() as folder,
        spawn(sim_args) as braze,
        spawn(["serve", "--host", "127.0.0.1", "--port", "0"], _hub_env(braze.url, folder, limit))
        as hub,
    ):  # fmt: skip
        async with aiohttp.ClientSession() as session:
            for latency in latencies:
                await _call(session, "POST", f"{braze.url}/sim/reset")  # users and stats
                faults = {"latency_ms": [latency, latency]}  # after the reset, which undoes it
                await _call(session, "PUT", f"{braze.url}/sim/faults", json=faults)
                figures = await one_send(
                    hub, braze, look, rows, f"lat-{latency}", requests * OBJECTS_PER_REQUEST
                )
                figures |= {"limit": limit, "latency": latency, "rows": rows}
                figures["share"] = figures["rate"] / objects_per_second
                figures["rss"] = peak_rss_mb(hub.process.pid)
                results.append(figures)
    return results


def cpu_bound(figures: dict) -> bool:
    """The machine, or one of the single-threaded processes, had no CPU to spare."""
    return max(figures["busy"], figures["hub_cpu"], figures["sim_cpu"]) >= CPU_BOUND


def _hub_env(braze_url: str, folder: str, limit: str) -> dict[str, str]:
    requests, seconds = limit.split("/")
    return {
        **hub_env(braze_url, folder),
        "LOOKER_BRAZE_RATE_LIMIT_REQUESTS": requests,
        "LOOKER_BRAZE_RATE_LIMIT_SECONDS": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", nargs="*", default=["3000/3", "600/3"], metavar="REQ/S")
    parser.add_argument("--latency", type=int, nargs="*", default=[0, 50, 100, 200])
    parser.add_argument(
        "--windows", type=float, default=4, help="Length of each send in windows of the limit."
    )
    args = parser.parse_args()
    results = [r for limit in args.limit for r in asyncio.run(one_limit(limit, args.latency,
                                                                        args.windows))]  # fmt: skip
    print(f"{'limit':>8} {'latency ms':>10} {'rows':>10} {'objects/s':>10} {'share of limit':>15} "
          f"{'429s':>5} {'hub CPU':>8} {'sim CPU':>8} {'machine':>8} "
          f"{'hub peak RSS MB':>16}")  # fmt: skip
    for r in results:
        print(
            f"{r['limit']:>8} {r['latency']:>10} {r['rows']:>10,} {r['rate']:>10,.0f} "
            f"{r['share']:>15.0%} {r['429s']:>5} {r['hub_cpu']:>8.0%} {r['sim_cpu']:>8.0%} "
            f"{r['busy']:>8.0%} {r['rss']:>16.0f}"
        )
    print(
        f"(hub CPU, sim CPU: of one core, each process has one event loop; machine: all "
        f"{os.cpu_count()} CPUs, other users included; all during the whole send)"
    )
    print()
    for limit in args.limit:
        runs = [r for r in results if r["limit"] == limit and r["latency"] > 0]
        if not runs:
            continue
        worst = min(r["share"] for r in runs)
        verdict = "met" if worst >= TARGET_SHARE else "NOT met"
        bound = any(cpu_bound(r) for r in runs)
        why = (
            "CPU-bound: the machine was busy, these figures measure the CPUs, not the hub's "
            "concurrency"
            if bound
            else "the CPUs had room: concurrency and the limiter set the pace"
        )
        print(f"{limit}: lowest share at 50 ms and more: {worst:.0%} "
              f"(target >= {TARGET_SHARE:.0%}: {verdict}); {why}")  # fmt: skip
    peak = max(r["rss"] for r in results)
    verdict = "met" if peak < TARGET_PEAK_RSS_MB else "NOT met"
    print(f"hub peak RSS: {peak:.0f} MB (target < {TARGET_PEAK_RSS_MB}: {verdict})")


if __name__ == "__main__":
    main()
