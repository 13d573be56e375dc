"""Several hub processes against one Braze workspace: with Redis they share its rate limit
(the simulator counts every request over it) and lose nothing. Real processes, real Redis."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from looker_braze.hub.auth import new_token
from looker_braze.processes import spawn
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, look_bytes

pytestmark = [pytest.mark.timeout(300), pytest.mark.services]

SECRET = "replicas-secret"
LIMIT = 20  # requests per second, for Braze and for the hubs


async def send_from_three_hubs(tmp_path, redis_url: str | None) -> tuple[dict, list[dict]]:
    sim_args = ["braze-sim", "--port", "0", "--users", "6000", "--rate-limit", f"{LIMIT}/1"]
    with spawn(sim_args) as braze:
        env = {
            "ACTION_HUB_BASE_URL": "http://127.0.0.1",
            "ACTION_HUB_LABEL": "replica",
            "ACTION_HUB_SECRET": SECRET,
            "LOOKER_BRAZE_EXTRA_ENDPOINTS": braze.url,
            "LOOKER_BRAZE_RATE_LIMIT_REQUESTS": str(LIMIT),
            "LOOKER_BRAZE_RATE_LIMIT_SECONDS": "1",
            "LOOKER_BRAZE_LOG_LEVEL": "warning",
        }
        if redis_url:
            env["LOOKER_BRAZE_REDIS_URL"] = redis_url
        hubs = []
        for n in range(3):
            hub_env = env | {"LOOKER_BRAZE_STATE_URL": f"sqlite:///{tmp_path}/state-{n}.db"}
            hubs.append(spawn(["serve", "--host", "127.0.0.1", "--port", "0"], hub_env))
        children = [hub.__enter__() for hub in hubs]
        try:
            answers = await asyncio.gather(
                *(one_send(child.url, braze.url, n) for n, child in enumerate(children))
            )
        finally:
            for hub in hubs:
                hub.__exit__(None, None, None)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{braze.url}/sim/stats") as response:
                stats = await response.json()
            for n in range(3):
                params = {"attribute": "looker_export", "value": f"R{n}"}
                async with http.get(f"{braze.url}/sim/segment", params=params) as response:
                    answers[n]["segment"] = (await response.json())["count"]
    return stats, answers


async def one_send(hub_url: str, braze_url: str, n: int) -> dict:
    # Each hub sends its own 2,000 users, 27 requests, to the same workspace.
    spec = LookSpec(rows=2000, known_users=6000, seed=n)
    async with LookerSender(hub_url, token=new_token(SECRET)) as looker:
        result = await looker.execute(
            "braze",
            params={"braze_api_key": "sim-key", "braze_api_endpoint": braze_url},
            form_params={"braze_segment": f"R{n}"},
            look=look_bytes(spec),
        )
    return dict(result.looker or {"success": False, "message": result.body_text})


async def test_three_replicas_sharing_redis_stay_within_the_limit(tmp_path, redis_url):
    stats, answers = await send_from_three_hubs(tmp_path, redis_url)
    for answer in answers:
        assert answer["success"] is True, answer["message"]
        assert answer["segment"] == 2000
    assert stats["rate_limited_requests"] == 0
    assert stats["objects_processed"] == 6000


async def test_without_redis_each_replica_limits_only_itself(tmp_path):
    stats, answers = await send_from_three_hubs(tmp_path, None)
    assert stats["rate_limited_requests"] > 0  # three times the limit: Braze answered 429s
    for answer in answers:  # ... which the hubs waited out: still nothing lost
        assert answer["success"] is True, answer["message"]
        assert answer["segment"] == 2000
