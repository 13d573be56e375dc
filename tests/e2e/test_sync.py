"""Audience sync end to end: flags that come off, only changes sent, state on SQLite and
PostgreSQL, against the Braze simulator over real HTTP."""

from __future__ import annotations

import random

import orjson
import pytest

from looker_braze.actions.braze.options import workspace
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender
from looker_braze.state import open_store

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

LABEL = "SYNCED"


def look(users: list[int], tier: dict[int, str] | None = None, kind: str = "external_id") -> bytes:
    """A Look of these population users, with one tagged attribute."""
    fields = {
        "dimensions": [
            {"name": "u.id", "type": "string", "tags": ["braze_id"]},
            {"name": "u.tier", "type": "string", "tags": ["braze[tier]"]},
        ],
        "measures": [],
    }
    tier = tier or {}
    data = [
        {
            "u.id": {"value": population.identifier(kind, i)},
            "u.tier": {"value": tier.get(i, "gold")},
        }
        for i in users
    ]
    return orjson.dumps({"fields": fields, "data": data})


async def send(hub, braze, users, mode="sync", send_what=None, tier=None, kind="external_id"):
    form = {"braze_key": kind, "braze_segment": LABEL, "braze_mode": mode,
            "braze_alias_label": population.ALIAS_LABEL}  # fmt: skip
    if send_what:
        form["braze_send"] = send_what
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute(
            "braze", params=braze.params(), form_params=form, look=look(users, tier, kind)
        )
    return result.looker


def segment(braze) -> set[str]:
    return set(braze.sim.segment_members("looker_export", LABEL))


def external_ids(users) -> set[str]:
    return {population.external_id(i) for i in users}


@pytest.fixture(params=["sqlite", "postgres"])
def state_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/state.sqlite3"
    url, schema = request.getfixturevalue("pg_schema")
    return f"{url}?schema={schema}"


async def test_three_syncs_leave_the_segment_equal_to_the_latest_look(state_url):
    rng = random.Random(3)
    with running_braze(users=3000) as braze, running_hub(braze.url, state_url=state_url) as hub:
        for _ in range(3):
            users = sorted(rng.sample(range(3000), 1200))
            answer = await send(hub, braze, users)
            assert answer["success"] is True, answer["message"]
            assert segment(braze) == external_ids(users)


