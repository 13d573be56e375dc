"""Audience sync end to end: flags that come off, only changes sent, state on SQLite and
PostgreSQL, against the Braze simulator over real HTTP."""

from __future__ import annotations

import random

import orjson
import pytest

from looker_braze.sim import population
from looker_braze.state import open_store
from looker_braze.sim.looker import LookerSender

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
    import hashlib

    workspace = f"{braze.url}#{hashlib.sha256(b'sim-key').hexdigest()[:16]}"
    with open_store(state_url) as store:
        return store.audience_size(store.audience_id(workspace, "looker_export", LABEL))


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
