"""The one error -> exit code path (cli/exits.py) on a small app of its own: each kind of error
becomes `looker-braze <command>: <problem>` lines and its code; a bug keeps its traceback."""

from __future__ import annotations

import errno

import pytest
import typer
from typer.testing import CliRunner

from looker_braze.cli.exits import CANNOT_RUN, INTERRUPTED, CommandGroup
from looker_braze.errors import ConfigError, FailRun, RejectRequest

RAISED = {
    "config": ConfigError(["A is not set", "B must be a number"]),
    "fail": FailRun("the hub answered HTTP 403\nsecond line"),
    "reject": RejectRequest("bad request"),
    "oserror": FileNotFoundError(errno.ENOENT, "No such file or directory", "look.json"),
    "interrupt": KeyboardInterrupt(),
    "bug": ZeroDivisionError("a bug"),
}

app = typer.Typer(cls=CommandGroup)


@app.command()
def boom(kind: str) -> None:
    raise RAISED[kind]


@app.command()
def fine() -> None:
    typer.echo("done")


@pytest.mark.parametrize(
    ("kind", "code", "stderr"),
    [
        ("config", CANNOT_RUN,
         "looker-braze boom: A is not set\nlooker-braze boom: B must be a number\n"),
        ("fail", CANNOT_RUN, "looker-braze boom: the hub answered HTTP 403\n  second line\n"),
        ("reject", CANNOT_RUN, "looker-braze boom: bad request\n"),
        ("oserror", CANNOT_RUN, "looker-braze boom: look.json: No such file or directory\n"),
        ("interrupt", INTERRUPTED, "looker-braze boom: interrupted\n"),
    ],
)  # fmt: skip
def test_each_error_becomes_lines_and_a_code(kind, code, stderr):
    result = CliRunner().invoke(app, ["boom", kind])
    assert (result.exit_code, result.stderr, result.stdout) == (code, stderr, "")


def test_a_bug_keeps_its_traceback():
    result = CliRunner().invoke(app, ["boom", "bug"])
    assert isinstance(result.exception, ZeroDivisionError)


def test_success_is_untouched():
    result = CliRunner().invoke(app, ["fine"])
    assert (result.exit_code, result.stdout) == (0, "done\n")
