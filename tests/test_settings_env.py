"""Unknown LOOKER_BRAZE_* variables: found from HubSettings' own aliases (no list kept by hand),
named with the closest known one; every name the README, the test suite and CI use is known."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from looker_braze.cli import _option_variables as option_variables
from looker_braze.cli import app
from looker_braze.settings import HubSettings, known_variables, unknown_variables

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"LOOKER_BRAZE_[A-Z0-9_]*[A-Z0-9]")


def test_typos_get_the_closest_known_name_and_strangers_none():
    environ = {
        "LOOKER_BRAZE_STATE_ULR": "x",
        "LOOKER_BRAZE_MAX_ROW": "5",
        "LOOKER_BRAZE_ZZZ": "1",
        "LOOKER_BRAZE_LOG_LEVEL": "info",
        "PATH": "/bin",
        "ACTION_HUB_LABEL": "x",
    }
    assert unknown_variables(environ) == [
        ("LOOKER_BRAZE_MAX_ROW", "LOOKER_BRAZE_MAX_ROWS"),
        ("LOOKER_BRAZE_STATE_ULR", "LOOKER_BRAZE_STATE_URL"),
        ("LOOKER_BRAZE_ZZZ", None),
    ]


def test_every_setting_is_known_by_its_variable_name():
    names = {
        choice
        for field in HubSettings.model_fields.values()
        for choice in field.validation_alias.choices
        if isinstance(choice, str) and choice.startswith("LOOKER_BRAZE_")
    }
    assert names and names == known_variables()


def test_every_name_the_readme_the_suite_and_ci_use_is_known():
    commands = option_variables(get_command(app))
    assert {"LOOKER_BRAZE_HUB_TOKEN", "LOOKER_BRAZE_CHECK_API_KEY"} <= commands
    readme = (ROOT / "README.md").read_text()
    reference = readme.split("## Configuration reference", 1)[1].split("\n#", 1)[0]
    used = set(NAME.findall(reference))
    for path in [ROOT / ".ci" / "run", *(ROOT / "tests").rglob("conftest.py")]:
        if path.is_file():
            used |= set(NAME.findall(path.read_text()))
    assert used, "no LOOKER_BRAZE_ names found: the paths moved?"
    assert unknown_variables(dict.fromkeys(used, "x"), commands) == []
