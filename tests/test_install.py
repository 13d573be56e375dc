"""Installing and deploying: the hub installs slim (the Currents analytics stack is the extra
`looker-braze[currents]`), a Currents command without it names the extra, and the state's
default home is one absolute per-user path, whatever directory the hub starts from."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import urllib.request
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from looker_braze.errors import ConfigError
from looker_braze.extras import EXTRAS, missing
from looker_braze.settings import default_state_url, load_hub_settings
from looker_braze.state import open_store
from looker_braze.state.location import describe, parse_location

# Every action a slim install serves: none of them needs the [currents] extra.
ACTIONS = ["braze", "braze_events", "braze_trigger", "braze_catalog", "braze_subscriptions"]

ROOT = Path(__file__).resolve().parents[1]
VENV_LIMIT_BYTES = 250 * 1024 * 1024
HUB_ENV = {"ACTION_HUB_BASE_URL": "http://127.0.0.1", "ACTION_HUB_LABEL": "t"}
HUB_ENV["ACTION_HUB_SECRET"] = "install-test-secret"

# A real import failure for the analytics stack: a finder, first on sys.meta_path, that refuses
# the extra's modules, as if they were not installed.
WITHOUT_CURRENTS = textwrap.dedent(
    """
    import sys
    from importlib.abc import MetaPathFinder

    class NotInstalled(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    """
)
RUN_THE_CLI = """
sys.argv = ["looker-braze", *sys.argv[1:]]
from looker_braze.cli import main
main()
"""
# Every module outside looker_braze.currents: the hub, the actions, the stand-ins, check, demo.
IMPORT_ALL_BUT_CURRENTS = """
import importlib, pkgutil
import looker_braze
for module in pkgutil.walk_packages(looker_braze.__path__, "looker_braze."):
    if not module.name.startswith("looker_braze.currents") and "__main__" not in module.name:
        importlib.import_module(module.name)
        print(module.name)
"""


def _without_currents(*args: str, code: str = RUN_THE_CLI) -> subprocess.CompletedProcess:
    blocker = WITHOUT_CURRENTS.format(blocked=set(EXTRAS["currents"]))
    return subprocess.run(
        [sys.executable, "-c", blocker + code, *args], capture_output=True, text=True, timeout=120
    )


# ---------------------------------------------------------------- the currents extra


@pytest.mark.parametrize(
    "args",
    [
        ("currents", "run", "--list"),
        ("currents", "generate", "--out", "x"),
        ("currents", "load", "--db", "x.duckdb"),
        ("currents", "report"),
    ],
)
def test_a_currents_command_without_the_extra_names_it_in_one_line(args):
    result = _without_currents(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "pip install 'looker-braze[currents]'" in lines[0]
    assert "duckdb" in lines[0] and "polars" in lines[0]  # the missing modules, by name
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_blocker_is_a_real_import_failure():
    result = _without_currents(code="import duckdb")
    assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr


def test_everything_but_currents_imports_without_the_extra():
    result = _without_currents(code=IMPORT_ALL_BUT_CURRENTS)
    assert result.returncode == 0, result.stderr[-3000:]
    imported = set(result.stdout.split())
    assert {"looker_braze.hub.server", "looker_braze.demo.scenario", "looker_braze.check.run"} <= (
        imported
    )
    assert {"looker_braze.cli.braze_sim", "looker_braze.actions.registry"} <= imported


def test_the_hub_serves_without_the_extra(tmp_path):
    blocker = WITHOUT_CURRENTS.format(blocked=set(EXTRAS["currents"]))
    command = [sys.executable, "-c", blocker + RUN_THE_CLI]
    with _serving(command, {**_absolute_pythonpath(os.environ), **HUB_ENV}, tmp_path) as hub:
        assert _status(hub.url)["actions"] == ACTIONS


def test_with_the_extra_nothing_is_missing():
    # This environment is installed with every extra (make test): the check must see it.
    assert missing("currents") == []


def test_the_extra_and_its_check_list_the_same_packages():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extra = {_name(requirement) for requirement in declared["optional-dependencies"]["currents"]}
    providers = packages_distributions()
    checked = {_name(providers[module][0]) for module in EXTRAS["currents"]}
    assert checked == extra
    base = {_name(requirement) for requirement in declared["dependencies"]}
    assert not base & extra


def _name(requirement: str) -> str:
    for stop in "[<>=!~ ;":
        requirement = requirement.split(stop)[0]
    return requirement.strip().lower().replace("_", "-")


# ---------------------------------------------------------------- where the state lives


def test_without_a_state_url_the_state_is_under_the_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.delenv("LOOKER_BRAZE_STATE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = f"sqlite:///{tmp_path}/data/looker-braze/state.sqlite3"
    assert default_state_url() == expected
    assert load_hub_settings(**HUB_ENV).state_url == expected


@pytest.mark.parametrize("data_home", [None, "", "relative/data"])
def test_else_under_the_home_directory(monkeypatch, tmp_path, data_home):
    # The XDG rule: an unset, empty or relative XDG_DATA_HOME means ~/.local/share.
    monkeypatch.setenv("HOME", str(tmp_path))
    if data_home is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", data_home)
    assert default_state_url() == f"sqlite:///{tmp_path}/.local/share/looker-braze/state.sqlite3"


def test_a_given_state_url_is_kept(monkeypatch):
    monkeypatch.setenv("LOOKER_BRAZE_STATE_URL", "sqlite:///here.sqlite3")
    assert load_hub_settings(**HUB_ENV).state_url == "sqlite:///here.sqlite3"


def test_the_logged_location_is_absolute_and_hides_passwords(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = describe(parse_location("sqlite:///state/s.sqlite3"))
    assert relative == f"SQLite file {tmp_path}/state/s.sqlite3 (relative to the working directory)"
    postgres = describe(parse_location("postgresql://u:hunter2@db:5432/x?schema=s"))
    assert "hunter2" not in postgres and "db:5432" in postgres and "schema s" in postgres


def test_the_state_folder_is_made_private_or_the_reason_given(tmp_path):
    open_store(f"sqlite:///{tmp_path}/a/b/state.sqlite3").close()
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o700
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"cannot create .*file/sub for the SQLite state store"):
        open_store(f"sqlite:///{tmp_path}/file/sub/state.sqlite3")


def test_a_hub_restarted_elsewhere_keeps_its_state_and_says_where(tmp_path):
    data_home = tmp_path / "data"
    env = {**_absolute_pythonpath(os.environ), **HUB_ENV, "XDG_DATA_HOME": str(data_home)}
    env.pop("LOOKER_BRAZE_STATE_URL", None)
    state = data_home / "looker-braze" / "state.sqlite3"
    logs = []
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        with _serving([sys.executable, "-m", "looker_braze"], env, tmp_path / folder) as hub:
            assert _status(hub.url)["app"] == "looker-braze"
        logs.append(hub.log)
    for log in logs:
        assert f"state: SQLite file {state}" in log
    assert state.exists() and (data_home / "looker-braze").stat().st_mode & 0o077 == 0
    # Only the user reads the folder; nothing was written where the hub was started.
    assert not [p for folder in ("first", "second") for p in (tmp_path / folder).iterdir()]


# ---------------------------------------------------------------- a fresh install, no extras


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_plain_install_serves_and_stays_under_250_mb(tmp_path):
    """`pip install .` with no extras in a fresh venv: `looker-braze serve` answers /status, a
    Currents command names its extra, and the whole venv stays under 250 MB. Needs PyPI (or
    pip's cache) like any install."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(_copy_of_the_project(tmp_path))],
        capture_output=True, text=True, timeout=800,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    size = _bytes_under(venv)
    print(f"venv with `pip install .` (no extras): {size / 2**20:.0f} MiB on disk")
    assert size < VENV_LIMIT_BYTES, f"{size / 2**20:.0f} MB"
    command = venv / "bin" / "looker-braze"
    env = {**_clean(os.environ), **HUB_ENV, "XDG_DATA_HOME": str(tmp_path / "data")}
    with _serving([str(command)], env, tmp_path) as hub:
        assert _status(hub.url)["actions"] == ACTIONS
    assert "state: SQLite file" in hub.log
    currents = subprocess.run(
        [str(command), "currents", "run", "--list"], capture_output=True, text=True, env=env
    )
    assert currents.returncode == 2
    assert "pip install 'looker-braze[currents]'" in currents.stderr
    assert "Traceback" not in currents.stderr


def _copy_of_the_project(tmp_path: Path) -> Path:
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    copy = tmp_path / "project"
    ignore = ("build", ".venv", "*.egg-info", "__pycache__", ".git", ".*_cache", ".hypothesis")
    import shutil

    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*ignore, "out", "*.duckdb*"))
    return copy


