"""Trigger requests over real HTTP against the simulator: Requester's repeatable=False policy
under the simulator's faults (only failures that prove Braze did not act are retried), and the
trigger client's reading of Braze's answers (dispatch_id, paused Canvas, 400s, 403)."""

from __future__ import annotations

import aiohttp
import pytest

from looker_braze.braze.instances import parse_endpoint
from looker_braze.braze.ratelimit import NoLimit
from looker_braze.braze.requester import Requester, RetryPolicy
from looker_braze.braze.triggers import (
    INVALID_CAMPAIGN_ID,
    TOO_MANY_RECIPIENTS,
    Target,
    TargetKind,
    TriggerClient,
    TriggerNotActive,
    TriggerRefused,
    request_body,
)
from looker_braze.errors import BrazeAuthFailed, FailRun, OutcomeUnknown
from looker_braze.serving import bind_socket, socket_url
from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running
from looker_braze.sim.braze.faults import FaultInjector, FaultSettings

pytestmark = pytest.mark.timeout(120)

FAST = RetryPolicy(max_attempts=6, deadline_seconds=20, backoff_initial=0.01, backoff_max=0.05)
KEY = "sim-key"
CAMPAIGN = Target(TargetKind.CAMPAIGN, "camp-1")
CANVAS = Target(TargetKind.CANVAS, "canvas-1")


def user(i: int) -> dict:
    return {"external_user_id": population.external_id(i)}


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as session:
        yield session


def trigger_client(url, session, target=CAMPAIGN, key=KEY, policy=FAST) -> TriggerClient:
    requester = Requester(parse_endpoint(url, [url]), key, session, NoLimit(), policy, 5.0)
    return TriggerClient(requester, target)


def sim_running(**config):
    return running(SimConfig(users=100, **config))


def ready(sim) -> None:
    sim.messaging.add_campaign("camp-1")
    sim.messaging.add_campaign("scheduled-1", api_triggered=False)
    sim.messaging.set_canvas("canvas-1")


def received(sim, target=CAMPAIGN) -> dict[str, int]:
    return {
        name: len(sent) for name, sent in sim.messaging.messages(target.kind, target.id).items()
    }


def seed_where(settings: FaultSettings, wanted) -> int:
    """A seed whose first fault draws are ``wanted`` (statuses; None: no fault), found with
    the simulator's own injector."""
    for seed in range(10_000):
        injector = FaultInjector(settings, seed)
        if [injector.draw().status for _ in wanted] == list(wanted):
            return seed
    raise AssertionError("no such seed")


# ---------------------------------------------------------------- Requester, repeatable=False


@pytest.mark.parametrize("status", [502, 503])
async def test_502_and_503_are_retried_and_the_message_goes_once(session, status):
    settings = FaultSettings(error_rate=0.5)
    with sim_running(error_rate=0.5, seed=seed_where(settings, [status, None])) as (url, sim):
        ready(sim)
        dispatch_id = await trigger_client(url, session).send([user(1)])
        assert sim.stats()["requests"] == {str(status): 1, "201": 1}
        assert received(sim) == {population.external_id(1): 1} and dispatch_id


@pytest.mark.parametrize("status", [500, 504])
async def test_500_and_504_are_outcome_unknown_and_never_resent(session, status):
    settings = FaultSettings(error_rate=0.5)
    with sim_running(error_rate=0.5, seed=seed_where(settings, [status, None])) as (url, sim):
        ready(sim)
        with pytest.raises(OutcomeUnknown, match="not sent again"):
            await trigger_client(url, session).send([user(1)])
        assert sim.stats()["requests"] == {str(status): 1}


async def test_a_dropped_connection_is_outcome_unknown_after_one_request(session):
    with sim_running(drop_rate=1.0) as (url, sim):
        ready(sim)
        with pytest.raises(OutcomeUnknown):
            await trigger_client(url, session).send([user(1)])
        assert sim.stats()["requests"] == {"dropped": 1}


