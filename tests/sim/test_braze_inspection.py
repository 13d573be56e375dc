"""The /sim/ inspection endpoints over real HTTP: profile, segment, members, stats, reset, users."""

from __future__ import annotations

import pytest

from looker_braze.sim import population
from looker_braze.sim.braze import SimConfig, running

BEARER = {"Authorization": "Bearer sim-key"}


@pytest.fixture(scope="module")
def server():
    with running(SimConfig(users=30)) as (url, sim):
        yield url, sim


async def track(session, *objects) -> None:
    async with session.post(
        "/users/track", json={"attributes": list(objects)}, headers=BEARER
    ) as answer:
        assert answer.status == 201, await answer.text()


async def get(session, path: str, **params):
    async with session.get(path, params=params) as answer:
        return answer.status, await answer.json()


def flag(i: int, label: str) -> dict:
    return {"external_id": population.external_id(i), "looker_export": {"add": [label]}}


@pytest.mark.parametrize(
    "params",
    [
        {"external_id": population.external_id(7)},
        {"braze_id": population.braze_id(7)},
        {"email": population.email(7)},
        {"phone": population.phone(7)},
        {"alias_name": population.alias_name(7), "alias_label": population.ALIAS_LABEL},
    ],
)
async def test_a_profile_is_found_by_any_identifier(client, params):
    session, _ = client
    await track(session, flag(7, "look_a"))
    status, profile = await get(session, "/sim/profile", **params)
    assert status == 200
    assert profile["external_id"] == population.external_id(7)
    assert profile["custom_attributes"] == {"looker_export": ["look_a"]}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"external_id": "nobody"}, 404),
        ({"alias_name": "alias-00000001"}, 400),  # the label is missing
        ({}, 400),
    ],
)
async def test_profile_lookups_that_find_nothing_or_make_no_sense(client, params, status):
    session, _ = client
    got, body = await get(session, "/sim/profile", **params)
    assert got == status
    assert body["message"]


async def test_segment_counts_and_members_follow_adds_and_removes(client):
    session, _ = client
    await track(session, *(flag(i, "look_a") for i in range(10)), flag(20, "look_b"))
    await track(
        session, {"external_id": population.external_id(3), "looker_export": {"remove": ["look_a"]}}
    )
    status, segment = await get(session, "/sim/segment", attribute="looker_export", value="look_a")
    assert (status, segment) == (200, {"attribute": "looker_export", "value": "look_a", "count": 9})
    status, members = await get(
        session, "/sim/segment/members", attribute="looker_export", value="look_a"
    )
    assert sorted(members) == sorted(population.external_id(i) for i in range(10) if i != 3)
    _, few = await get(
        session, "/sim/segment/members", attribute="looker_export", value="look_a", limit="4"
    )
    assert len(few) == 4 and set(few) <= set(members)


async def test_segment_values_are_exact_and_case_sensitive(client):
    session, _ = client
    await track(session, flag(1, "Look_A"))
    _, segment = await get(session, "/sim/segment", attribute="looker_export", value="look_a")
    assert segment["count"] == 0


@pytest.mark.parametrize("path", ["/sim/segment", "/sim/segment/members"])
async def test_segment_queries_need_attribute_and_value(client, path):
    session, _ = client
    status, body = await get(session, path, attribute="looker_export")
    assert status == 400
    assert "value" in body["message"]


async def test_stats_report_every_figure(client):
    session, _ = client
    await track(session, flag(1, "a"), {"looker_export": {"add": ["x"]}})
    status, stats = await get(session, "/sim/stats")
    assert status == 200
    assert stats["requests"] == {"201": 1}
    assert (stats["objects_received"], stats["objects_processed"], stats["objects_rejected"]) == (
        2,
        1,
        1,
    )
    assert sum(stats["rejections"].values()) == 1
    assert (stats["data_points"], stats["max_objects_in_request"]) == (1, 2)
    assert (stats["rate_limited_requests"], stats["users"]) == (0, 30)


async def test_reset_forgets_data_and_counts(client):
    session, _ = client
    await track(session, flag(1, "a"), {"external_id": "new-user", "x": 1})
    async with session.post("/sim/reset") as answer:
        assert (await answer.json())["users"] == 30
    _, stats = await get(session, "/sim/stats")
    assert (stats["objects_received"], stats["users"]) == (0, 30)
    _, segment = await get(session, "/sim/segment", attribute="looker_export", value="a")
    assert segment["count"] == 0


async def test_more_users_can_be_seeded(client):
    session, _ = client
    async with session.post("/sim/users", json={"count": 5}) as answer:
        assert (await answer.json()) == {"users": 35, "first": 30, "last": 34}
    status, profile = await get(session, "/sim/profile", external_id=population.external_id(33))
    assert (status, profile["email"]) == (200, population.email(33))


@pytest.mark.parametrize("body", [{"count": -1}, {"count": "5"}, {}, [5]])
async def test_seeding_refuses_bad_counts(client, body):
    session, _ = client
    async with session.post("/sim/users", json=body) as answer:
        assert answer.status == 400


async def test_inspection_needs_no_braze_key_and_unknown_paths_are_404(client):
    session, _ = client
    status, _ = await get(session, "/sim/stats")
    assert status == 200
    status, body = await get(session, "/sim/nothing")
    assert (status, body) == (404, {"message": "Not Found"})
