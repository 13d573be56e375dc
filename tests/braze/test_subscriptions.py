"""braze/subscriptions.py: the value rules, the request planner (a property test of its
packing) and the client against the Braze simulator over real HTTP."""

from __future__ import annotations

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.braze.client import RetryPolicy
from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit
from looker_braze.braze.requester import Requester
from looker_braze.braze.subscriptions import (
    ENTRY_BYTES,
    MAX_GROUPS_PER_REQUEST,
    MAX_IDS_PER_ARRAY,
    RequestPlanner,
    SubscriptionClient,
    group_id,
    subscription_state,
)
from looker_braze.errors import BrazeAuthFailed, RejectRow
from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running

FAST = RetryPolicy(max_attempts=10, deadline_seconds=30, backoff_initial=0.01, backoff_max=0.05)
GROUPS = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(1, 5)]


@pytest.mark.parametrize("text", ["Subscribed", " UNSUBSCRIBED ", "subscribed"])
def test_states_in_any_case(text):
    assert subscription_state(text) == text.strip().lower()


@pytest.mark.parametrize("value", ["opted_in", "", None, "yes", 1])
def test_other_states_are_rejected_with_the_reason(value):
    with pytest.raises(RejectRow, match="subscribed or unsubscribed"):
        subscription_state(value)


def test_group_ids_are_uuids_written_in_lower_case():
    assert group_id(" 5F0B2C4E-1111-4111-8111-ABCDEFABCDEF ") == (
        "5f0b2c4e-1111-4111-8111-abcdefabcdef"
    )
    for bad in ("5f0b2c4e11114111811abcdefabcdef", "not-a-uuid", "", None, "{" + GROUPS[0] + "}"):
        with pytest.raises(RejectRow, match="not a UUID"):
            group_id(bad)


rows = st.lists(
    st.tuples(st.sampled_from(GROUPS), st.sampled_from(["subscribed", "unsubscribed"]),
              st.integers(0, 400)),
    max_size=700,
)  # fmt: skip


@settings(max_examples=60, derandomize=True, deadline=None)
@given(rows, st.integers(1, 30), st.integers(1, 60))
def test_every_identifier_goes_once_in_a_homogeneous_entry_within_the_limits(
    planned, max_groups, max_ids
):
    planner = RequestPlanner("external_id", max_groups=max_groups, max_ids=max_ids)
    requests = []
    for index, (group, state, user) in enumerate(planned):
        requests += planner.add(group, state, f"u{user}", index)
    requests += planner.flush()
    seen = []
    for request in requests:
        assert 1 <= len(request.entries) <= max_groups
        body = request.as_json()["subscription_groups"]
        for entry, sent in zip(request.entries, body, strict=True):
            assert 1 <= len(sent["external_ids"]) <= max_ids
            for identifier, tag in zip(sent["external_ids"], entry.tags, strict=True):
                group, state, user = planned[tag]
                assert (sent["subscription_group_id"], sent["subscription_state"]) == (group, state)
                assert identifier == f"u{user}"
                seen.append(tag)
        assert request.tags == [tag for entry in request.entries for tag in entry.tags]
    assert sorted(seen) == list(range(len(planned)))


def test_requests_fill_up_to_25_entries_of_50_and_stay_under_4_mb():
    planner = RequestPlanner("email")
    ready = []
    for i in range(MAX_GROUPS_PER_REQUEST * MAX_IDS_PER_ARRAY):
        ready += planner.add(GROUPS[0], "subscribed", f"user{i}@example.com", i)
    assert len(ready) == 1 and len(ready[0].entries) == 25 and len(ready[0]) == 1250
    assert "emails" in ready[0].as_json()["subscription_groups"][0]
    long = RequestPlanner("external_id")
    big = "x" * 50_000
    ready = []
    for i in range(200):
        ready += long.add(GROUPS[1], "subscribed", big + str(i), i)
    ready += long.flush()
    assert all(len(request.body()) < 4_000_000 for request in ready)
    with pytest.raises(RejectRow, match="longer than"):
        long.add(GROUPS[1], "subscribed", "x" * ENTRY_BYTES, 0)


def test_double_opt_in_is_written_on_each_entry():
    planner = RequestPlanner("phone", double_opt_in=True)
    planner.add(GROUPS[0], "subscribed", "+15551234567", 0)
    (request,) = planner.flush()
    assert request.as_json() == {"subscription_groups": [{
        "subscription_group_id": GROUPS[0], "subscription_state": "subscribed",
        "phones": ["+15551234567"], "use_double_opt_in_logic": True}]}  # fmt: skip


# ---------------------------------------------------------------- the client, over HTTP


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def client(url, session, key="sim-key") -> SubscriptionClient:
    return SubscriptionClient(Requester(parse_endpoint(url, [url]), key, session, NoLimit(), FAST))


def planned_request(entries):
    planner = RequestPlanner("external_id")
    for group, state, users in entries:
        for user in users:
            planner.add(group, state, population.external_id(user), (group, state))
    (request,) = planner.flush()
    return request


