"""One run with the real world's habits at once (issue "Safe against the real Looker and Braze"):
Braze 100 ms away, answering 202 "queued" to a share of requests (maintenance), on an MAU contract
(50 objects a request, an hourly limit besides the burst limit); Looker sending a Look in
America/New_York, tagged partly in the reference hub's upper case, first whole, then cut at its
row limit ("Results in Table"), then whole again. Nothing is lost, nobody's label is removed
wrongly, and the date-times land as the instants the Look means. All over real HTTP."""

from __future__ import annotations

import re

import orjson
import pytest

from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(300)

LABEL = "CHURN_RISK"
FIELDS = {
    "dimensions": [
        {"name": "u.id", "type": "string", "tags": ["braze_id"]},
        {"name": "u.region", "type": "string", "tags": ["BRAZE[region]"]},
        {"name": "u.last_order_time", "type": "date_time", "tags": ["braze[last_order_at]"]},
    ],
    "measures": [],
}
LOCAL_TIME, UTC_TIME = "2024-03-10 01:30:00", "2024-03-10T06:30:00.000Z"  # EST, before DST


def look(users) -> bytes:
    """A json_detail Look in New York time (its zone named before the rows, as Looker writes)."""
    data = [
        {"u.id": {"value": population.external_id(i)}, "u.region": {"value": f"r{i % 7}"},
         "u.last_order_time": {"value": LOCAL_TIME}}
        for i in users
    ]  # fmt: skip
    return orjson.dumps({"timezone": "America/New_York", "fields": FIELDS, "data": data})


def counts(message: str) -> dict[str, int]:
    found = {"read": r"Rows read: (\d[\d,]*)", "sent": r"(\d[\d,]*) sent",
             "unchanged": r"(\d[\d,]*) unchanged", "rejected": r"(\d[\d,]*) rejected",
             "not_sent": r"(\d[\d,]*) not sent"}  # fmt: skip
    return {
        name: int(match[1].replace(",", "")) if (match := re.search(pattern, message)) else 0
        for name, pattern in found.items()
    }


async def test_the_real_world_profile_loses_nothing_and_removes_nobody_wrongly(tmp_path):
    braze_world = dict(
        users=4000, contract="mau", hourly_limit_requests=10_000, rate_limit_requests=3000,
        latency_ms=(100, 100), queued_rate=0.3, seed=8,
    )  # fmt: skip
    with (
        running_braze(**braze_world) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/state.sqlite3") as hub,
    ):
        async with LookerSender(hub.url, token=hub.token) as looker:

            async def sync(users, **execute):
                form = {"braze_key": "external_id", "braze_segment": LABEL, "braze_mode": "sync"}
                result = await looker.execute(
                    "braze", params=braze.params(), form_params=form, look=look(users), **execute
                )
                return result.success, result.looker["message"]

            def flagged() -> set[str]:
                return set(braze.sim.segment_members("looker_export", LABEL))

            first = list(range(1200))
            ok, message = await sync(first)
            assert ok, message
            assert flagged() == {population.external_id(i) for i in first}
            assert counts(message)["sent"] == 1200 and counts(message)["rejected"] == 0
            assert "during maintenance (202)" in message  # the 202s counted as sent
            assert "took only 50 objects per request" in message  # the MAU contract learnt
            profile = braze.sim.profile("external_id", population.external_id(7))
            attributes = profile["custom_attributes"]
            assert attributes["last_order_at"] == UTC_TIME and attributes["region"] == "r0"

            # Sent again: nothing changed, nothing goes to Braze, queued users included.
            received = braze.sim.stats()["objects_received"]
            ok, message = await sync(first)
            assert ok and counts(message)["unchanged"] == 1200, message
            assert braze.sim.stats()["objects_received"] == received

            # The Look changed (users 600-2099) but Looker sends its first 500 rows only.
            second = list(range(600, 2100))
            ok, message = await sync(second, results="table", row_limit=500)
            assert not ok and "were not removed" in message and "All Results" in message
            assert flagged() == {population.external_id(i) for i in first}  # nobody removed

            # The whole result: the audience is exactly the Look, nothing lost on the way.
            ok, message = await sync(second, row_limit=500)
            assert ok, message
            assert flagged() == {population.external_id(i) for i in second}
            seen = counts(message)
            assert seen["read"] == 1500 and seen["sent"] + seen["unchanged"] == 1500
            assert "600 users who left the Look lost the label" in message
    stats = braze.sim.stats()
    assert stats["max_objects_in_request"] <= 75 and stats["requests"].get("429", 0) == 0
