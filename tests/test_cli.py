"""The hub's own commands as an operator runs them: `serve` refuses to start with one message
listing every problem, and `token` prints tokens the hub accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
