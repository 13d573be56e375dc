"""How fast `looker-braze check --look` reads a Look, and that its memory does not grow with it.

Writes generated Looks of several sizes (with duplicates, empty ids and invalid values planted,
so every counting path runs) and runs the real command on each as its own process, sampling the
process's resident memory with psutil. Prints rows/s by the wall clock and the peak RSS; the
peak should stay nearly flat while the rows grow (identifiers cost ~8 bytes each in SeenIds).

    .venv/bin/python bench/check_look.py [--rows 100000,1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from looker_braze.sim.looks import LookSpec, write_look

EXECUTABLE = Path(sys.executable).parent / "looker-braze"
MIB = 1024 * 1024


def spec(rows: int) -> LookSpec:
    return LookSpec(rows=rows, seed=1, duplicate_share=0.05, invalid_id_share=0.01,
                    invalid_attribute_share=0.02, null_share=0.1)  # fmt: skip


def measure(path: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one `check --look` process."""
    started = time.perf_counter()
    process = psutil.Popen([str(EXECUTABLE), "check", "--look", str(path), "--json"],
                           stdout=subprocess.DEVNULL)  # fmt: skip
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.02)
    return time.perf_counter() - started, peak / MIB, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="100000,1000000")
    sizes = [int(n) for n in parser.parse_args().rows.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'rows':>10} {'MiB file':>9} {'seconds':>8} {'rows/s':>10} {'peak RSS MiB':>13}")
        for rows in sizes:
            path = Path(folder) / f"look-{rows}.json"
            truth = write_look(spec(rows), path)
            seconds, peak, code = measure(path)
            assert code == 1, "the planted problems must be found"
            print(f"{rows:>10,} {truth.bytes / MIB:>9.0f} {seconds:>8.2f} "
                  f"{rows / seconds:>10,.0f} {peak:>13.0f}")  # fmt: skip
            path.unlink()


if __name__ == "__main__":
    main()
