"""`looker-braze send --action braze_events` against the real hub and the Braze simulator, from a
CSV with tags (the way an admin tries the action before a Look exists); `looker-braze events`
on the hub's ledger."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from looker_braze.cli import app

from .conftest import running_braze, running_hub

CSV = "user,event,at,plan\nu-1,signed_up,2025-01-31 10:00:00,gold\nu-2,signed_up,2025-02-01,\n"


def _send(hub, braze, csv, *extra: str):
    args = [
        "send", "--hub", hub.url, "--token", hub.token, "--action", "braze_events",
        "--csv", str(csv), "--tag", "user=braze_id", "--tag", "event=braze_event_name",
        "--tag", "at=braze_time", "--type", "at=date_time", "--tag", "plan=braze_property[plan]",
        *(f"--param={k}={v}" for k, v in braze.params().items()),
        "--form-param", "braze_update_existing_only=no", *extra,
    ]  # fmt: skip
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_send_targets_the_events_action_and_rerunning_sends_nothing_twice(tmp_path):
    csv = tmp_path / "events.csv"
    csv.write_text(CSV, encoding="utf-8")
    with running_braze() as braze, running_hub(braze.url) as hub:
        dry = _send(hub, braze, csv, "--form-param", "braze_dry_run=yes")
        assert dry.exit_code == 0, dry.output
        assert "Dry run, nothing sent: 2 events would be sent." in dry.stdout
        shown = dry.stdout.split("first objects (dry run, as it would be sent):\n", 1)[1]
        listed = orjson.loads(shown[: shown.index("\n]\n") + 2])
        assert listed[1] == {
            "external_id": "u-2", "_update_existing_only": False, "name": "signed_up",
            "time": "2025-02-01T00:00:00Z",
        }  # fmt: skip
        assert braze.sim.stats()["objects_received"] == 0
        first = _send(hub, braze, csv)
        again = _send(hub, braze, csv)
        events = braze.sim.occurrences("events", "external_id", "u-1")
    assert first.exit_code == 0, first.output
    assert "Done: 2 events sent to Braze" in first.stdout
    assert again.exit_code == 0, again.output
    assert "2 sent by an earlier run, not sent again" in again.stdout
    assert events == [
        {"name": "signed_up", "time": "2025-01-31T10:00:00.000Z", "properties": {"plan": "gold"}}
    ]


def test_events_pending_and_release_on_the_ledger(tmp_path):
    from looker_braze.state import RunEnd, RunStart, open_store
    from looker_braze.state import events as ledger

    url = f"sqlite:///{tmp_path}/state.sqlite3"
    with open_store(url) as store:
        run = store.start_run(RunStart("braze_events", "events", "event", "", "w"))
        ledger.reserve(store, "w", ["a", "b"], run)
        store.finish_run(run, RunEnd(success=False, message="stopped"))
    runner = CliRunner()
    pending = runner.invoke(app, ["events", "pending", "--state", url])
    assert pending.exit_code == 0 and "2 events or purchases held" in pending.output
    refused = runner.invoke(app, ["events", "release", "--state", url], input="n\n")
    assert refused.exit_code != 0
    released = runner.invoke(app, ["events", "release", "--state", url, "--yes"])
    assert released.exit_code == 0 and "2 held events released" in released.output
    with open_store(url) as store:
        assert ledger.statuses(store, "w", ["a", "b"]) == {}


def test_events_prune_forgets_events_sent_long_ago(tmp_path):
    from looker_braze.state import events as ledger
    from looker_braze.state import open_store

    url = f"sqlite:///{tmp_path}/state.sqlite3"
    with open_store(url) as store:
        ledger.mark_sent(store, "w", ledger.reserve(store, "w", ["a", "b"], None).taken)
        with store.transaction("age one row") as conn:  # as if sent in 2000
            conn.execute("UPDATE sent_events SET updated_at = '2000-01-01' WHERE event_key = 'a'")
    runner = CliRunner()
    refused = runner.invoke(app, ["events", "prune", "--older-than", "30", "--state", url], "n\n")
    assert refused.exit_code != 0 and "Forget 1 events sent before" in refused.output
    bad = runner.invoke(app, ["events", "prune", "--older-than", "0", "--state", url])
    assert bad.exit_code != 0
    pruned = runner.invoke(app, ["events", "prune", "--older-than", "30", "--state", url, "--yes"])
    assert pruned.exit_code == 0 and "1 events sent before" in pruned.output
    with open_store(url) as store:
        assert ledger.statuses(store, "w", ["a", "b"]) == {"b": "sent"}
