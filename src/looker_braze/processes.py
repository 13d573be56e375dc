"""Start looker-braze servers as child processes and learn their URL.

`looker-braze serve` and `looker-braze braze-sim` print one line "... listening on URL" once they
are bound; started with ``--port 0`` they take any free port, so callers (the demo, benchmarks,
tests) never race for a port.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

COMMAND = str(Path(sys.executable).parent / "looker-braze")


@dataclass
class Child:
    process: subprocess.Popen
    url: str


@contextmanager
def spawn(
    args: list[str], env: Mapping[str, str] | None = None, *, timeout: float = 60.0
) -> Iterator[Child]:
    """Run ``looker-braze <args>`` until the block ends; stderr goes to a temporary log."""
    log = _log_file()
    process = subprocess.Popen(
        [_command(), *args],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        yield Child(process, _read_url(process, log, timeout))
    finally:
        _stop(process)
        log.close()


def _command() -> str:
    return COMMAND if Path(COMMAND).exists() else "looker-braze"


def _log_file():
    import tempfile

    return tempfile.TemporaryFile(mode="w+", prefix="looker-braze-child-")


def _read_url(process: subprocess.Popen, log, timeout: float) -> str:
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    while selector.select(timeout):
        line = process.stdout.readline()
        if not line:
            break
        if "listening on" in line:
            return line.split()[-1]
    _stop(process)
    log.seek(0)
    raise RuntimeError(f"looker-braze did not start:\n{log.read()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
