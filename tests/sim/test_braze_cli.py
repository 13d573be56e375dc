"""`looker-braze braze-sim` as users start it: a process that prints its URL and serves."""

from __future__ import annotations

import subprocess
import sys

import aiohttp
import pytest

COMMAND = [sys.executable, "-m", "looker_braze", "braze-sim"]


@pytest.fixture
def start():
    processes = []

    def run(*options: str) -> str:
        process = subprocess.Popen(
            [*COMMAND, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        processes.append(process)
        line = process.stdout.readline()
        assert line.startswith("looker-braze braze-sim listening on http://127.0.0.1:"), line
        return line.rsplit(" ", 1)[1].strip()

    yield run
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


async def post(url: str, key: str, follow: bool = True) -> int:
    body = {"attributes": [{"external_id": "user-00000002", "tags": {"add": ["a"]}}]}
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/users/track", json=body, headers=headers, allow_redirects=follow
        ) as answer,
    ):
        return answer.status


async def test_it_prints_its_url_and_serves_with_the_default_key(start):
    url = start("--users", "3", "--port", "0")
    assert await post(url, "sim-key") == 201
    params = {"external_id": "user-00000002"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/sim/profile", params=params) as answer,
    ):
        assert (await answer.json())["custom_attributes"] == {"tags": ["a"]}


async def test_keys_rate_limit_and_faults_come_from_options(start):
    url = start(
        "--api-key", "mine", "--key-without-track", "ro", "--other-instance-key", "eu",
        "--rate-limit", "2/60", "--error-rate", "0", "--latency-ms", "0,1", "--array-cap", "5",
    )  # fmt: skip
    assert [await post(url, key) for key in ("sim-key", "ro", "eu")] == [401, 403, 401]
    assert [await post(url, "mine") for _ in range(3)] == [201, 201, 429]


def test_bad_options_are_all_reported_and_it_exits_2():
    done = subprocess.run(
        [*COMMAND, "--rate-limit", "lots", "--error-rate", "2", "--latency-ms", "9,1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    for problem in ("--rate-limit", "error rate", "latency"):
        assert problem in done.stderr


async def test_contract_and_answers_come_from_options(start):
    url = start(
        "--contract", "mau", "--max-objects", "75", "--hourly-limit", "2", "--queued-rate", "1",
        "--unknown-key-status", "404", "--success-message", "fine",
    )  # fmt: skip
    assert [await post(url, key) for key in ("sim-key", "sim-key", "nope", "sim-key")] == [
        202, 202, 404, 429,
    ]  # fmt: skip
    async with aiohttp.ClientSession() as session, session.get(f"{url}/sim/faults") as answer:
        settings = await answer.json()
    assert settings["contract"] == "mau" and settings["hourly_limit_requests"] == 2
    assert settings["success_message"] == "fine" and settings["hourly_limit_seconds"] == 3600


async def test_account_state_and_redirects_come_from_options(start):
    inactive = start("--account-state", "rate_plan")
    redirecting = start("--redirect-rate", "1", "--redirect-to", "http://127.0.0.1:9/x")
    assert await post(inactive, "sim-key") == 403
    assert await post(redirecting, "sim-key", follow=False) == 307


def test_bad_answer_options_are_reported():
    done = subprocess.run(
        [*COMMAND, "--contract", "gold", "--hourly-limit", "many", "--redirect-status", "200"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    for problem in ("contract", "--hourly-limit", "redirect_status"):
        assert problem in done.stderr