async def test_a_request_of_several_groups_sets_them_all(session):
    config = SimConfig(users=20, subscription_groups={GROUPS[0]: "email", GROUPS[1]: "sms"})
    with running(config) as (url, sim):
        request = planned_request(
            [(GROUPS[0], "subscribed", range(5)), (GROUPS[1], "unsubscribed", range(3))]
        )
        outcome = await client(url, session).send(request)
    assert len(outcome.accepted) == 8 and not outcome.rejected
    assert sim.subscriptions.summary(GROUPS[0])["subscribed"] == 5
    assert sim.subscriptions.summary(GROUPS[1])["unsubscribed"] == 3
    assert sim.stats()["requests"] == {"201": 1}


async def test_an_unknown_group_rejects_only_its_own_rows(session):
    config = SimConfig(users=20, subscription_groups={GROUPS[0]: "email"})
    with running(config) as (url, sim):
        request = planned_request(
            [(GROUPS[0], "subscribed", range(4)), (GROUPS[2], "subscribed", range(2))]
        )
        outcome = await client(url, session).send(request)
    assert len(outcome.accepted) == 4
    assert [tag for tag, _ in outcome.rejected] == [(GROUPS[2], "subscribed")] * 2
    assert "Braze refused it (400: Invalid subscription_group_id" in outcome.rejected[0][1]
    assert sim.subscriptions.summary(GROUPS[0])["subscribed"] == 4
    assert sim.stats()["requests"] == {"400": 2, "201": 1}  # the whole, then each entry


async def test_a_key_without_the_permission_fails_the_run_naming_it(session):
    config = SimConfig(api_keys={"k": KeySpec(permissions=frozenset({"users.track"}))})
    permission = r"'subscription\.status\.set' permission"
    with running(config) as (url, _), pytest.raises(BrazeAuthFailed, match=permission):
        await client(url, session, "k").send(planned_request([(GROUPS[0], "subscribed", [1])]))


async def test_faults_and_429s_are_retried_until_every_state_is_set(session):
    config = SimConfig(
        users=100, subscription_groups={GROUPS[0]: "email"}, error_rate=0.3, drop_rate=0.1,
        subscription_rate_limit_requests=3, subscription_rate_limit_seconds=0.3,
        rate_limit_headers="retry-after", seed=3,
    )  # fmt: skip
    with running(config) as (url, sim):
        the_client = client(url, session)
        for start in range(0, 100, 10):
            request = planned_request([(GROUPS[0], "subscribed", range(start, start + 10))])
            outcome = await the_client.send(request)
            assert len(outcome.accepted) == 10
        stats = sim.stats()
    assert sim.subscriptions.summary(GROUPS[0])["subscribed"] == 100
    assert stats["rate_limited_requests"] > 0
    assert any(code.startswith("5") for code in stats["requests"]) or stats["requests"].get(
        "dropped"
    )


async def test_queued_counts_as_accepted_and_another_message_is_not_confirmed(session):
    config = SimConfig(users=20, subscription_groups={GROUPS[0]: "email"}, queued_rate=1.0)
    with running(config) as (url, sim):
        request = planned_request([(GROUPS[0], "subscribed", range(3))])
        queued = await client(url, session).send(request)
        sim.set_faults(queued_rate=0.0, success_message="partial")
        odd = await client(url, session).send(request)
    assert (len(queued.accepted), queued.queued) == (3, 3)
    assert not odd.accepted and odd.messages == ["partial"]
    assert odd.rejected[0][1] == "Braze answered 'partial', not 'success'"


async def test_a_run_stopped_between_entries_counts_what_braze_settled(session):
    """A refused request goes again entry by entry; the key is refused half way: the Dispatcher
    counts the entries Braze answered as what they are, and only the rest as not sent."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from looker_braze.braze.client import Dispatcher
    from looker_braze.serving import background_server

    answers = iter([(400, "Invalid subscription_group_id"), (400, "Invalid"), (201, "success"),
                    (403, "Access Denied")])  # fmt: skip

    async def braze(request):
        status, message = next(answers)
        return JSONResponse({"message": message}, status)

    app = Starlette(routes=[Route("/v2/subscription/status/set", braze, methods=["POST"])])
    planner = RequestPlanner("external_id")
    for group, users in ((GROUPS[0], "ab"), (GROUPS[1], "cd"), (GROUPS[2], "ef")):
        for user in users:
            planner.add(group, "subscribed", user, object())  # each identifier its own tag
    (request,) = planner.flush()
    settled, failed = [], []
    with background_server(app) as url:
        dispatcher = Dispatcher(
            client(url, session), 1,
            on_outcome=lambda batch, outcome: settled.append(outcome),
            on_failed=lambda batch: failed.append(batch),
        )  # fmt: skip
        await dispatcher.submit(request)
        with pytest.raises(BrazeAuthFailed):
            await dispatcher.drain()
    (outcome,) = settled
    assert len(outcome.rejected) == 2 and len(outcome.accepted) == 2
    (rest,) = failed
    assert rest.as_json() == {"subscription_groups": [{
        "subscription_group_id": GROUPS[2], "subscription_state": "subscribed",
        "external_ids": ["e", "f"]}]}  # fmt: skip
