"""The demo's events part: a small Look of custom events sent to the demo's simulator through the
`braze_events` action, twice, to show that the second send (a schedule re-sending its Look) sends
nothing again; returns the lines the demo prints."""

from __future__ import annotations

import aiohttp
import orjson

from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

EVENT_ROWS = 50
_FIELDS = [
    {"name": "users.external_id", "type": "string", "tags": ["braze_id"]},
    {"name": "visits.at_time", "type": "date_time", "tags": ["braze_time"]},
    {"name": "visits.page", "type": "string", "tags": ["braze_property[page]"]},
]


def events_look(rows: int = EVENT_ROWS) -> bytes:
    """A visit of each of the first ``rows`` demo users, at a time of its own."""
    data = [
        {
            "users.external_id": {"value": population.external_id(i)},
            "visits.at_time": {"value": f"2026-01-{1 + i % 28:02d} {i % 24:02d}:00:00"},
            "visits.page": {"value": f"/pricing/{i % 3}"},
        }
        for i in range(rows)
    ]
    return orjson.dumps({"fields": {"dimensions": _FIELDS, "measures": []}, "data": data})


async def events_demo(braze_url: str, hub_url: str, token: str, api_key: str) -> list[str]:
    look = events_look()
    params = {"braze_api_key": api_key, "braze_api_endpoint": braze_url}
    form = {"braze_kind": "event", "braze_event_name": "looker_demo_visit"}
    lines = []
    async with LookerSender(hub_url, token=token) as looker:
        for attempt in ("First send", "Same Look again"):
            result = await looker.execute(
                "braze_events", params=params, form_params=form, look=look
            )
            message = (result.looker or {}).get("message") or result.body_text[:300]
            lines.append(f"{attempt}: {message}")
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{braze_url}/sim/events", params={"external_id": population.external_id(0)}
        ) as response,
    ):
        events = await response.json() if response.status == 200 else []
    lines.append(f"Braze has {len(events)} event(s) for {population.external_id(0)}: {events}")
    return lines
