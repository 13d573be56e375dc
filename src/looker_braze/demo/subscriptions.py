"""The demo's braze_subscriptions step: the same Look subscribes its users to the simulator's
demo email group, and the simulator says how many profiles the group now holds."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from looker_braze.demo.scenario import API_KEY
from looker_braze.sim.braze.config import DEMO_SUBSCRIPTION_GROUPS
from looker_braze.sim.looker import LookerSender

GROUP = next(group for group, channel in DEMO_SUBSCRIPTION_GROUPS.items() if channel == "email")
FORM = {"braze_subscription_group": GROUP, "braze_subscription_state": "subscribed"}


async def run(braze_url: str, hub_url: str, token: str, look: Path) -> list[str]:
    """Printable lines: the action's answer, and the group's state in the simulator."""
    params = {"braze_api_key": API_KEY, "braze_api_endpoint": braze_url}
    async with LookerSender(hub_url, token=token) as looker:
        result = await looker.execute(
            "braze_subscriptions", params=params, form_params=FORM, look=look
        )
    answer = result.looker or {"success": False, "message": result.body_text[:500]}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{braze_url}/sim/subscriptions", params={"group": GROUP}) as response,
    ):
        summary = await response.json()
    verdict = "ok" if answer.get("success") else "FAILED"
    return [
        f"\nbraze_subscriptions ({verdict}): {answer.get('message')}",
        f"Braze's demo email group {GROUP}: {summary['subscribed']:,} profiles subscribed.",
    ]
