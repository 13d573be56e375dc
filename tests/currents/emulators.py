"""The warehouse emulators the model tests run our SQL on, each in a venv of its own.

Both pin sqlglot below the project's (fakesnow 0.12.1: ~=30.22.0; bqemulator 1.4.0: <30.12, and
DuckDB 1.5.5 for its spatial extension), so neither can share the project's venv. They are built
before the tests run, because pip needs PyPI and the tests talk only to 127.0.0.1:

    python -m tests.currents.emulators      # build what is missing (about a minute each)

A venv's folder name carries a hash of its requirements: changing a pin builds a new one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

CACHE = Path.home() / ".cache" / "looker-braze" / "emulators"


@dataclass(frozen=True)
class Emulator:
    name: str
    dialect: str
    requirements: tuple[str, ...]  # what the emulator's own venv holds (pinned: it is a test rig)

    @property
    def venv(self) -> Path:
        digest = hashlib.sha256("\n".join(self.requirements).encode()).hexdigest()[:10]
        return CACHE / f"{self.name}-{digest}"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


EMULATORS = {
    "fakesnow": Emulator(
        "fakesnow",
        "snowflake",
        # fakesnow patches the Snowflake connector, and needs a 4.x one (spec: currents.md).
        ("fakesnow==0.12.1", "snowflake-connector-python>=4,<5", "pandas>=2,<4", "pyarrow>=14"),
    ),
    "bigquery": Emulator(
        "bqemulator",
        "bigquery",
        (
            "bqemulator==1.4.0",
            "duckdb==1.5.5",
            "duckdb-extension-spatial==1.5.5",  # bqemulator loads it at start
            "google-cloud-bigquery>=3.20,<4",
            "numpy>=1.26",  # its Python UDFs need it, it does not declare it
            "pyarrow>=14",
        ),
    ),
}


def build(emulator: Emulator) -> None:
    """Build the venv unless it exists, into a temporary folder renamed when complete, so that an
    interrupted build is never mistaken for a finished one."""
    if emulator.python.exists():
        return
    building = emulator.venv.with_name(f"{emulator.venv.name}.{uuid.uuid4().hex[:6]}")
    building.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, timeout=120)
        pip = [str(building / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *emulator.requirements], check=True, timeout=900)
        building.rename(emulator.venv)
    finally:
        shutil.rmtree(building, ignore_errors=True)


if __name__ == "__main__":
    for each in EMULATORS.values():
        build(each)
        print(f"{each.name}: {each.venv}")
