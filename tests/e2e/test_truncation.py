"""A truncated result never shrinks an audience: Looker's caps played by the Looker sender
("Results in Table" stops at the row limit, json_detail at 5,000 rows), against the hub and the
Braze simulator over real HTTP (looker-action-api.md, "Real-world behaviours")."""

from __future__ import annotations

import pytest

from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub
from .test_sync import LABEL, external_ids, look, segment

pytestmark = pytest.mark.timeout(300)
LITE = "json_detail_lite_stream"


async def sync(hub, braze, users, looker_version="23.4.0", **execute):
    form = {"braze_key": "external_id", "braze_segment": LABEL, "braze_mode": "sync"}
    async with LookerSender(hub.url, token=hub.token, looker_version=looker_version) as looker:
        result = await looker.execute(
            "braze", params=braze.params(), form_params=form, look=look(users), **execute
        )
    return result


@pytest.fixture
def services(tmp_path):
    with (
        running_braze(users=7000) as braze,
        running_hub(braze.url, state_url=f"sqlite:///{tmp_path}/state.sqlite3") as hub,
    ):
        yield hub, braze


async def test_results_in_table_cut_at_the_row_limit_remove_nobody(services):
    hub, braze = services
    first = await sync(hub, braze, range(1200))
    assert first.success and segment(braze) == external_ids(range(1200))
    # The Look now has 1,500 users, 300 of them new, but Looker sends the first 500 only.
    users = list(range(300, 1800))
    cut = await sync(hub, braze, users, results="table", row_limit=500)
    assert cut.request["scheduled_plan"]["query"]["limit"] == "500"
    assert segment(braze) == external_ids(range(1200)) | external_ids(users[:500])
    message = cut.looker["message"]
    assert cut.success is False, message
    for words in ("exactly 500 rows", "row limit", "All Results", "were not removed"):
        assert words in message, message
    # The whole result, sent as All Results, completes the sync.
    whole = await sync(hub, braze, users, row_limit=500)
    assert whole.success, whole.looker["message"]
    assert segment(braze) == external_ids(users)


async def test_json_detail_stops_at_5000_rows_and_removes_nobody(services):
    hub, braze = services
    await sync(hub, braze, range(6000), format=LITE)
    assert len(segment(braze)) == 6000
    cut = await sync(hub, braze, range(500, 6500), format="json_detail", row_limit=None)
    assert segment(braze) == external_ids(range(6000)) | external_ids(range(500, 5500))
    assert cut.success is False and "5,000 rows" in cut.looker["message"]
    assert "json_detail_lite_stream" in cut.looker["message"]


async def test_looker_6_2_and_later_is_offered_only_the_streaming_format(services):
    hub, _ = services
    for version, formats in (("23.4.0", [LITE]), ("6.2.0", [LITE]), ("6.0.1", ["json_detail"])):
        async with LookerSender(hub.url, token=hub.token, looker_version=version) as looker:
            assert (await looker.action("braze"))["supported_formats"] == formats


async def test_an_append_of_a_cut_result_says_so_and_still_succeeds(services):
    hub, braze = services
    form = {"braze_key": "external_id", "braze_segment": LABEL}
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute(
            "braze", params=braze.params(), form_params=form, look=look(range(900)),
            results="table", row_limit=500,
        )  # fmt: skip
    assert result.success and len(segment(braze)) == 500
    assert "may have sent only part" in result.looker["message"]
