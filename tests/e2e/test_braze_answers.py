"""Braze's less usual answers end to end: Looker sender -> hub -> the Braze simulator configured
to give them, all real HTTP; what the answer says and what the audience state records."""

from __future__ import annotations

import pytest

from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub
from .test_sync import audience_size, external_ids, look, segment, send

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def state(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/state.sqlite3"


async def test_queued_answers_are_sent_recorded_and_not_sent_again(state):
    with (
        running_braze(users=500, queued_rate=1.0) as braze,
        running_hub(braze.url, state_url=state) as hub,
    ):
        answer = await send(hub, braze, range(300))
        assert answer["success"] is True, answer["message"]
        assert "300 users sent" in answer["message"]
        assert audience_size(state, braze) == 300  # recorded as delivered
        assert segment(braze) == external_ids(range(300))  # the data was received
        received = braze.sim.stats()["objects_received"]
        again = await send(hub, braze, range(300))
        assert again["success"] is True and braze.sim.stats()["objects_received"] == received


async def test_a_non_success_2xx_is_not_recorded_and_the_next_send_retries(state):
    with (
        running_braze(users=500, success_message="partially processed") as braze,
        running_hub(braze.url, state_url=state) as hub,
    ):
        answer = await send(hub, braze, range(200))
        assert answer["success"] is False
        assert "200 rejected by Braze" in answer["message"]
        assert '"partially processed"' in answer["message"]
        assert audience_size(state, braze) == 0  # nothing recorded as delivered
        braze.sim.set_faults(success_message="success")
        received = braze.sim.stats()["objects_received"]
        again = await send(hub, braze, range(200))
        assert again["success"] is True, again["message"]
        assert braze.sim.stats()["objects_received"] - received == 200  # all sent again
        assert audience_size(state, braze) == 200


async def test_a_redirect_stops_the_send_and_nothing_counts_as_sent(state):
    with running_braze(users=10) as elsewhere:
        target = f"{elsewhere.url}/users/track?token=abc"
        with running_braze(users=500, redirect_rate=1.0, redirect_to=target) as braze:
            with running_hub(braze.url, state_url=state) as hub:
                answer = await send(hub, braze, range(300))
            stats = braze.sim.stats()
        assert sum(elsewhere.sim.stats()["requests"].values()) == 0
    message = answer["message"]
    assert answer["success"] is False
    assert "HTTP 307" in message and elsewhere.url.removeprefix("http://") in message
    assert "never redirects" in message and "token=abc" not in message
    assert "0 sent" in message and "300 not sent because the run stopped" in message
    assert stats["objects_received"] == 0 and audience_size(state, braze) == 0


async def test_404_names_the_key_and_the_endpoint():
    with running_braze(users=10, unknown_key_status=404) as braze, running_hub(braze.url) as hub:
        params = {**braze.params(), "braze_api_key": "old-key-123"}
        async with LookerSender(hub.url, token=hub.token) as looker:
            result = await looker.execute(
                "braze", params=params, form_params={"braze_segment": "L"}, look=look(range(5))
            )
    message = result.looker["message"]
    assert result.looker["success"] is False
    assert "404" in message and "API key" in message and "endpoint" in message
    assert braze.url in message and "old-key-123" not in message


async def test_a_rate_plan_refusal_says_a_new_key_will_not_help(state):
    with (
        running_braze(users=10, account_state="rate_plan") as braze,
        running_hub(braze.url, state_url=state) as hub,
    ):
        answer = await send(hub, braze, range(5))
    assert answer["success"] is False
    assert "rate plan" in answer["message"] and "new key will not help" in answer["message"]


async def test_an_mau_account_takes_everything_in_smaller_requests(state):
    with (
        running_braze(users=3000, contract="mau") as braze,
        running_hub(braze.url, state_url=state) as hub,
    ):
        answer = await send(hub, braze, range(3000))
        stats = braze.sim.stats()
    assert answer["success"] is True, answer["message"]  # nothing rejected, nothing left out
    assert "rejected" not in answer["message"]
    assert segment(braze) == external_ids(range(3000))
    assert 0 < stats["requests"]["400"] <= 20  # the first batches in flight, then 50 per request
    # 3,000 users at 50 a request, plus the second halves of batches formed before the shrink
    assert 60 <= stats["requests"]["201"] <= 60 + stats["requests"]["400"]


async def test_the_hourly_limit_setting_stops_the_send_with_a_message(state):
    with (
        running_braze(users=1000, contract="mau", hourly_limit_requests=5) as braze,
        running_hub(
            braze.url, state_url=state, rate_limit_hourly_requests=5, objects_per_request=50
        ) as hub,
    ):
        answer = await send(hub, braze, range(1000))
        stats = braze.sim.stats()
    message = answer["message"]
    assert answer["success"] is False
    assert "hourly limit of 5 Braze requests is used up until" in message
    assert "250 sent" in message and "750 not sent because the run stopped" in message
    assert stats["requests"] == {"201": 5}  # paced by the hub: Braze never had to refuse


async def test_the_legacy_contract_takes_full_batches(state):
    with (
        running_braze(users=300, contract="legacy") as braze,
        running_hub(braze.url, state_url=state) as hub,
    ):
        answer = await send(hub, braze, range(300))
    assert answer["success"] is True, answer["message"]
    assert braze.sim.stats()["requests"] == {"201": 4}
