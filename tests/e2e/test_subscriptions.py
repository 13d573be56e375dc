"""The braze_subscriptions action end to end: Looker sender -> hub server -> Braze simulator (or
a recording Braze), all real HTTP on 127.0.0.1."""

from __future__ import annotations

import random

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from looker_braze.serving import background_server
from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec
from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

ACTION = "braze_subscriptions"
EMAIL = "aaaaaaaa-0000-4000-8000-000000000001"
EMAIL_2 = "aaaaaaaa-0000-4000-8000-000000000002"
SMS = "aaaaaaaa-0000-4000-8000-000000000003"
SMS_2 = "aaaaaaaa-0000-4000-8000-000000000004"
GROUPS = {EMAIL: "email", EMAIL_2: "email", SMS: "sms", SMS_2: "sms"}
FIELDS = {
    "id": "braze_id",
    "group": "braze_subscription_group",
    "state": "braze_subscription_state",
}


def look(rows: list[tuple], columns: tuple[str, ...] = ("id", "group", "state")) -> bytes:
    """json_detail of ``rows``, each the values of ``columns`` (fields tagged as FIELDS says)."""
    dimensions = [
        {"name": f"users.{c}", "type": "string", "tags": [FIELDS[c]], "label_short": c}
        for c in columns
    ]
    data = [
        {f"users.{c}": {"value": value} for c, value in zip(columns, row, strict=True)}
        for row in rows
    ]
    return orjson.dumps({"fields": {"dimensions": dimensions, "measures": []}, "data": data})


async def execute(hub, params, body, form, **options):
    async with LookerSender(hub.url, token=hub.token) as looker:
        return await looker.execute(
            ACTION, params=params, form_params=form, look=body, delivery="url", **options
        )


def requests_made(braze) -> int:
    return sum(braze.sim.stats()["requests"].values())


# ---------------------------------------------------------------- exact payloads


