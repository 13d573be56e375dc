"""The first-run commands as a user runs them: `looker-braze demo` (plain and --chaos) and
`looker-braze send`, as subprocesses on real ports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from looker_braze.demo.scenario import API_KEY, LABEL, DemoOptions, look_spec, population
from looker_braze.demo.summary import Outcome
from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looks import compute_truth, write_look

COMMAND = str(Path(sys.executable).parent / "looker-braze")
pytestmark = pytest.mark.timeout(600)


def demo(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [COMMAND, "demo", *args], capture_output=True, text=True, timeout=300, env=env
    )


@pytest.mark.parametrize("args", [(), ("--chaos",)])
def test_the_demo_loses_nothing(args):
    result = demo("--rows", "20000", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing lost" in result.stdout
    truth = compute_truth(look_spec(DemoOptions(rows=20000)))
    assert f"{truth.known_ids:,}" in result.stdout  # the segment, as the simulator counts it
    flat = " ".join(result.stdout.split())  # the console wraps long lines
    assert "braze_subscriptions (ok)" in flat  # the same Look, through the subscriptions action
    assert f"{truth.known_ids:,} profiles subscribed" in flat
    # The closed loop: the churn-risk audience found in the generated Currents, its planted
    # response seen against users never in it.
    assert "2,000 members found in Currents" in flat, flat[-2000:]
    lift = re.search(r"([+-]\d+\.\d) points over them", flat)
    assert lift and float(lift.group(1)) > 5, flat[-2000:]
    converted = re.search(r"users never in it \d+\.\d%: ([+-]\d+\.\d) points\)", flat)
    assert converted and float(converted.group(1)) > 3, flat[-2000:]  # 10 points planted
    if args:  # Braze failed one request in ten: every one of them was retried
        faults = re.search(r"of which 5xx \(injected faults\)\s*│\s*([\d,]+)", result.stdout)
        assert faults and int(faults.group(1).replace(",", "")) > 0


def test_a_loss_makes_the_demo_fail():
    truth = compute_truth(look_spec(DemoOptions(rows=1000)))
    answer = {"success": True, "message": "m"}
    whole = Outcome(truth, answer, truth.known_ids, {}, {}, {}, 1.0, LABEL)
    short = Outcome(truth, answer, truth.known_ids - 1, {}, {}, {}, 1.0, LABEL)
    assert whole.ok and not short.ok and short.lost == 1


async def test_send_against_the_local_hub_reproduces_the_demo(tmp_path):
    spec = look_spec(DemoOptions(rows=20000))
    truth = write_look(spec, tmp_path / "look.json")
    secret = "send-secret"
    env = {
        "ACTION_HUB_BASE_URL": "http://127.0.0.1",
        "ACTION_HUB_LABEL": "local",
        "ACTION_HUB_SECRET": secret,
        "LOOKER_BRAZE_STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3",
    }
    sim_args = ["braze-sim", "--port", "0", "--users", str(population(spec)), "--api-key", API_KEY]
    with spawn(sim_args) as braze:
        hub_env = env | {"LOOKER_BRAZE_EXTRA_ENDPOINTS": braze.url}
        with spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env) as hub:
            result = subprocess.run(
                [COMMAND, "send", "--hub", hub.url, "--look", str(tmp_path / "look.json"),
                 "--param", f"braze_api_key={API_KEY}",
                 "--param", f"braze_api_endpoint={braze.url}",
                 "--form-param", f"braze_segment={LABEL}", "--json"],
                capture_output=True, text=True, timeout=300,
                env={**os.environ, "LOOKER_BRAZE_HUB_TOKEN": new_token(secret)},
            )  # fmt: skip
            async with aiohttp.ClientSession() as http:
                params = {"attribute": "looker_export", "value": LABEL}
                async with http.get(f"{braze.url}/sim/segment", params=params) as response:
                    segment = (await response.json())["count"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert segment == truth.known_ids
    assert f"Rows read: {truth.rows:,}: {truth.distinct_ids:,} sent" in result.stdout
    assert API_KEY not in result.stdout