async def test_an_unchanged_resync_sends_nothing(tmp_path):
    with (
        running_braze(users=500) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        users = list(range(400))
        await send(hub, braze, users)
        before = braze.sim.stats()["objects_received"]
        answer = await send(hub, braze, users)
        assert answer["success"] is True
        assert braze.sim.stats()["objects_received"] == before
        assert "400 unchanged" in answer["message"]
        assert "saved by sending only changes" in answer["message"]


async def test_a_changed_attribute_is_the_only_thing_sent(tmp_path):
    with (
        running_braze(users=100) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        users = list(range(100))
        await send(hub, braze, users)
        points = braze.sim.stats()["data_points"]
        answer = await send(hub, braze, users, tier={7: "platinum"})
        assert answer["success"] is True
        assert braze.sim.stats()["data_points"] - points == 1  # one attribute, no label re-add
        profile = braze.sim.profile("external_id", population.external_id(7))
        assert profile["custom_attributes"]["tier"] == "platinum"


async def test_append_with_changes_only_skips_unchanged_attributes(tmp_path):
    with (
        running_braze(users=100) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        await send(hub, braze, range(50), mode="append", send_what="changes")
        received = braze.sim.stats()["objects_received"]
        answer = await send(hub, braze, range(60), mode="append", send_what="changes")
        assert answer["success"] is True
        assert braze.sim.stats()["objects_received"] - received == 10  # only the new users
        assert segment(braze) == external_ids(range(60))  # append never removes


async def test_everything_forces_a_full_resend(tmp_path):
    with (
        running_braze(users=100) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        await send(hub, braze, range(80))
        received = braze.sim.stats()["objects_received"]
        answer = await send(hub, braze, range(80), send_what="everything")
        assert answer["success"] is True
        assert braze.sim.stats()["objects_received"] - received == 80


async def test_a_partly_failed_sync_is_repaired_by_the_next(tmp_path):
    state = f"sqlite:///{tmp_path}/s.db"
    with running_braze(users=2000) as braze:
        with running_hub(braze.url, state_url=state) as hub:
            assert (await send(hub, braze, range(1000)))["success"] is True
        braze.sim.set_faults(error_rate=0.5)
        with running_hub(braze.url, state_url=state, max_attempts=1, max_in_flight=2) as hub:
            answer = await send(hub, braze, range(500, 1800))
            assert answer["success"] is False  # Braze kept failing: the run stopped part way
        # The state holds only what Braze accepted: every recorded member is in the segment,
        # and nobody was removed on the strength of a Look that was not fully sent.
        flagged = segment(braze)
        assert external_ids(range(1000)) <= flagged < external_ids(range(1800))
        assert audience_size(state, braze) <= len(flagged)
        braze.sim.set_faults(error_rate=0.0)
        with running_hub(braze.url, state_url=state) as hub:
            answer = await send(hub, braze, range(500, 1800))
            assert answer["success"] is True, answer["message"]
            assert segment(braze) == external_ids(range(500, 1800))
            assert audience_size(state, braze) == 1300


def audience_size(state_url: str, braze) -> int:
    with open_store(state_url) as store:
        space = workspace(braze.url, "sim-key")
        return store.audience_size(store.audience_id(space, "looker_export", LABEL))


@pytest.mark.parametrize("kind", population.IDENTIFIER_KINDS)
async def test_remove_works_for_every_identifier_type(tmp_path, kind):
    with (
        running_braze(users=200) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        assert (await send(hub, braze, range(100), mode="append", kind=kind))["success"] is True
        assert len(segment(braze)) == 100
        answer = await send(hub, braze, range(30), mode="remove", kind=kind)
        assert answer["success"] is True, answer["message"]
        assert segment(braze) == external_ids(range(30, 100))


async def test_dry_run_sync_says_who_would_leave_and_changes_nothing(tmp_path):
    with (
        running_braze(users=100) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        await send(hub, braze, range(50))
        received = braze.sim.stats()["objects_received"]
        form_dry = {"braze_dry_run": "yes"}
        async with LookerSender(hub.url, token=hub.token) as looker:
            result = await looker.execute(
                "braze",
                params=braze.params(),
                form_params={"braze_segment": LABEL, "braze_mode": "sync", **form_dry},
                look=look(list(range(10, 60))),
            )
        message = result.looker["message"]
        assert braze.sim.stats()["objects_received"] == received
        assert "10 users who left the Look would lose the label" in message
        assert segment(braze) == external_ids(range(50))


async def test_run_history_over_http_html_and_cli(tmp_path):
    import base64
    import subprocess
    import sys

    import aiohttp

    state = f"sqlite:///{tmp_path}/s.db"
    with running_braze(users=100) as braze, running_hub(braze.url, state_url=state) as hub:
        await send(hub, braze, range(40))
        await send(hub, braze, range(30))
        async with LookerSender(hub.url, token=hub.token) as looker:
            await looker.execute("braze", params={}, form_params={}, look=look([1]))  # fails
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f'Token token="{hub.token}"'}
            async with http.get(f"{hub.url}/runs", params={"limit": 2}, headers=headers) as r:
                page = await r.json()
            async with http.get(f"{hub.url}/runs") as r:
                assert r.status == 403
            async with http.get(f"{hub.url}/runs/view") as r:
                assert r.status == 401 and "Basic" in r.headers["WWW-Authenticate"]
            basic = "Basic " + base64.b64encode(f"looker:{hub.token}".encode()).decode()
            async with http.get(f"{hub.url}/runs/view", headers={"Authorization": basic}) as r:
                html = await r.text()
    first, second = page["runs"]
    assert first["success"] is False and "has no settings" in first["message"]
    assert second["mode"] == "sync" and second["label"] == LABEL and second["success"] is True
    assert second["counts"]["read"] == 30 and second["data_points_saved"] > 0
    assert page["next"] is not None
    assert "sim-key" not in str(page) and "<table>" in html and LABEL in html
    cli = subprocess.run(
        [sys.executable, "-m", "looker_braze", "runs", "--state", state, "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert [run["id"] for run in orjson.loads(cli.stdout)] == [3, 2, 1]


async def test_an_empty_look_never_empties_the_audience(tmp_path):
    with (
        running_braze(users=100) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/s.db") as hub,
    ):
        await send(hub, braze, range(50))
        answer = await send(hub, braze, [])
        assert answer["success"] is False
        assert "the Look has no users" in answer["message"]
        assert segment(braze) == external_ids(range(50))