async def test_an_answer_lost_after_braze_acted_is_unknown_and_the_user_has_one_message(session):
    with sim_running() as (url, sim):
        ready(sim)
        sim.messaging.set_lost_answer_rate(1.0)
        for _ in range(4):  # dropped and 504, both ways of losing the answer
            with pytest.raises(OutcomeUnknown):
                await trigger_client(url, session).send([user(1)])
        assert received(sim) == {population.external_id(1): 4}  # one per call, none resent
        assert sim.messaging.lost_answers == 4 and sim.messaging.calls == 4


async def test_429_is_retried_after_the_pause_and_the_message_goes_once(session):
    with sim_running(rate_limit_requests=1, rate_limit_seconds=1.0) as (url, sim):
        ready(sim)
        client = trigger_client(url, session)
        await client.send([user(1)])
        await client.send([user(2)])  # over the limit: 429, then sent after the pause
        assert sim.stats()["requests"]["429"] >= 1 and sim.stats()["requests"]["201"] == 2
        assert received(sim) == {population.external_id(1): 1, population.external_id(2): 1}


async def test_a_connection_refused_is_retried_then_fails_the_run_not_unknown(session):
    sock = bind_socket()  # bound, never listening: connections are refused
    url = socket_url(sock)
    sock.close()
    with pytest.raises(FailRun) as failed:
        await trigger_client(url, session).send([user(1)])
    assert not isinstance(failed.value, OutcomeUnknown)
    assert "after 6 attempts" in str(failed.value)


# ---------------------------------------------------------------- Braze's answers


async def test_success_is_201_with_one_dispatch_id_per_call(session):
    with sim_running() as (url, sim):
        ready(sim)
        client = trigger_client(url, session)
        first = await client.send([user(1), user(2)])
        second = await client.send([user(3)])
    assert first and second and first != second
    assert sim.messaging.bodies[0] == {"campaign_id": "camp-1", "recipients": [user(1), user(2)]}


async def test_a_paused_or_archived_canvas_fails_with_braze_notice_and_sends_nothing(session):
    with sim_running() as (url, sim):
        ready(sim)
        for state, text in (("paused", "The Canvas is paused"), ("archived", "is archived")):
            sim.messaging.set_canvas("canvas-1", state)
            with pytest.raises(TriggerNotActive, match=text):
                await trigger_client(url, session, CANVAS).send([user(1)])
        assert received(sim, CANVAS) == {}


@pytest.mark.parametrize("campaign", ["nope", "scheduled-1"])
async def test_unknown_or_not_api_triggered_campaign_is_refused(session, campaign):
    with sim_running() as (url, sim):
        ready(sim)
        target = Target(TargetKind.CAMPAIGN, campaign)
        with pytest.raises(TriggerRefused, match=INVALID_CAMPAIGN_ID):
            await trigger_client(url, session, target).send([user(1)])


async def test_more_than_50_recipients_is_braze_400(session):
    with sim_running() as (url, sim):
        ready(sim)
        requester = Requester(parse_endpoint(url, [url]), KEY, session, NoLimit(), FAST, 5.0)
        body = request_body(CAMPAIGN, [user(i) for i in range(50)])
        answer = await requester.send(
            "POST",
            CAMPAIGN.path,
            body.replace(b"]}", b"," + b'{"external_user_id":"x"}]}'),
            repeatable=False,
        )
        assert answer.status == 400 and answer.payload["message"] == TOO_MANY_RECIPIENTS
    with pytest.raises(ValueError):
        request_body(CAMPAIGN, [user(i) for i in range(51)])


async def test_a_key_without_the_trigger_permission_names_it(session):
    with running(SimConfig(users=10, api_keys={"k-track": KeySpec()})) as (url, sim):
        ready(sim)
        with pytest.raises(BrazeAuthFailed, match=r"'canvas\.trigger\.send' permission"):
            await trigger_client(url, session, CANVAS, key="k-track").send([user(1)])


async def test_duplicates_in_one_call_get_one_message_and_unknown_users_none(session):
    with sim_running() as (url, sim):
        ready(sim)
        email = {"email": population.email(2), "prioritization": ["identified"]}
        await trigger_client(url, session).send([user(1), user(1), email, user(10_000)])
    assert received(sim) == {population.external_id(1): 1, population.external_id(2): 1}
