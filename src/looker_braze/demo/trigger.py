"""The demo's braze_trigger scene: an API-triggered campaign sent to 500 users of the demo's
Braze, a dry run first and the same send again after, then what Braze received (issue 11)."""

from __future__ import annotations

import aiohttp
import orjson

from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

CAMPAIGN = "demo-campaign"
USERS = 500


def _look() -> bytes:
    fields = [
        {"name": "users.external_id", "type": "string", "tags": ["braze_id"]},
        {"name": "users.points", "type": "number", "tags": ["braze_trigger[points]"]},
    ]
    data = [
        {"users.external_id": {"value": population.external_id(i)},
         "users.points": {"value": i * 10}}
        for i in range(USERS)
    ]  # fmt: skip
    return orjson.dumps({"fields": {"dimensions": fields, "measures": []}, "data": data})


async def trigger_scene(braze_url: str, hub_url: str, token: str, api_key: str) -> list[str]:
    """Printable lines: the three answers, then the messages Braze holds per user."""
    params = {"braze_api_key": api_key, "braze_api_endpoint": braze_url}
    form = {
        "braze_target_id": CAMPAIGN,
        "braze_recipient_cap": str(USERS),
        "braze_send_label": "demo",
    }
    async with aiohttp.ClientSession() as http:
        await http.put(f"{braze_url}/sim/messaging", json={"campaigns": {CAMPAIGN: True}})
        answers = []
        async with LookerSender(hub_url, token=token) as looker:
            for extra in ({"braze_dry_run": "yes"}, {}, {}):
                result = await looker.execute("braze_trigger", params, form | extra, look=_look())
                answers.append((result.looker or {}).get("message", result.body_text[:300]))
        async with http.get(f"{braze_url}/sim/messages", params={"campaign_id": CAMPAIGN}) as got:
            inbox = await got.json()
    twice = sum(1 for count in inbox["users"].values() if count > 1)
    dry, first, again = (answer.split(" First object:")[0][:300] for answer in answers)
    return [
        "[bold]braze_trigger[/bold]: an API-triggered campaign for 500 users of the Look",
        f"  dry run: {dry}",
        f"  send: {first}",
        f"  the same send again: {again}",
        f"  Braze holds {inbox['total']:,} messages for {len(inbox['users']):,} users "
        f"({len(inbox['dispatch_ids'])} dispatch ids); users messaged twice: {twice}",
    ]
