"""The Look's date-times are in its time zone (json_detail's "timezone", else the plan query's
"query_timezone"); Braze reads a time without an offset as UTC. Through the hub to the Braze
simulator over real HTTP: the instants land right, dates are never shifted."""

from __future__ import annotations

import orjson
import pytest

from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(120)

FIELDS = {
    "dimensions": [
        {"name": "u.id", "type": "string", "tags": ["braze_id"]},
        {"name": "u.last_order_time", "type": "date_time", "tags": ["braze[last_order_at]"]},
        {"name": "u.signup_date", "type": "date_date", "tags": ["braze[signup_date]"]},
    ],
    "measures": [],
}
WINTER, SUMMER = "2024-02-01 13:45:00", "2024-07-01 12:00:00"


def look(zone: str | None) -> bytes:
    data = [
        {"u.id": {"value": population.external_id(i)}, "u.last_order_time": {"value": when},
         "u.signup_date": {"value": "2024-01-31"}}
        for i, when in enumerate((WINTER, SUMMER))
    ]  # fmt: skip
    head = {"timezone": zone} if zone else {}
    return orjson.dumps({**head, "fields": FIELDS, "data": data})


async def sent_times(document: bytes, **execute) -> list[dict]:
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        async with LookerSender(hub.url, token=hub.token) as looker:
            result = await looker.execute(
                "braze", params=braze.params(), form_params={"braze_segment": "TZ"},
                look=document, **execute,
            )  # fmt: skip
        assert result.success, result.looker["message"]
        profiles = [braze.sim.profile("external_id", population.external_id(i)) for i in (0, 1)]
    return [p["custom_attributes"] for p in profiles]


@pytest.mark.parametrize(
    "document, execute, winter, summer",
    [
        # json_detail names its zone before the rows
        (look("America/New_York"), {}, "2024-02-01T18:45:00.000Z", "2024-07-01T16:00:00.000Z"),
        # the lite stream does not: the plan's query does
        (look(None), {"query_timezone": "Asia/Kolkata"},
         "2024-02-01T08:15:00.000Z", "2024-07-01T06:30:00.000Z"),
        # the document's zone is the one the query ran in: it wins
        (look("Europe/Paris"), {"query_timezone": "Asia/Kolkata"},
         "2024-02-01T12:45:00.000Z", "2024-07-01T10:00:00.000Z"),
        # no zone anywhere: UTC, as Braze reads a time without an offset
        (look(None), {}, "2024-02-01T13:45:00.000Z", "2024-07-01T12:00:00.000Z"),
    ],
)  # fmt: skip
async def test_date_times_land_as_the_instants_the_look_means(document, execute, winter, summer):
    first, second = await sent_times(document, **execute)
    assert (first["last_order_at"], second["last_order_at"]) == (winter, summer)
    assert first["signup_date"].startswith("2024-01-31")  # a date is never shifted
