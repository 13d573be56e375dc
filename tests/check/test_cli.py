"""`looker-braze check` as a user runs it: a real process, real simulators on 127.0.0.1, files
on disk. Exit codes: 0 all passed, 1 problems, 2 usage. The key never shows in any output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from looker_braze.sim.looks import LookSpec, write_look
from tests.check.servers import ALL_KEYS, EU_KEY, NO_TRACK_KEY, US_KEY, two_instances

EXECUTABLE = Path(sys.executable).parent / "looker-braze"
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str, env: dict | None = None, stdin: bytes | None = None) -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if k != "LOOKER_BRAZE_CHECK_API_KEY"}
    environment.update(env or {})
    done = subprocess.run(
        [str(EXECUTABLE), "check", *args], capture_output=True, timeout=60, env=environment,
        input=stdin,
    )  # fmt: skip
    output = (done.stdout + done.stderr).decode()
    for key in ALL_KEYS:
        assert key not in output
    return done.returncode, output


def lines_with(output: str, mark: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.strip().startswith(mark)]


@pytest.fixture(scope="module")
def braze():
    with two_instances() as instances:
        yield instances


@pytest.fixture(scope="module")
def looks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("looks")
    clean, planted = folder / "clean.json", folder / "planted.json"
    write_look(LookSpec(rows=500, seed=2), clean)
    write_look(LookSpec(rows=500, seed=2, pivoted=True, malformed_tags=True, duplicate_share=0.1,
                        invalid_id_share=0.04, invalid_attribute_share=0.1), planted)  # fmt: skip
    return clean, planted


def test_nothing_to_check_prints_what_it_can_check():
    code, output = run()
    assert code == 2
    for option in ("--endpoint", "--api-key", "--look", "--lookml", "--probe-instances"):
        assert option in output


@pytest.mark.parametrize(
    "args, words",
    [
        (["--api-key", US_KEY], "--endpoint"),
        (["--endpoint", "https://rest.iad-01.braze.com", "--probe-instances"], "--api-key"),
        (["--look", "missing.json"], "does not exist"),
        (["--lookml", str(FIXTURES / "clean.view.lkml"), "--key-kind", "uid"], "external_id"),
        (["--lookml", str(FIXTURES / "clean.view.lkml"), "--array-attribute", "braze_id"], "array"),
    ],
)
def test_usage_errors_exit_2(args, words):
    code, output = run(*args)
    assert code == 2 and words in output


def test_a_good_key_on_a_simulator_passes(braze):
    code, output = run("--endpoint", braze.us_url, "--extra-endpoint", braze.us_url,
                       "--api-key", US_KEY)  # fmt: skip
    assert code == 0, output
    assert len(lines_with(output, "✓")) == 2 and "holds users.track" in output
    assert "****" + US_KEY[-4:] in output


def test_a_key_without_permission_and_a_wrong_key_from_the_environment(braze):
    base = ["--endpoint", braze.us_url, "--extra-endpoint", braze.us_url]
    code, output = run(*base, "--api-key", NO_TRACK_KEY)
    assert code == 1 and "lacks the users.track permission" in lines_with(output, "✗")[0]
    code, output = run(*base, env={"LOOKER_BRAZE_CHECK_API_KEY": EU_KEY})
    assert code == 1 and "(401)" in lines_with(output, "✗")[0]
    assert "--probe-instances" in output


def test_a_dashboard_address_is_named_with_the_rest_endpoint():
    code, output = run("--endpoint", "https://dashboard-01.braze.eu")
    assert code == 1
    assert lines_with(output, "✗") == [
        "✗ 'dashboard-01.braze.eu' is a Braze dashboard address; the REST endpoint of EU-01 is "
        "https://rest.fra-01.braze.eu."
    ]


def test_a_key_from_the_environment_alone_is_ignored_for_a_file_check():
    code, output = run("--lookml", str(FIXTURES / "clean.view.lkml"),
                       env={"LOOKER_BRAZE_CHECK_API_KEY": US_KEY})  # fmt: skip
    assert code == 0 and "Braze API key" not in output


def test_the_clean_look_passes_and_the_planted_one_names_each_problem(looks):
    clean, planted = looks
    code, output = run("--look", str(clean))
    assert code == 0 and lines_with(output, "✗") == [], output
    code, output = run("--look", str(planted))
    assert code == 1
    problems = lines_with(output, "✗")
    for words in ("pivoted", "'braze[' on users.nickname", "'braze[]' on users.segment",
                  "'braze(region)' on users.region", "have no identifier", "repeat the identifier",
                  "invalid value"):  # fmt: skip
        assert sum(words in line for line in problems) >= 1, words
    assert output.strip().splitlines()[-1].startswith(f"{len(problems)} problems")


def test_a_look_piped_in(looks):
    _, planted = looks
    code, output = run("--look", "/dev/stdin", stdin=planted.read_bytes())
    assert code == 1 and "500 rows read" in output and "repeat the identifier" in output


def test_lookml_fixtures_pass_or_fail_as_planted():
    assert run("--lookml", str(FIXTURES / "clean.view.lkml"))[0] == 0
    assert run("--lookml", str(FIXTURES / "notes.view.lkml"))[0] == 0  # warnings only
    code, output = run("--lookml", str(FIXTURES / "tag_problems.view.lkml"))
    assert code == 1 and len(lines_with(output, "✗")) == 5


def test_everything_at_once_as_json(braze, looks):
    clean, _ = looks
    code, output = run(
        "--endpoint", braze.eu_url, "--extra-endpoint", braze.eu_url, "--api-key", EU_KEY,
        "--look", str(clean), "--lookml", str(FIXTURES / "two_identifiers.view.lkml"), "--json",
    )  # fmt: skip
    findings = orjson.loads(output)
    assert code == 1
    assert all(set(f) == {"check", "status", "message"} for f in findings)
    statuses = {f["check"]: f["status"] for f in findings}
    assert statuses["endpoint"] == statuses["key"] == statuses["look.rows"] == "pass"
    assert [f["check"] for f in findings if f["status"] == "problem"] == ["lookml.identifier"]
