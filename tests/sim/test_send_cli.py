"""`looker-braze send` against a real recording hub (and the real hub with the Braze simulator),
through typer's CliRunner and as a real subprocess: listing, form, execute from json_detail and
CSV, inline, JSON output, exit codes, masking of the token and sensitive params, unknown form
fields, live progress, dry-run objects as JSON, CSV delimiters and encodings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from looker_braze.cli import app
from looker_braze.serving import bind_socket, socket_url
from looker_braze.sim.looks import LookSpec, write_look
from tests.e2e.conftest import running_braze, running_hub
from tests.sim.test_looker_hub import RecordingHub

EXECUTABLE = Path(sys.executable).parent / "looker-braze"
API_KEY = "braze-rest-key-0123456789"
TOKEN = "nonce/0123456789abcdef"


@pytest.fixture
def look_file(tmp_path):
    path = tmp_path / "look.json"
    write_look(LookSpec(rows=120, seed=1, duplicate_share=0.1), path)
    return path


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "audience.csv"
    path.write_text("id,name,ltv,vip\nu-1,Zoë,12.5,yes\nu-2,,3,no\n", encoding="utf-8")
    return path


def _send(url: str, *args: str, env: dict | None = None):
    result = CliRunner().invoke(app, ["send", "--hub", url, *args], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_list_shows_actions_as_lookers_admin_page_does():
    hub = RecordingHub(token=TOKEN)
    with hub.running() as url:
        code, out = _send(url, "--token", TOKEN, "--list")
    assert code == 0, out
    assert "braze" in out and "api_key (required, sensitive)" in out and "tag: braze_id" in out
    assert TOKEN not in out
    assert hub.requests[0].path == "/" and hub.requests[0].body == b""


def test_form_shows_the_fields_without_the_secret():
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(
            url, "--form", "--param", f"api_key={API_KEY}", "--form-value", "mode=add"
        )
    assert code == 0, out
    assert "label" in out and "select (interactive)" in out and "replace, add" in out
    assert API_KEY not in out
    assert hub.requests[-1].json == {
        "type": "query", "data": {"api_key": API_KEY}, "form_params": {"mode": "add"},
    }  # fmt: skip


def test_execute_from_a_json_detail_file(look_file):
    hub = RecordingHub(token=TOKEN)
    with hub.running() as url:
        code, out = _send(
            url, "--token", TOKEN, "--look", str(look_file),
            "--param", f"api_key={API_KEY}", "--param", "endpoint=http://127.0.0.1:9",
            "--form-param", "label=vip", "--looker-version", "24.0.1",
        )  # fmt: skip
    assert code == 0, out
    assert "success" in out and "120 rows" in out and "fetched 1 time" in out
    assert "endpoint=http://127.0.0.1:9" in out and API_KEY not in out and TOKEN not in out
    sent = hub.executes[0]
    assert sent.headers["user-agent"] == "LookerOutgoingWebhook/24.0.1"
    assert sent.headers["authorization"] == f'Token token="{TOKEN}"' and sent.chunked
    assert sent.json["data"]["api_key"] == API_KEY  # masked on screen only
    assert hub.seen[0].document == look_file.read_bytes()


def test_the_token_can_come_from_the_environment(look_file):
    hub = RecordingHub(token=TOKEN)
    with hub.running() as url:
        code, out = _send(url, "--look", str(look_file), env={"LOOKER_BRAZE_HUB_TOKEN": TOKEN})
    assert code == 0, out
    assert hub.executes[0].headers["authorization"] == f'Token token="{TOKEN}"'


def test_a_wrong_token_is_a_refusal_with_exit_1(look_file):
    hub = RecordingHub(token=TOKEN)
    with hub.running() as url:
        code, out = _send(url, "--token", "wrong-token", "--list")
    assert code == 1 and "HTTP 403" in out


def test_success_false_exits_1_and_shows_the_message_and_validation_errors(look_file):
    def refuse(payload, seen):
        return {"success": False, "message": "Braze said no", "validation_errors": {"label": "bad"}}

    hub = RecordingHub(answer=refuse)
    with hub.running() as url:
        code, out = _send(url, "--look", str(look_file))
    assert code == 1
    assert "Braze said no" in out and "label" in out and "bad" in out


def test_secrets_echoed_by_the_hub_are_masked(look_file):
    def echo(payload, seen):
        return {"success": False, "message": f"key {payload['data']['api_key']} token {TOKEN}"}

    hub = RecordingHub(answer=echo)
    with hub.running() as url:
        code, out = _send(
            url, "--token", TOKEN, "--look", str(look_file), "--param", f"api_key={API_KEY}"
        )
        json_code, json_out = _send(
            url, "--token", TOKEN, "--look", str(look_file), "--param", f"api_key={API_KEY}",
            "--json",
        )  # fmt: skip
    assert code == 1 and json_code == 1
    for output in (out, json_out):
        assert API_KEY not in output and TOKEN not in output
        assert "key •••••• token ••••••" in output


def test_csv_rows_are_converted_with_tags_and_types_and_sent_inline(csv_file):
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(
            url, "--csv", str(csv_file), "--inline",
            "--tag", "id=braze_id", "--tag", "name=braze[first_name]", "--tag", "name=nickname",
            "--type", "ltv=number", "--type", "vip=yesno",
        )  # fmt: skip
    assert code == 0, out
    assert "2 rows" in out and "sent inline" in out
    attachment = hub.executes[0].json["attachment"]
    assert attachment["mimetype"] == "application/json"
    document = orjson.loads(attachment["data"])
    tags = {f["name"]: f["tags"] for f in document["fields"]["dimensions"]}
    assert tags == {"id": ["braze_id"], "name": ["braze[first_name]", "nickname"], "ltv": [],
                    "vip": []}  # fmt: skip
    values = [{k: c["value"] for k, c in row.items()} for row in document["data"]]
    assert values == [
        {"id": "u-1", "name": "Zoë", "ltv": 12.5, "vip": "Yes"},
        {"id": "u-2", "name": None, "ltv": 3, "vip": "No"},
    ]
    assert hub.seen[0].ids == ["u-1", "u-2"]


def test_csv_rows_go_by_download_url_by_default(csv_file):
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, "--csv", str(csv_file), "--tag", "id=braze_id")
    assert code == 0, out
    assert hub.seen[0].fetches[0].status == 200 and hub.seen[0].rows == 2


def test_base64_inline_attachment(look_file):
    hub = RecordingHub()
    with hub.running() as url:
        code, _ = _send(url, "--look", str(look_file), "--inline", "--base64")
    assert code == 0
    assert hub.executes[0].json["attachment"]["mimetype"] == "application/json;base64"


def test_json_output_is_the_hubs_answer(look_file):
    hub = RecordingHub()
    with hub.running() as url:
        result = CliRunner().invoke(app, ["send", "--hub", url, "--look", str(look_file), "--json"])
    assert result.exit_code == 0
    assert orjson.loads(result.stdout) == {
        "looker": {"success": True, "message": "120 rows", "refresh_query": False}
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of --look FILE.json or --csv FILE.csv"),
        (["--look", "/no/such/look.json"], "no such file"),
        (["--param", "api_key"], "write it as name=value"),
        (["--hub", "hub.example.com", "--list"], "is not a URL like https://"),
        (["--csv", "CSV", "--tag", "email=braze[email]"], "--tag names columns"),
        (["--csv", "CSV", "--type", "ltv=money"], "unknown type 'money'"),
    ],
)
def test_usage_errors_exit_2_with_a_message(csv_file, args, message):
    args = [str(csv_file) if a == "CSV" else a for a in args]
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, *args)
    assert code == 2 and message in out
    assert hub.executes == []


def test_bad_csv_values_stop_before_anything_is_sent(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,ltv\na,1\nb,lots\n")
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, "--csv", str(path), "--type", "ltv=number")
    assert code == 2 and "line 3" in out and "'lots' is not a number" in out
    assert hub.requests == []


def test_an_unreachable_hub_exits_2(look_file):
    sock = bind_socket()
    dead = socket_url(sock)
    sock.close()
    code, out = _send(dead, "--look", str(look_file))
    assert code == 2 and "cannot reach the hub" in out


def test_the_installed_command_plays_looker_in_a_subprocess(look_file):
    hub = RecordingHub(token=TOKEN)
    with hub.running() as url:
        done = subprocess.run(
            [str(EXECUTABLE), "send", "--hub", url, "--look", str(look_file),
             "--param", f"api_key={API_KEY}"],
            env={"LOOKER_BRAZE_HUB_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        refused = subprocess.run(
            [str(EXECUTABLE), "send", "--hub", url, "--look", str(look_file), "--token", "bad"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "120 rows" in done.stdout and API_KEY not in done.stdout + done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert hub.executes[0].headers["x-looker-instance"] == "looker-braze-send"
    assert refused.returncode == 1 and "HTTP 403" in refused.stdout


# ------------------------------------------------------------ form fields, progress, CSV habits


def test_an_unknown_form_field_is_refused_with_the_valid_ones(look_file):
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(
            url, "--look", str(look_file), "--param", f"api_key={API_KEY}",
            "--form-param", "labl=vip", "--form-param", "mode=add",
        )  # fmt: skip
    assert code == 2
    assert "--form-param labl: the form has no such field (did you mean label?)" in out
    assert "its fields: label, mode" in out and API_KEY not in out
    assert hub.executes == []


def test_a_typo_in_a_braze_form_field_stops_the_send_before_anything_is_sent(tmp_path):
    look = tmp_path / "look.json"
    write_look(LookSpec(rows=20, seed=3), look)
    with running_braze() as braze, running_hub(braze.url) as hub:
        args = [
            "--token", hub.token, "--look", str(look),
            *(f"--param={k}={v}" for k, v in braze.params().items()),
            "--form-param", "braze_segmnt=X",
        ]  # fmt: skip
        code, out = _send(hub.url, *args)
        sent = sum(braze.sim.stats()["requests"].values())
    assert code == 2, out
    assert "braze_segmnt: the form has no such field (did you mean braze_segment?)" in out
    assert "braze_segment" in out.split("its fields:", 1)[1]
    assert sent == 0


def test_a_dry_run_prints_the_first_object_as_json(tmp_path):
    look = tmp_path / "look.json"
    write_look(LookSpec(rows=20, seed=3), look)
    with running_braze() as braze, running_hub(braze.url) as hub:
        result = CliRunner().invoke(
            app,
            [
                "send", "--hub", hub.url, "--token", hub.token, "--look", str(look),
                *(f"--param={k}={v}" for k, v in braze.params().items()),
                "--form-param", "braze_segment=DRY", "--form-param", "braze_dry_run=yes",
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    message, shown = result.stdout.split("first object (dry run, as it would be sent):\n", 1)
    assert "Dry run, nothing sent" in message and "First object" not in message
    obj = orjson.loads(shown[: shown.index("\n}\n") + 2])
    assert obj["looker_export"] == {"add": ["DRY"]} and isinstance(obj["external_id"], str)
    assert braze.params()["braze_api_key"] not in result.output


def test_live_progress_on_stderr_while_the_hub_works(tmp_path):
    look = tmp_path / "look.json"
    write_look(LookSpec(rows=1500, seed=5, known_users=2000), look)
    # Slow Braze (150 ms a request, one at a time): the send takes a few seconds.
    with (
        running_braze(latency_ms=(150, 150), users=2000) as braze,
        running_hub(braze.url, max_in_flight=1) as hub,
    ):
        result = CliRunner().invoke(
            app,
            [
                "send", "--hub", hub.url, "--token", hub.token, "--look", str(look),
                *(f"--param={k}={v}" for k, v in braze.params().items()),
                "--form-param", "braze_segment=P", "--json",
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("sending…")]
    assert progress, result.stderr
    assert any(" · read " in line and " · sent " in line for line in progress), progress
    assert orjson.loads(result.stdout)["looker"]["success"] is True  # stdout stays pure JSON
    quiet = CliRunner().invoke(app, ["send", "--hub", "http://127.0.0.1:9", "--no-progress"])
    assert "sending…" not in quiet.output


@pytest.mark.parametrize(("delimiter", "separator"), [(";", ";"), ("tab", "\t"), ("|", "|")])
def test_csv_takes_a_delimiter(tmp_path, delimiter, separator):
    path = tmp_path / "excel.csv"
    path.write_text(
        separator.join(["id", "ltv"]) + "\n" + separator.join(["u-1", "12.5"]) + "\n",
        encoding="utf-8",
    )
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(
            url, "--csv", str(path), "--delimiter", delimiter, "--inline",
            "--tag", "id=braze_id", "--type", "ltv=number",
        )  # fmt: skip
    assert code == 0, out
    document = orjson.loads(hub.executes[0].json["attachment"]["data"])
    assert [{k: c["value"] for k, c in row.items()} for row in document["data"]] == [
        {"id": "u-1", "ltv": 12.5}
    ]


def test_a_bad_delimiter_is_a_usage_error(csv_file):
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, "--csv", str(csv_file), "--delimiter", ";;")
    assert code == 2 and "--delimiter ';;': give one character" in out


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_csv_that_is_not_utf8_says_to_resave_it(tmp_path, where):
    path = tmp_path / "latin1.csv"
    header, row = "id,name", "u-1,Zoë"
    text = f"{header}\n{row}\n" if where == "row" else f"id,namé\n{row}\n"
    path.write_bytes(("id,name\n" + "u-0,a\n" * 3000 + text.split("\n", 1)[1]).encode("latin-1")
                     if where == "row" else text.encode("latin-1"))  # fmt: skip
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, "--csv", str(path))
    assert code == 2 and "latin1.csv is not UTF-8 text" in out, out
    assert "re-save it as UTF-8" in out and hub.requests == []


def test_form_answers_for_an_action_without_a_form_are_refused(look_file, monkeypatch):
    from tests.sim import test_looker_hub

    monkeypatch.delitem(test_looker_hub.DEFINITION, "form_url")
    hub = RecordingHub()
    with hub.running() as url:
        code, out = _send(url, "--look", str(look_file), "--form-param", "label=vip")
    assert code == 2 and "--form-param label: the action 'braze' has no form" in out
    assert hub.executes == []