def _bytes_under(folder: Path) -> int:
    # Disk usage as `du -s` counts it (blocks, each hard-linked file once): what an operator sees.
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
    return total


def _clean(environ) -> dict[str, str]:
    # The fresh venv must not see this checkout's sources through PYTHONPATH.
    return {name: value for name, value in environ.items() if name != "PYTHONPATH"}


# ---------------------------------------------------------------- helpers


def _absolute_pythonpath(environ) -> dict[str, str]:
    # A relative PYTHONPATH (PYTHONPATH=src) would not follow a hub started in another folder.
    env = dict(environ)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            map(os.path.abspath, env["PYTHONPATH"].split(os.pathsep))
        )
    return env


class _Hub:
    url = ""
    log = ""


@contextlib.contextmanager
def _serving(command: list[str], env: dict, cwd: Path) -> Iterator[_Hub]:
    """`<command> serve` on a free port from ``cwd``; its stderr is in ``.log`` afterwards."""
    hub = _Hub()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=cwd,
        )  # fmt: skip
        try:
            for line in process.stdout:
                if "listening on" in line:
                    hub.url = line.split()[-1]
                    break
            else:
                process.wait(timeout=30)
                log.seek(0)
                pytest.fail(f"serve did not start:\n{log.read()[-2000:]}")
            yield hub
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.seek(0)
            hub.log = log.read()


def _status(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/status", timeout=10) as response:
        return json.load(response)
