"""The simulator's subscription endpoints over real HTTP, as shared/spec/braze-activation.md
§2.1-§2.4 describes Braze's: v2 and v1 set, status/get, limits and refusals, orphan states,
double opt-in, permissions, the shared rate limit, fault injection and /sim/subscriptions."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running
from looker_braze.sim.braze.config import FULL_PERMISSIONS
from looker_braze.sim.braze.subscriptions import EMAIL_AND_PHONE, TOO_MANY_IDS

EMAIL_GROUP = "11111111-1111-4111-8111-111111111111"
SMS_GROUP = "22222222-2222-4222-8222-222222222222"
OTHER_EMAIL_GROUP = "33333333-3333-4333-8333-333333333333"
TRACK_ONLY = "track-only-key"
CONFIG = SimConfig(
    users=100,
    subscription_groups={EMAIL_GROUP: "email", SMS_GROUP: "sms", OTHER_EMAIL_GROUP: "email"},
    api_keys={
        "sim-key": KeySpec(FULL_PERMISSIONS),
        TRACK_ONLY: KeySpec(permissions=frozenset({"users.track"})),
    },
)
BEARER = {"Authorization": "Bearer sim-key"}
V2 = "/v2/subscription/status/set"


@pytest.fixture(scope="module")
def server():
    with running(CONFIG) as (url, sim):
        yield url, sim


@pytest.fixture
async def client(server):
    url, sim = server
    sim.reset()
    async with aiohttp.ClientSession(base_url=url) as session:
        yield session, sim


def entry(group, state="subscribed", **ids):
    return {"subscription_group_id": group, "subscription_state": state, **ids}


async def post(session, body, path=V2, headers=BEARER):
    async with session.post(path, json=body, headers=headers) as answer:
        return answer.status, await answer.json(content_type=None), answer.headers


async def state(session, group, **lookup):
    async with session.get("/sim/subscriptions", params={"group": group, **lookup}) as answer:
        return (await answer.json())["state"]


async def test_v2_sets_several_groups_in_one_request(client):
    session, sim = client
    ids = [population.external_id(i) for i in range(3)]
    body = {
        "subscription_groups": [
            entry(EMAIL_GROUP, external_ids=ids),
            entry(SMS_GROUP, "unsubscribed", external_ids=ids[:1]),
        ]
    }
    status, answer, _ = await post(session, body)
    assert (status, answer) == (201, {"message": "success"})
    assert await state(session, EMAIL_GROUP, external_id=ids[2]) == "subscribed"
    assert await state(session, SMS_GROUP, external_id=ids[0]) == "unsubscribed"
    assert await state(session, SMS_GROUP, external_id=ids[1]) is None
    assert sim.subscriptions.stats.max_entries_in_request == 2


async def test_more_than_50_identifiers_is_refused_with_the_documented_message(client):
    session, sim = client
    ids = [population.external_id(i) for i in range(51)]
    status, answer, _ = await post(
        session, {"subscription_groups": [entry(EMAIL_GROUP, external_ids=ids)]}
    )
    assert (status, answer["message"]) == (400, TOO_MANY_IDS)
    assert sim.subscriptions.stats.states_set == 0  # nothing applied


async def test_emails_and_phones_never_in_one_request(client):
    session, _ = client
    body = {
        "subscription_groups": [
            entry(EMAIL_GROUP, emails=[population.email(1)]),
            entry(SMS_GROUP, phones=[population.phone(1)]),
        ]
    }
    status, answer, _ = await post(session, body)
    assert (status, answer["message"]) == (400, EMAIL_AND_PHONE)


async def test_with_emails_email_and_sms_groups_need_separate_requests(client):
    session, sim = client
    mixed = {
        "subscription_groups": [
            entry(EMAIL_GROUP, emails=[population.email(1)]),
            entry(SMS_GROUP, emails=[population.email(2)]),
        ]
    }
    status, answer, _ = await post(session, mixed)
    assert status == 400 and "SMS group" in answer["message"]
    assert sim.subscriptions.stats.states_set == 0  # the email group's entry was not applied
    alone = {"subscription_groups": [entry(SMS_GROUP, emails=[population.email(2)])]}
    status, answer, _ = await post(session, alone)
    assert status == 400 and "SMS group" in answer["message"]


@pytest.mark.parametrize("phone", ["15551234567", "+1 555 123 4567", "+0123456", "(555) 123-4567"])
async def test_phones_must_be_e164(client, phone):
    session, _ = client
    body = {"subscription_groups": [entry(SMS_GROUP, phones=[phone])]}
    status, answer, _ = await post(session, body)
    assert status == 400 and "E.164" in answer["message"]


async def test_an_unknown_group_or_a_bad_state_refuses_the_request(client):
    session, sim = client
    ids = [population.external_id(1)]
    unknown = {
        "subscription_groups": [entry("44444444-4444-4444-8444-444444444444", external_ids=ids)]
    }
    status, answer, _ = await post(session, unknown)
    assert status == 400 and "subscription_group_id" in answer["message"]
    bad_state = {"subscription_groups": [entry(EMAIL_GROUP, "Subscribed", external_ids=ids)]}
    status, answer, _ = await post(session, bad_state)
    assert status == 400 and "subscription_state" in answer["message"]
    assert sim.stats()["requests"]["400"] == 2


async def test_the_cap_on_entries_is_a_live_setting(client):
    session, sim = client
    body = {"subscription_groups": [entry(EMAIL_GROUP, external_ids=["u"]) for _ in range(3)]}
    sim.set_faults(max_subscription_groups=2)
    status, answer, _ = await post(session, body)
    assert status == 400 and "Too many subscription groups" in answer["message"]
    sim.set_faults(max_subscription_groups=None)
    assert (await post(session, body))[0] == 201


async def test_an_email_updates_every_profile_with_it_and_unknown_ones_are_orphans(client):
    session, sim = client
    shared = "shared@example.com"
    for external_id in ("new-a", "new-b"):
        await post(
            session,
            {"attributes": [{"external_id": external_id, "email": shared}]},
            path="/users/track",
        )
    body = {
        "subscription_groups": [entry(EMAIL_GROUP, "unsubscribed", emails=[shared, "nobody@x.org"])]
    }
    assert (await post(session, body))[0] == 201
    assert await state(session, EMAIL_GROUP, external_id="new-a") == "unsubscribed"
    assert await state(session, EMAIL_GROUP, external_id="new-b") == "unsubscribed"
    assert sim.subscriptions.stats.orphans_set == 1
    assert await state(session, EMAIL_GROUP, email="nobody@x.org") == "unsubscribed"
    # A profile created later with the orphan's email inherits its state.
    await post(
        session,
        {"attributes": [{"external_id": "late", "email": "nobody@x.org"}]},
        path="/users/track",
    )
    assert await state(session, EMAIL_GROUP, external_id="late") == "unsubscribed"


async def test_orphan_states_expire_after_30_days(client):
    session, sim = client
    now = [1_000_000.0]
    sim.subscriptions._clock = lambda: now[0]
    body = {"subscription_groups": [entry(SMS_GROUP, phones=["+15550009999"])]}
    assert (await post(session, body))[0] == 201
    assert await state(session, SMS_GROUP, phone="+15550009999") == "subscribed"
    now[0] += 31 * 24 * 3600
    assert await state(session, SMS_GROUP, phone="+15550009999") is None


async def test_double_opt_in_prompts_instead_of_subscribing(client):
    session, sim = client
    known, unknown = population.phone(5), "+15550001111"
    body = {
        "subscription_groups": [
            {**entry(SMS_GROUP, phones=[known, unknown]), "use_double_opt_in_logic": True}
        ]
    }
    assert (await post(session, body))[0] == 201
    assert (await post(session, body))[0] == 201  # a second prompt the same day: none
    stats = sim.subscriptions.stats
    assert (stats.double_opt_in_prompts, stats.double_opt_in_skipped) == (1, 2)
    assert await state(session, SMS_GROUP, phone=known) is None
    assert await state(session, SMS_GROUP, phone=unknown) is None


async def test_v1_takes_one_group_and_refuses_email_with_phone(client):
    session, _ = client
    v1 = "/subscription/status/set"
    body = {"subscription_group_id": EMAIL_GROUP, "subscription_state": "subscribed",
            "email": population.email(7)}  # fmt: skip
    assert (await post(session, body, path=v1))[:2] == (201, {"message": "success"})
    assert await state(session, EMAIL_GROUP, external_id=population.external_id(7)) == "subscribed"
    both = {**body, "phone": [population.phone(7)]}
    status, answer, _ = await post(session, both, path=v1)
    assert (status, answer["message"]) == (400, EMAIL_AND_PHONE)


async def test_status_get_reads_states_as_braze_shows_them(client):
    session, _ = client
    ids = [population.external_id(i) for i in range(2)]
    await post(
        session, {"subscription_groups": [entry(EMAIL_GROUP, "unsubscribed", external_ids=ids[:1])]}
    )
    params = [("subscription_group_id", EMAIL_GROUP), *(("external_id[]", i) for i in ids)]
    async with session.get("/subscription/status/get", params=params, headers=BEARER) as answer:
        body = await answer.json()
    assert body == {"status": {ids[0]: "Unsubscribed", ids[1]: "Unknown"}, "message": "success"}
    both = [("subscription_group_id", EMAIL_GROUP), ("email", "a@b.c"), ("phone", "+15551234567")]
    async with session.get("/subscription/status/get", params=both, headers=BEARER) as answer:
        assert answer.status == 400


async def test_a_key_without_the_permission_gets_403_access_denied(client):
    session, _ = client
    body = {"subscription_groups": [entry(EMAIL_GROUP, external_ids=["u"])]}
    status, answer, _ = await post(session, body, headers={"Authorization": f"Bearer {TRACK_ONLY}"})
    assert (status, answer["message"]) == (403, "Access Denied")
    status, _, _ = await post(session, body, headers={"Authorization": "Bearer nope"})
    assert status == 401


async def test_v1_and_v2_share_one_rate_limit_with_headers(client):
    session, sim = client
    sim.set_faults(subscription_rate_limit_requests=2, subscription_rate_limit_seconds=60)
    v2 = {"subscription_groups": [entry(EMAIL_GROUP, external_ids=["u"])]}
    v1 = {
        "subscription_group_id": EMAIL_GROUP,
        "subscription_state": "subscribed",
        "external_id": ["u"],
    }
    statuses = [
        (await post(session, v2))[0],
        (await post(session, v1, path="/subscription/status/set"))[0],
    ]
    status, answer, headers = await post(session, v2)
    assert statuses == [201, 201] and (status, answer["message"]) == (
        429,
        "API rate limit exceeded",
    )
    assert headers["X-RateLimit-Remaining"] == "0" and "X-RateLimit-Reset" in headers
    # /users/track keeps its own limit.
    track = {"attributes": [{"external_id": "u", "a": 1}]}
    assert (await post(session, track, path="/users/track"))[0] == 201


async def test_faults_apply_to_subscription_requests(client):
    session, sim = client
    sim.set_faults(error_rate=0.5, drop_rate=0.2)
    seen = []
    body = {"subscription_groups": [entry(EMAIL_GROUP, external_ids=["u"])]}
    for _ in range(60):
        try:
            async with session.post(V2, json=body, headers=BEARER) as answer:
                await answer.read()
                seen.append(answer.status)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            seen.append("dropped")
    assert "dropped" in seen and 201 in seen
    assert {s for s in seen if s not in ("dropped", 201)} <= {500, 502, 503, 504}
    assert any(s in (500, 502, 503, 504) for s in seen)
    assert sim.subscriptions.stats.requests == seen.count(201)  # a fault applied nothing


async def test_queued_answers_apply_the_states(client):
    session, sim = client
    sim.set_faults(queued_rate=1.0)
    body = {"subscription_groups": [entry(EMAIL_GROUP, external_ids=[population.external_id(3)])]}
    status, answer, _ = await post(session, body)
    assert (status, answer) == (202, {"message": "queued"})
    assert await state(session, EMAIL_GROUP, external_id=population.external_id(3)) == "subscribed"


async def test_inspection_lists_groups_and_counts(client):
    session, _ = client
    ids = [population.external_id(i) for i in range(4)]
    await post(session, {"subscription_groups": [entry(EMAIL_GROUP, external_ids=ids)]})
    async with session.get("/sim/subscriptions", params={"group": EMAIL_GROUP}) as answer:
        summary = await answer.json()
    assert summary == {"group": EMAIL_GROUP, "channel": "email", "subscribed": 4,
                       "unsubscribed": 0, "orphans": {}}  # fmt: skip
    async with session.get("/sim/subscriptions") as answer:
        everything = await answer.json()
    assert {g["group"] for g in everything["groups"]} == {EMAIL_GROUP, SMS_GROUP, OTHER_EMAIL_GROUP}
    assert everything["stats"]["identifiers"] == 4