class RecordingBraze:
    """A stand-in Braze that records every subscription request and accepts it."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        path = "/v2/subscription/status/set"
        self.app = Starlette(routes=[Route(path, self.record, methods=["POST"])])

    async def record(self, request: Request):
        assert request.headers["authorization"] == "Bearer the-key"
        self.bodies.append(orjson.loads(await request.body()))
        return JSONResponse({"message": "success"}, 201)


async def test_exact_payloads_for_a_small_look():
    rows = [
        ("u1", None, None),  # the form's group and state
        ("u2", EMAIL_2.upper(), "Unsubscribed"),  # the row's own, in any case
        ("u1", EMAIL_2, ""),  # another group for u1, the form's state
        ("u1", None, "subscribed"),  # the same as the first row: a duplicate
        ("u2", EMAIL_2, "subscribed"),  # u2 already unsubscribed in EMAIL_2: refused
        ("u3", "not-a-group", "subscribed"),
        ("u4", SMS, "opted_in"),
        (None, SMS, "subscribed"),
        ("u5", SMS, "unsubscribed"),
    ]
    form = {"braze_subscription_group": EMAIL, "braze_subscription_state": "subscribed"}
    recorder = RecordingBraze()
    with background_server(recorder.app) as url, running_hub(url) as hub:
        params = {"braze_api_key": "the-key", "braze_api_endpoint": url}
        result = await execute(hub, params, look(rows), form)
    assert recorder.bodies == [{"subscription_groups": [
        {"subscription_group_id": EMAIL, "subscription_state": "subscribed",
         "external_ids": ["u1"]},
        {"subscription_group_id": EMAIL_2, "subscription_state": "unsubscribed",
         "external_ids": ["u2"]},
        {"subscription_group_id": EMAIL_2, "subscription_state": "subscribed",
         "external_ids": ["u1"]},
        {"subscription_group_id": SMS, "subscription_state": "unsubscribed",
         "external_ids": ["u5"]},
    ]}]  # fmt: skip
    message = result.looker["message"]
    assert result.looker["success"] is True, message
    for fragment in (
        "Rows read: 9: 4 sent", "1 duplicates skipped", "4 invalid",
        "another state for the same user and group", "not a UUID",
        "must be subscribed or unsubscribed (got 'opted_in')",
        "not billed as Braze data points", "1 request,",
    ):  # fmt: skip
        assert fragment in message, message


# ---------------------------------------------------------------- identifiers


async def test_phones_go_in_e164_to_sms_groups_and_bad_ones_are_rejected():
    rows = [("(555) 000-0042",), ("+1 555 000 0043",), ("12345",), ("+15550001234",)]
    form = {"braze_key": "phone", "braze_subscription_group": SMS,
            "braze_subscription_state": "unsubscribed"}  # fmt: skip
    with (
        running_braze(users=100, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        result = await execute(hub, braze.params(), look(rows, ("id",)), form)
        store = braze.sim.subscriptions
        assert store.state(SMS, "external_id", population.external_id(42)) == "unsubscribed"
        assert store.state(SMS, "external_id", population.external_id(43)) == "unsubscribed"
        assert store.state(SMS, "phone", "+15550001234") == "unsubscribed"  # an orphan
        assert store.stats.orphans_set == 1 and store.stats.refused == {}
    message = result.looker["message"]
    assert result.looker["success"] is True, message
    assert "3 sent" in message and "invalid phone: has no country code" in message


async def test_emails_set_states_and_unknown_emails_become_orphans():
    rows = [(population.email(i),) for i in range(5)] + [("new@example.org",), ("nope",)]
    form = {"braze_key": "email", "braze_subscription_group": EMAIL_2,
            "braze_subscription_state": "subscribed"}  # fmt: skip
    with (
        running_braze(users=100, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        result = await execute(hub, braze.params(), look(rows, ("id",)), form)
        summary = braze.sim.subscriptions.summary(EMAIL_2)
    assert result.looker["success"] is True, result.looker["message"]
    assert summary["subscribed"] == 5 and summary["orphans"] == {"subscribed": 1}
    assert "6 sent" in result.looker["message"] and "invalid email" in result.looker["message"]


async def test_emails_for_an_sms_group_are_rejected_by_braze_with_its_reason():
    rows = [(population.email(1), EMAIL), (population.email(2), SMS)]
    form = {"braze_key": "email", "braze_subscription_state": "subscribed"}
    with (
        running_braze(users=10, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        result = await execute(hub, braze.params(), look(rows, ("id", "group")), form)
        summary = braze.sim.subscriptions.summary(EMAIL)
    message = result.looker["message"]
    assert result.looker["success"] is False and summary["subscribed"] == 1
    assert "1 rejected by Braze (Braze refused it (400: Emails cannot be subscribed" in message


# ---------------------------------------------------------------- volume, faults, re-runs


def large_look(users: int, seed: int) -> tuple[list[tuple], dict[tuple[str, str], str]]:
    """Every user in every group, each with a random state; and the truth per (group, user)."""
    rng = random.Random(seed)
    rows, truth = [], {}
    for i in range(users):
        for group in GROUPS:
            state = rng.choice(["subscribed", "unsubscribed"])
            rows.append((population.external_id(i), group, state))
            truth[(group, population.external_id(i))] = state
    rng.shuffle(rows)
    return rows, truth


async def test_a_large_look_is_delivered_under_429s_5xx_and_dropped_connections():
    rows, truth = large_look(users=5000, seed=11)
    with running_braze(
        users=5000, subscription_groups=GROUPS, subscription_rate_limit_requests=3,
        subscription_rate_limit_seconds=0.5, rate_limit_headers="retry-after",
        error_rate=0.25, drop_rate=0.05, seed=5,
    ) as braze, running_hub(braze.url, max_attempts=30) as hub:  # fmt: skip
        result = await execute(hub, braze.params(), look(rows), {})
        stats, store = braze.sim.stats(), braze.sim.subscriptions
        wrong = [
            key
            for key, state in truth.items()
            if store.state(*key[:1], "external_id", key[1]) != state
        ]
    message = result.looker["message"]
    assert result.looker["success"] is True, message
    assert wrong == []
    assert f"Rows read: {len(rows):,}: {len(rows):,} sent" in message
    assert stats["rate_limited_requests"] > 0
    assert sum(n for code, n in stats["requests"].items() if code.startswith("5")) > 0
    assert store.stats.max_entries_in_request <= 25
    assert "retries" in message


async def test_running_the_same_schedule_again_leaves_the_same_states():
    rows, truth = large_look(users=300, seed=2)
    with (
        running_braze(users=300, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        first = await execute(hub, braze.params(), look(rows), {})
        after_first = {
            key: braze.sim.subscriptions.state(key[0], "external_id", key[1]) for key in truth
        }
        second = await execute(hub, braze.params(), look(rows), {})
        after_second = {
            key: braze.sim.subscriptions.state(key[0], "external_id", key[1]) for key in truth
        }
    assert first.looker["success"] and second.looker["success"]
    assert after_first == after_second == truth


# ---------------------------------------------------------------- refusals, dry runs


async def test_dry_run_lists_the_requests_and_sends_nothing():
    rows, _ = large_look(users=400, seed=3)
    with (
        running_braze(users=10, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        result = await execute(hub, braze.params(), look(rows), {"braze_dry_run": "yes"})
        sent = requests_made(braze)
    message = result.looker["message"]
    assert result.looker["success"] is True and sent == 0
    assert "Dry run, nothing sent: 1,600 subscription states would be set in 2 requests" in message
    assert (
        "Requests to POST /v2/subscription/status/set: 25 entries (4 groups), 1,250 external_ids"
        in message
    )
    assert '"subscription_groups":[{"subscription_group_id"' in message


@pytest.mark.parametrize(
    "form, field, fragment",
    [
        ({"braze_key": "user_alias"}, "braze_key", "takes only external ids, emails and phones"),
        ({"braze_key": "braze_id"}, "braze_key", "user_alias and braze_id are not offered"),
        ({"braze_subscription_group": "grp-1"}, "braze_subscription_group", "not a UUID"),
        ({"braze_subscription_state": "opt-in"}, "braze_subscription_state", "subscribed or"),
        ({"braze_double_opt_in": "maybe"}, "braze_double_opt_in", "yes or no"),
    ],
)
async def test_bad_form_answers_are_refused_before_anything_is_sent(form, field, fragment):
    with running_braze(subscription_groups=GROUPS) as braze, running_hub(braze.url) as hub:
        result = await execute(hub, braze.params(), look([("u1", EMAIL, "subscribed")]), form)
        sent = requests_made(braze)
    assert result.looker["success"] is False and sent == 0
    assert fragment in result.looker["validation_errors"][field]


async def test_a_look_without_a_group_anywhere_fails_with_the_fix():
    with running_braze(subscription_groups=GROUPS) as braze, running_hub(braze.url) as hub:
        form = {"braze_subscription_state": "subscribed"}
        result = await execute(hub, braze.params(), look([("u1",)], ("id",)), form)
        sent = requests_made(braze)
    assert result.looker["success"] is False and sent == 0
    assert "No subscription group: choose one in the form" in result.looker["message"]


async def test_a_key_without_the_permission_fails_the_run_and_counts_rows_not_sent():
    keys = {"sim-key": KeySpec(permissions=frozenset({"users.track"}))}
    with (
        running_braze(users=10, api_keys=keys, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        rows = [(population.external_id(i), EMAIL, "subscribed") for i in range(10)]
        result = await execute(hub, braze.params(), look(rows), {})
    message = result.looker["message"]
    assert result.looker["success"] is False
    assert "'subscription.status.set' permission" in message and "sim-key" not in message
    assert "10 not sent because the run stopped" in message


async def test_the_form_and_definition_say_what_is_not_accepted():
    with running_braze() as braze, running_hub(braze.url) as hub:
        async with LookerSender(hub.url, token=hub.token) as looker:
            form = await looker.form(ACTION, params=braze.params())
            actions = await looker.list_actions()
    names = [field["name"] for field in form["fields"]]
    assert names[:3] == ["braze_key", "braze_subscription_group", "braze_subscription_state"]
    key_field = form["fields"][0]
    assert [o["name"] for o in key_field["options"]] == ["external_id", "email", "phone"]
    assert "user_alias and braze_id are not offered" in key_field["description"]
    (definition,) = [a for a in actions["integrations"] if a["name"] == ACTION]
    assert "Not billed as data points" in definition["description"]


# ---------------------------------------------------------------- looker-braze send


def test_looker_braze_send_targets_the_action(tmp_path):
    from typer.testing import CliRunner

    from looker_braze.cli import app

    csv = tmp_path / "subscribers.csv"
    lines = [
        "email,group,state",
        *(f"{population.email(i)},{EMAIL},Unsubscribed" for i in range(3)),
    ]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (
        running_braze(users=10, subscription_groups=GROUPS) as braze,
        running_hub(braze.url) as hub,
    ):
        args = [
            "send", "--hub", hub.url, "--token", hub.token, "--action", ACTION, "--csv", str(csv),
            "--tag", "email=braze_id", "--tag", "group=braze_subscription_group",
            "--tag", "state=braze_subscription_state",
            *(f"--param={k}={v}" for k, v in braze.params().items()),
            "--form-param", "braze_key=email", "--form-param", "braze_subscription_state=from_look",
        ]  # fmt: skip
        result = CliRunner().invoke(app, args)
        summary = braze.sim.subscriptions.summary(EMAIL)
    assert result.exit_code == 0, result.output
    assert "Braze accepted 3 subscription states" in result.output
    assert summary["unsubscribed"] == 3
    assert braze.params()["braze_api_key"] not in result.output


async def test_the_run_history_counts_a_stopped_run_as_the_answer_does(tmp_path):
    from looker_braze.state import open_store

    state_url = f"sqlite:///{tmp_path}/state.sqlite3"
    rows = [(population.external_id(i), EMAIL, "subscribed") for i in range(120)] * 2
    with (
        running_braze(users=200, subscription_groups=GROUPS, error_rate=1.0) as braze,
        running_hub(braze.url, state_url=state_url, max_attempts=1) as hub,
    ):
        result = await execute(hub, braze.params(), look(rows), {})
    store = open_store(state_url)
    try:
        (run,) = store.runs(limit=1)
    finally:
        store.close()
    assert result.looker["success"] is False
    assert (run.action, run.mode, run.label) == (ACTION, "set", "groups from the Look")
    assert run.counts["read"] == 240 and run.counts["duplicates"] == 120
    assert run.counts["not_sent"] == 120 and run.message == result.looker["message"]
    assert "120 not sent because the run stopped" in run.message
