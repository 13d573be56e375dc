"""`looker-braze runs` as an operator reads it: at 80 columns no line is longer and nothing that
matters is cut (the label and message wrap under their row); `runs show ID` prints one run in
full, from the state store or from a running hub."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import orjson
import pytest

from looker_braze.hub.auth import new_token
from looker_braze.state import RunEnd, RunStart, open_store
from tests.e2e.conftest import SECRET, running_hub

LONG_LABEL = "spring-reactivation-vip-customers-emea-2026"
MESSAGE = (
    "Done: 1,234,567 users sent to Braze to sync 'spring-reactivation-vip-customers-emea-2026' "
    "in looker_export. Rows read: 1,250,000: 1,234,567 sent, 15,433 duplicates. "
    "Braze rejected 0. 2,469,134 data points (1,000 saved by sending only changes), "
    "16,462 requests, 3 retries, 412.7 s. https://dashboard.example.braze.com/a-very-long-link"
)


def fill(url: str) -> list[int]:
    """Three runs: a long successful sync, a failure, one still running; their ids."""
    with open_store(url, abandon_stale=False) as store:
        done = store.start_run(
            RunStart("braze", "sync", LONG_LABEL, "looker_export", "https://rest.iad-01.braze.com")
        )
        store.finish_run(
            done,
            RunEnd(
                True, MESSAGE, {"read": 1_250_000, "sent": 1_234_567, "duplicates": 15_433},
                data_points_sent=2_469_134, data_points_saved=1_000,
                rejections={"no braze_id": 12, "value too long": 3},
            ),
        )  # fmt: skip
        failed = store.start_run(RunStart("braze", "add", "vip", "looker_export", "w"))
        store.finish_run(failed, RunEnd(False, "Failed: Braze answered 401.", {"read": 0}))
        running = store.start_run(RunStart("braze", "replace", "trial", "looker_export", "w"))
    return [done, failed, running]


def looker_braze(*args: str, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40"}
    return subprocess.run(
        [sys.executable, "-m", "looker_braze", *args],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


@pytest.fixture
def state(tmp_path) -> tuple[str, list[int]]:
    url = f"sqlite:///{tmp_path}/state.sqlite3"
    return url, fill(url)


def words(text: str) -> list[str]:
    return " ".join(text.split()).split()


def test_the_list_fits_80_columns_and_cuts_nothing_important(state):
    url, (done, failed, running) = state
    result = looker_braze("runs", "--state", url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    header = lines[0].split()
    assert header[:2] == ["#", "started"] and header[-2:] == ["rows", "sent"]
    rows = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert rows[str(done)][3:] == ["braze/sync", "success", "1,250,000", "1,234,567"]
    assert rows[str(failed)][3:5] == ["braze/add", "failed"]
    assert rows[str(running)][3:5] == ["braze/replace", "running"]
    # The label and the whole message are there, wrapped (long words broken, never dropped).
    text = "".join(result.stdout.split())
    assert "".join(MESSAGE.split()) in text and LONG_LABEL in text


def test_wider_terminals_get_longer_lines_not_more_of_them(state):
    url, _ = state
    narrow = looker_braze("runs", "--state", url, columns=80).stdout.splitlines()
    wide = looker_braze("runs", "--state", url, columns=200).stdout.splitlines()
    assert len(wide) < len(narrow) and max(len(line) for line in wide) > 80


def test_show_prints_one_run_in_full(state):
    url, (done, _, _) = state
    result = looker_braze("runs", "show", str(done), "--state", url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines if "  " in line[:30])
    assert fields["run"] == str(done) and fields["mode"] == "sync"
    assert fields["label"] == LONG_LABEL and fields["result"] == "success"
    assert fields["rows read"] == "1,250,000" and fields["rows duplicates"] == "15,433"
    assert fields["data points saved"] == "1,000"
    assert fields["rejected: no braze_id"] == "12"
    assert (
        fields["workspace"] == "https://rest.iad-01.braze.com" and fields["duration"][-2:] == " s"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fields["started (UTC)"])
    assert words(result.stdout.split("\nmessage\n", 1)[1]) == words(MESSAGE)


def test_show_json_is_the_stored_record(state):
    url, (done, _, _) = state
    result = looker_braze("runs", "show", str(done), "--state", url, "--json")
    with open_store(url, abandon_stale=False) as store:
        assert orjson.loads(result.stdout) == store.run(done).as_json()


def test_show_of_a_run_that_does_not_exist_is_one_line(state):
    url, _ = state
    result = looker_braze("runs", "show", "999", "--state", url)
    assert result.returncode == 2
    assert result.stderr == "looker-braze runs show: there is no run 999 in the history\n"


def test_show_asks_a_running_hub_with_its_token(tmp_path):
    with running_hub(state_url=f"sqlite:///{tmp_path}/hub.sqlite3") as hub:
        done, failed, _ = fill(hub.settings.state_url)
        token = new_token(SECRET)
        shown = looker_braze("runs", "show", str(failed), "--hub", hub.url, "--token", token)
        missing = looker_braze("runs", "show", "999", "--hub", hub.url, "--token", token)
        refused = looker_braze("runs", "--hub", hub.url, "--token", "wrong")
        listed = looker_braze("runs", "--hub", hub.url, "--token", token, "--json")
    assert shown.returncode == 0, shown.stderr
    assert "Failed: Braze answered 401." in shown.stdout and "failed" in shown.stdout
    assert missing.returncode == 2 and "no run 999" in missing.stderr
    assert refused.returncode == 2 and "HTTP 403" in refused.stderr
    assert [run["id"] for run in orjson.loads(listed.stdout)][-2:] == [failed, done]


def test_an_unreachable_hub_is_one_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = looker_braze("runs", "--hub", f"http://127.0.0.1:{port}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"looker-braze runs: cannot reach the hub at http://127.0.0.1:{port}"
    )
    assert result.stderr.count("\n") == 1
