"""braze_trigger end to end: Looker sender -> hub server -> Braze simulator over real HTTP, with
the state store on SQLite (and PostgreSQL for the re-run): exact payloads, exactly once under
faults, no duplicate on a re-run, a paused Canvas, the cap, the dry run."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from looker_braze.actions.braze.options import workspace
from looker_braze.actions.braze.report import FIRST_OBJECT
from looker_braze.hub.auth import authorization_header
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender
from looker_braze.state import open_store
from looker_braze.state.triggers import PENDING, SENT, SendKey, TriggerLedger

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

ID = ("users.id", "string", ["braze_id"])
SCORE = ("users.score", "number", ["braze_trigger[score]"])
PLAN = ("users.plan", "string", ["braze_trigger[plan]"])
SCHEDULE = {"scheduled_plan_id": 77, "title": "weekly nudge", "type": "Look"}


def look(dimensions, rows) -> bytes:
    fields = [
        {"name": n, "type": t, "tags": tags, "is_numeric": t == "number"}
        for n, t, tags in dimensions
    ]
    data = [
        {name: {"value": value} for (name, _, _), value in zip(dimensions, row, strict=True)}
        for row in rows
    ]
    return orjson.dumps({"fields": {"dimensions": fields, "measures": []}, "data": data})


def users_look(numbers, properties: bool = False) -> bytes:
    if not properties:
        return look([ID], [(population.external_id(i),) for i in numbers])
    rows = [(population.external_id(i), i / 10, f"p{i % 3}") for i in numbers]
    return look([ID, SCORE, PLAN], rows)


async def execute(hub, braze, document, schedule=SCHEDULE, **form):
    form = {
        "braze_target_kind": "campaign", "braze_target_id": "camp-1",
        "braze_recipient_cap": "10000", "braze_key": "external_id",
    } | form  # fmt: skip
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute(
            "braze_trigger", braze.params(), form, look=document, scheduled_plan=schedule
        )
    return result.looker


def ready(braze) -> None:
    braze.sim.messaging.add_campaign("camp-1")
    braze.sim.messaging.set_canvas("canvas-1")


def received(braze, kind="campaign", target="camp-1") -> dict[str, int]:
    return {name: len(sent) for name, sent in braze.sim.messaging.messages(kind, target).items()}


def trigger_requests(braze) -> int:
    return len(braze.sim.messaging.bodies)


# ---------------------------------------------------------------- exact payloads


async def test_a_small_look_sends_the_exact_payloads_and_records_the_dispatch_ids():
    with running_braze(users=100) as braze, running_hub(braze.url) as hub:
        ready(braze)
        answer = await execute(hub, braze, users_look(range(60), properties=True))
        bodies = braze.sim.messaging.bodies
        runs = await _runs(hub)
    first = [
        {"external_user_id": population.external_id(i),
         "trigger_properties": {"score": i / 10, "plan": f"p{i % 3}"}}
        for i in range(60)
    ]  # fmt: skip
    assert bodies == [
        {"campaign_id": "camp-1", "recipients": first[:50]},
        {"campaign_id": "camp-1", "recipients": first[50:]},
    ]
    assert answer["success"] is True, answer["message"]
    assert "Done: campaign camp-1 (no send label) triggered for 60 users" in answer["message"]
    dispatches = sorted(
        braze.sim.messaging.sent[("campaign", "camp-1")][population.external_id(i)][0].dispatch_id
        for i in (0, 59)
    )
    assert (
        all(d in answer["message"] for d in dispatches)
        and "Dispatch ids (2 calls)" in answer["message"]
    )
    assert runs[0]["action"] == "braze_trigger" and runs[0]["counts"]["sent"] == 60
    assert dispatches[0] in runs[0]["message"]
    assert received(braze) == {population.external_id(i): 1 for i in range(60)}


async def test_canvas_context_email_and_alias_recipients():
    with running_braze(users=20) as braze, running_hub(braze.url) as hub:
        ready(braze)
        emails = look([("users.email", "string", ["braze_id"]), PLAN],
                      [(population.email(1), "gold"), (population.email(2), None)])  # fmt: skip
        await execute(hub, braze, emails, braze_target_kind="canvas",
                      braze_target_id="canvas-1", braze_key="email",
                      braze_prioritization="most_recently_updated")  # fmt: skip
        aliases = look([ID], [(population.alias_name(3),)])
        await execute(hub, braze, aliases, braze_target_kind="canvas", braze_send_label="a",
                      braze_target_id="canvas-1", braze_key="user_alias")  # fmt: skip
        bodies = braze.sim.messaging.bodies
    assert bodies[0] == {
        "canvas_id": "canvas-1",
        "recipients": [
            {"email": population.email(1), "prioritization": ["most_recently_updated"],
             "context": {"plan": "gold"}},
            {"email": population.email(2), "prioritization": ["most_recently_updated"]},
        ],
    }  # fmt: skip
    assert bodies[1]["recipients"] == [
        {"user_alias": {"alias_name": population.alias_name(3), "alias_label": "looker"}}
    ]
    assert received(braze, "canvas", "canvas-1") == {
        population.external_id(i): 1 for i in (1, 2, 3)
    }


async def test_invalid_rows_are_rejected_with_their_reason_and_the_rest_sent():
    big = "x" * (51 * 1024)
    one, two = population.external_id(1), population.external_id(2)
    rows = [(one, "ok"), (None, "a"), ("  ", "b"), (two, big), (one, "dup")]
    document = look([ID, PLAN], rows)
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        ready(braze)
        answer = await execute(hub, braze, document)
    message = answer["message"]
    assert "Rows read: 5: 1 sent; 1 duplicate ids skipped; 3 rejected" in message
    assert "empty identifier: 2" in message and "properties over 50 KB: 1" in message
    assert received(braze) == {population.external_id(1): 1}


# ---------------------------------------------------------------- exactly once


async def test_a_large_look_under_faults_messages_each_user_at_most_once_and_says_who_is_unknown():
    numbers = range(3000)
    with (
        running_braze(users=3000, error_rate=0.05, drop_rate=0.03, rate_limit_requests=25,
                      rate_limit_seconds=1.0, seed=11) as braze,
        running_hub(braze.url, request_timeout_seconds=5) as hub,
    ):  # fmt: skip
        ready(braze)
        braze.sim.messaging.set_lost_answer_rate(0.05)
        answer = await execute(hub, braze, users_look(numbers))
        stats = braze.sim.stats()
        first = received(braze)
        ledger = _ledger(hub, braze)
        states = ledger.states([f"external_id:{population.external_id(i)}" for i in numbers])
        # the same schedule again, Braze healthy: nobody is messaged twice
        braze.sim.set_faults(error_rate=0, drop_rate=0, rate_limit_requests=None)
        braze.sim.messaging.set_lost_answer_rate(0)
        calls = trigger_requests(braze)
        again = await execute(hub, braze, users_look(numbers))
        second = received(braze)
        calls_again = trigger_requests(braze) - calls
    message = answer["message"]
    assert stats["requests"].get("429") and stats["requests"].get("dropped")
    assert braze.sim.messaging.lost_answers > 0
    assert max(first.values()) == 1  # nobody twice
    sent = {key.split(":", 1)[1] for key, state in states.items() if state == SENT}
    pending = {key.split(":", 1)[1] for key, state in states.items() if state == PENDING}
    assert len(sent) + len(pending) == 3000
    assert sent <= set(first)  # recorded sent: Braze has their message
    assert (
        set(population.external_id(i) for i in numbers) - set(first) <= pending
    )  # no message: unknown
    assert (
        f"{len(sent):,} sent" in message
        and f"{len(pending):,} outcome unknown, not resent" in message
    )
    assert answer["success"] is False and "Outcome unknown for" in message
    assert second == first and calls_again == 0
    assert f"{len(sent):,} already messaged by this send, not again" in again["message"]
    assert f"{len(pending):,} with an outcome unknown since an earlier run" in again["message"]


async def test_a_rerun_of_the_same_schedule_sends_no_duplicate_and_a_new_label_sends_again(
    pg_schema,
):
    url, schema = pg_schema
    with (
        running_braze(users=200) as braze,
        running_hub(braze.url, state_url=f"{url}?schema={schema}") as hub,
    ):
        ready(braze)
        await execute(hub, braze, users_look(range(100)))
        again = await execute(hub, braze, users_look(range(150)))  # 50 new users joined
        counts = received(braze)
        labelled = await execute(hub, braze, users_look(range(10)), braze_send_label="reminder")
        final = received(braze)
    assert counts == {population.external_id(i): 1 for i in range(150)}
    assert "Done" in again["message"] and "50 sent; 100 already messaged" in again["message"]
    assert labelled["success"] is True
    assert final == {population.external_id(i): 2 if i < 10 else 1 for i in range(150)}


async def test_sends_without_a_label_are_one_send_whatever_their_plan():
    with running_braze(users=20) as braze, running_hub(braze.url) as hub:
        ready(braze)
        await execute(hub, braze, users_look(range(5)), schedule=None)  # a plan id of its own
        again = await execute(hub, braze, users_look(range(5)), schedule={"scheduled_plan_id": 8})
    assert received(braze) == {population.external_id(i): 1 for i in range(5)}
    assert "(no send label)" in again["message"] and "5 already messaged" in again["message"]


# ---------------------------------------------------------------- refusals


async def test_a_paused_canvas_fails_the_run_and_nobody_is_recorded_as_sent():
    with running_braze(users=100) as braze, running_hub(braze.url) as hub:
        ready(braze)
        braze.sim.messaging.set_canvas("canvas-1", "paused")
        form = {"braze_target_kind": "canvas", "braze_target_id": "canvas-1"}
        answer = await execute(hub, braze, users_look(range(60)), **form)
        braze.sim.messaging.set_canvas("canvas-1", "active")
        resumed = await execute(hub, braze, users_look(range(60)), **form)
    assert answer["success"] is False
    assert "The Canvas is paused. Resume the Canvas" in answer["message"]
    assert "60 not sent because the run stopped" in answer["message"]
    assert resumed["success"] is True and "triggered for 60 users" in resumed["message"]
    assert received(braze, "canvas", "canvas-1") == {
        population.external_id(i): 1 for i in range(60)
    }


async def test_an_invalid_campaign_id_fails_with_what_to_fix():
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        ready(braze)
        answer = await execute(hub, braze, users_look(range(3)), braze_target_id="camp-typo")
        retry = await execute(hub, braze, users_look(range(3)))  # released: the fixed id sends
    assert answer["success"] is False and "Invalid Campaign ID" in answer["message"]
    assert "3 not sent" in answer["message"]
    assert retry["success"] is True and received(braze) == {
        population.external_id(i): 1 for i in range(3)
    }


async def test_the_cap_refuses_a_look_with_more_recipients_before_sending_anything():
    with running_braze(users=100) as braze, running_hub(braze.url) as hub:
        ready(braze)
        answer = await execute(hub, braze, users_look([*range(30), 0, 1]), braze_recipient_cap="29")
        requests = sum(braze.sim.stats()["requests"].values())
    assert answer["success"] is False
    assert (
        "Refused, nothing sent: the Look has 30 distinct recipients, more than the Recipient Cap "
        "of 29" in answer["message"]
    )
    assert requests == 0


@pytest.mark.parametrize("cap", ["", "ten", "0", "-3", "1.5"])
async def test_the_cap_is_a_required_whole_number(cap):
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        answer = await execute(hub, braze, users_look(range(3)), braze_recipient_cap=cap)
    assert answer["success"] is False
    assert (
        "Recipient Cap must be a whole number" in answer["validation_errors"]["braze_recipient_cap"]
    )


async def test_a_dry_run_lists_who_would_receive_it_and_sends_nothing():
    with running_braze(users=100) as braze, running_hub(braze.url) as hub:
        ready(braze)
        await execute(hub, braze, users_look(range(3)))  # 0..2 already messaged
        before = sum(braze.sim.stats()["requests"].values())
        answer = await execute(
            hub, braze, users_look(range(30), properties=True), braze_dry_run="yes"
        )
        after = sum(braze.sim.stats()["requests"].values())
    message = answer["message"]
    assert after == before and answer["success"] is True
    assert "Dry run, nothing sent: 27 users would receive campaign camp-1" in message
    assert "3 already messaged by this send, not again" in message
    shown = ", ".join(population.external_id(i) for i in range(3, 23))
    assert f"Would receive it: {shown} and 7 more." in message
    sample = orjson.loads(message.split(FIRST_OBJECT, 1)[1])
    assert sample["campaign_id"] == "camp-1" and len(sample["recipients"]) == 27
    assert sample["recipients"][0] == {
        "external_user_id": population.external_id(3),
        "trigger_properties": {"score": 0.3, "plan": "p0"},
    }


# ---------------------------------------------------------------- helpers


async def _runs(hub) -> list[dict]:
    headers = {"Authorization": authorization_header(hub.token)}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.get(f"{hub.url}/runs") as response,
    ):
        return (await response.json())["runs"]


def _ledger(hub, braze) -> TriggerLedger:
    store = open_store(hub.settings.state_url)
    key = SendKey(workspace(braze.url, "sim-key"), "campaign:camp-1", "default")
    return TriggerLedger(store, key)


# ---------------------------------------------------------------- looker-braze send


def test_looker_braze_send_targets_braze_trigger(tmp_path):
    from typer.testing import CliRunner

    from looker_braze.cli import app

    path = tmp_path / "look.json"
    path.write_bytes(users_look(range(7), properties=True))
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        ready(braze)

        def send(*form: str):
            args = ["send", "--hub", hub.url, "--token", hub.token, "--action", "braze_trigger",
                    "--look", str(path), *(f"--param={k}={v}" for k, v in braze.params().items()),
                    "--form-param", "braze_target_id=camp-1",
                    "--form-param", "braze_recipient_cap=10"]  # fmt: skip
            for value in form:
                args += ["--form-param", value]
            return CliRunner().invoke(app, args)

        dry = send("braze_dry_run=yes")
        sent = send()
        typo = send("braze_recipent_cap=3")
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing sent: 7 users would receive campaign camp-1" in dry.stdout
    assert "first object (dry run, as it would be sent)" in dry.stdout
    assert sent.exit_code == 0, sent.output
    assert "Done: campaign camp-1 (no send label) triggered for 7 users" in sent.stdout
    assert received(braze) == {population.external_id(i): 1 for i in range(7)}
    assert typo.exit_code == 2 and "did you mean braze_recipient_cap?" in typo.output


def test_the_demo_shows_a_trigger_sent_once():
    import os
    import subprocess
    import sys
    from pathlib import Path

    command = str(Path(sys.executable).parent / "looker-braze")
    env = {**os.environ, "COLUMNS": "200"}
    result = subprocess.run([command, "demo", "--rows", "2000"], capture_output=True, text=True,
                            timeout=300, env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert "Dry run, nothing sent: 500 users would receive campaign demo-campaign" in out
    assert "500 already messaged by this send, not again" in out
    assert (
        "Braze holds 500 messages for 500 users (10 dispatch ids); users messaged twice: 0" in out
    )
