"""The hub's own commands as an operator runs them, as real subprocesses: `serve` refuses to start
with one line per problem (settings, port, host, URLs without a scheme) and no traceback, `token`
prints tokens the hub accepts, --version and -h work, and unknown LOOKER_BRAZE_* variables are
named with the closest known one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from looker_braze.hub.auth import is_valid_token

COMMAND = str(Path(sys.executable).parent / "looker-braze")
HUB_VARIABLES = ("ACTION_HUB_BASE_URL", "ACTION_HUB_LABEL", "ACTION_HUB_SECRET")


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("ACTION_HUB_", "LOOKER_BRAZE_"))
    }
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, timeout=60, env={**clean, **env}
    )


def test_serve_lists_every_missing_setting_at_once():
    result = run("serve", "--port", "0")
    assert result.returncode == 2
    for name in HUB_VARIABLES:
        assert f"{name} is not set" in result.stderr


def test_serve_refuses_empty_and_malformed_settings_and_says_which(tmp_path):
    result = run(
        "serve", "--port", "0",
        ACTION_HUB_BASE_URL="looker-braze.example.com", ACTION_HUB_LABEL=" ",
        ACTION_HUB_SECRET="s3cret-value", LOOKER_BRAZE_MAX_ROWS="many",
    )  # fmt: skip
    assert result.returncode == 2
    assert "ACTION_HUB_BASE_URL must be an absolute http(s) URL" in result.stderr
    assert "ACTION_HUB_LABEL must not be empty" in result.stderr
    assert "LOOKER_BRAZE_MAX_ROWS" in result.stderr
    assert "s3cret-value" not in result.stderr + result.stdout


def test_serve_checks_the_state_store_before_listening(tmp_path):
    result = run(
        "serve", "--port", "0",
        ACTION_HUB_BASE_URL="https://hub.example.com", ACTION_HUB_LABEL="hub",
        ACTION_HUB_SECRET="s", LOOKER_BRAZE_STATE_URL="mysql://somewhere/db",
    )  # fmt: skip
    assert result.returncode == 2 and "state URL" in result.stderr


def test_token_prints_a_token_the_hub_accepts():
    result = run("token", ACTION_HUB_SECRET="the-secret")
    assert result.returncode == 0
    assert is_valid_token(result.stdout.strip(), "the-secret")
    assert run("token").returncode == 2


# ------------------------------------------------ habits: --version, -h, one-line errors

HUB = {
    "ACTION_HUB_BASE_URL": "https://hub.example.com",
    "ACTION_HUB_LABEL": "hub",
    "ACTION_HUB_SECRET": "the-secret",
}


def serve(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    state = {"LOOKER_BRAZE_STATE_URL": f"sqlite:///{tmp_path}/state.sqlite3"}
    return run("serve", *args, **{**HUB, **state, **env})


def one_line_error(result: subprocess.CompletedProcess, command: str = "serve") -> str:
    """The run failed with exit 2 and one line on stderr, no traceback; that line."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith(f"looker-braze {command}: ")
    return lines[0]


def test_version_prints_the_package_version():
    from looker_braze import __version__

    for command in ([COMMAND], [sys.executable, "-m", "looker_braze"]):
        done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout == f"looker-braze {__version__}\n"


def test_dash_h_is_help_at_every_level():
    for args in (["-h"], ["serve", "-h"], ["currents", "run", "-h"], ["runs", "show", "-h"]):
        done = run(*args)
        assert done.returncode == 0 and "Usage: looker-braze" in done.stdout, args


def test_a_port_out_of_range_is_one_line(tmp_path):
    assert "port 99999 is not a port number" in one_line_error(serve(tmp_path, "--port", "99999"))
    line = one_line_error(serve(tmp_path, PORT="70000"))  # from the environment
    assert "PORT" in line and "65535" in line


def test_an_unknown_host_is_one_line(tmp_path):
    line = one_line_error(serve(tmp_path, "--host", "nosuchhost.invalid", "--port", "0"))
    assert "cannot listen on 'nosuchhost.invalid'" in line


def test_a_port_in_use_is_one_line_naming_it(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        line = one_line_error(serve(tmp_path, "--host", "127.0.0.1", "--port", str(port)))
    finally:
        taken.close()
    assert f"port {port} on 127.0.0.1 is in use" in line


def test_braze_sim_says_the_same_about_a_port_in_use():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        done = run("braze-sim", "--port", str(port))
    finally:
        taken.close()
    assert f"port {port} on 127.0.0.1 is in use" in one_line_error(done, "braze-sim")


def test_a_redis_url_without_scheme_is_one_line(tmp_path):
    line = one_line_error(serve(tmp_path, "--port", "0", LOOKER_BRAZE_REDIS_URL="localhost:6379"))
    assert "LOOKER_BRAZE_REDIS_URL must start with redis://" in line


@pytest.mark.parametrize(
    "url", ["localhost:5432/db", "app:s3cret@db.internal/state", "app@localhost/db"]
)
def test_a_postgresql_url_without_scheme_is_refused(tmp_path, url):
    line = one_line_error(serve(tmp_path, "--port", "0", LOOKER_BRAZE_STATE_URL=url))
    assert "no scheme: write postgresql://" in line and "s3cret" not in line


def test_a_state_path_in_a_missing_folder_is_one_line(tmp_path):
    # localhost/db is a relative SQLite path; with no folder "localhost" it cannot be opened.
    result = run("serve", "--port", "0", **HUB, LOOKER_BRAZE_STATE_URL="localhost/db")
    assert "cannot open the SQLite state store 'localhost/db'" in one_line_error(result)


def test_unknown_looker_braze_variables_are_named_with_the_closest_known(tmp_path):
    result = run(
        "token", ACTION_HUB_SECRET="s", LOOKER_BRAZE_STATE_ULR="x", LOOKER_BRAZE_HUB_TOKN="t",
        LOOKER_BRAZE_QQQ="1", LOOKER_BRAZE_LOG_LEVEL="info", LOOKER_BRAZE_HUB_TOKEN="t",
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "looker-braze: warning: LOOKER_BRAZE_HUB_TOKN is not a looker-braze setting; "
        "did you mean LOOKER_BRAZE_HUB_TOKEN?",
        "looker-braze: warning: LOOKER_BRAZE_QQQ is not a looker-braze setting",
        "looker-braze: warning: LOOKER_BRAZE_STATE_ULR is not a looker-braze setting; "
        "did you mean LOOKER_BRAZE_STATE_URL?",
    ]


def test_known_variables_raise_no_warning():
    result = run(
        "token", ACTION_HUB_SECRET="s", LOOKER_BRAZE_STATE_URL="x.sqlite3",
        LOOKER_BRAZE_CHECK_API_KEY="k", LOOKER_BRAZE_TEST_REDIS_URL="redis://x",
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
