"""The README's examples, run as a user would run them, so they cannot rot.

Every `$ ...` line of the README's console blocks is either run here (hosts and ports swapped for
local stand-ins: no test reaches Braze or Looker) or listed in SKIPPED with the reason; a new
example that is neither fails the first test. The LookML example is checked with
`looker-braze check --lookml`.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from looker_braze.processes import spawn
from looker_braze.sim import population
from looker_braze.sim.looks import LookSpec, write_look

README = Path(__file__).parents[1] / "README.md"
COMMAND = str(Path(sys.executable).parent / "looker-braze")
SKIPPED = {
    "make demo": "tests/e2e/test_commands.py runs `looker-braze demo`",
    "make test": "this is the test suite",
    "make lint": "style, not behaviour",
    "make bench": "benchmarks print figures; they are not tests",
    # Install: they need the network (and the repository's public URL) or root.
    "pipx install": "tests/test_install.py installs the checkout into a fresh venv instead",
    "pip install": "tests/test_install.py installs the checkout into a fresh venv instead",
    "python3.11 -m": "making a venv: tests/test_install.py does it",
    "/opt/looker-braze/bin/pip install": "tests/test_install.py installs into a fresh venv",
    "useradd --system": "needs root; creates a system user",
    "install -m": "needs root; writes to /etc",
    "systemctl enable": "needs root and systemd",
}

pytestmark = pytest.mark.timeout(600)


def console_commands() -> list[list[str]]:
    """Each `$ ` line of the README's console blocks, continuations joined, as argv lists."""
    text = README.read_text()
    blocks = re.findall(r"```console\n(.*?)```", text, re.DOTALL)
    joined = [re.sub(r"\\\n\s*", " ", block) for block in blocks]
    lines = [line[2:] for block in joined for line in block.splitlines() if line.startswith("$ ")]
    return [shlex.split(line, comments=True) for line in lines]


def lookml_example() -> str:
    return re.search(r"```lookml\n(.*?)```", README.read_text(), re.DOTALL).group(1)


def test_every_example_is_run_or_skipped_for_a_reason():
    handled = ("export", "looker-braze")
    for argv in console_commands():
        label = " ".join(argv[:2])
        assert argv[0] in handled or label in SKIPPED, f"README example not exercised: {argv}"


def test_the_lookml_example_passes_the_check(tmp_path):
    view = tmp_path / "users.view.lkml"
    view.write_text(lookml_example())
    result = run([COMMAND, "check", "--lookml", str(view)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def run(argv: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


class Session:
    """Runs the README's commands in order, as one shell session would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env: dict[str, str] = {}
        self.braze_url: str | None = None
        self.hub_url: str | None = None
        self.children: list = []

    def substitute(self, argv: list[str]) -> list[str]:
        urls = {
            "https://looker-braze.example.com": self.hub_url,
            "http://127.0.0.1:8080": self.hub_url,
            "http://127.0.0.1:9300": self.braze_url,
            "https://rest.iad-01.braze.com": self.braze_url,
        }
        out = []
        for arg in argv:
            for old, new in urls.items():
                if new:
                    arg = arg.replace(old, new)
            out.append(arg.replace("$HUB_TOKEN", self.env.get("HUB_TOKEN", "")).replace(
                "$BRAZE_KEY", "sim-key"))  # fmt: skip
        return out

    def export(self, argv: list[str]) -> None:
        name, _, value = argv[1].partition("=")
        if value.startswith("$("):  # "$(openssl rand -hex 32)"
            value = secrets.token_hex(32)
        self.env[name] = value

    def background(self, argv: list[str]) -> str:
        argv = [("0" if arg in ("8080", "9300") else arg) for arg in argv]
        env = dict(self.env)
        if argv[1] == "serve":
            env["LOOKER_BRAZE_EXTRA_ENDPOINTS"] = self.braze_url or ""
            env["LOOKER_BRAZE_STATE_URL"] = f"sqlite:///{self.folder}/state.sqlite3"
            argv = [*argv, "--host", "127.0.0.1"]
        context = spawn(argv[1:], env)
        self.children.append(context)
        return context.__enter__().url

    def close(self) -> None:
        for context in reversed(self.children):
            context.__exit__(None, None, None)


@pytest.fixture
def session(tmp_path):
    made = Session(tmp_path)
    yield made
    made.close()


def test_the_readme_commands_work(session, tmp_path):
    make_inputs(tmp_path)
    commands = console_commands()
    # A local Braze first, so that the hub started by the README can be pointed at it.
    sim = next(argv for argv in commands if argv[:2] == ["looker-braze", "braze-sim"])
    session.braze_url = session.background([COMMAND, *sim[1:]])
    for argv in commands:
        if argv[0] == "export":
            session.export(argv)
        elif argv[:2] == ["looker-braze", "serve"]:
            session.hub_url = session.background([COMMAND, *argv[1:]])
        elif argv[:2] == ["looker-braze", "token"]:
            result = run([COMMAND, "token"], tmp_path, session.env)
            assert result.returncode == 0, result.stderr
            session.env["HUB_TOKEN"] = result.stdout.strip()
        elif argv[:2] == ["looker-braze", "braze-sim"]:
            continue  # started above
        elif argv[0] == "looker-braze":
            assert_runs(session, argv, tmp_path)


def assert_runs(session: Session, argv: list[str], folder: Path) -> None:
    argv = session.substitute([COMMAND, *argv[1:]])
    if argv[1] == "check" and "--endpoint" in argv:
        argv += ["--extra-endpoint", session.braze_url]  # the simulator stands in for Braze
    result = run(argv, folder, session.env)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    assert session.env.get("HUB_TOKEN", "never") not in result.stdout + result.stderr


def make_inputs(folder: Path) -> None:
    """The files the README's commands name: look.json, views/users.view.lkml, audience.csv."""
    write_look(LookSpec(rows=200, known_users=1000), folder / "look.json")
    (folder / "views").mkdir()
    (folder / "views" / "users.view.lkml").write_text(lookml_example())
    with (folder / "audience.csv").open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name"])
        writer.writerows([population.external_id(i), f"Name {i}"] for i in range(50))
