"""bench/currents_dashboards.py still runs end to end (it once failed at start, on a renamed
attribute, and nobody noticed until the next benchmark): a tiny data set is generated, loaded and
queried by every dashboard query, as `make bench` would on 10 million events."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from looker_braze.currents.dashboards import dashboards_of
from looker_braze.currents.report.queries import dashboard_queries

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "currents_dashboards.py"


@pytest.mark.slow
def test_dashboard_bench_runs_every_query_on_a_tiny_data_set(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "5000", "--runs", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=500,  # ~20 s on a quiet machine; 205 s was seen with two busy test workers
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ran = re.search(
        r"^run 1: (\d+) dashboard queries in [\d.]+ s wall, [\d.]+ s CPU", done.stdout, re.M
    )
    assert ran, done.stdout
    assert int(ran.group(1)) == len(dashboard_queries())
    assert "peak RSS of this process:" in done.stdout
    # Every dashboard is charged its queries' seconds, and the files stay in the folder given.
    charged = set(re.findall(r"^    (.+): [\d.]+ / [\d.]+$", done.stdout, re.M))
    assert charged == {dashboards_of(model)[0] for _, model, _ in dashboard_queries()}
    assert (tmp_path / "currents-5000.duckdb").exists()
