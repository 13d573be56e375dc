"""The Looker sender sends what Looker sends: the action's own format, no more than 5,000 rows of
json_detail, no more than the Look's row limit for "Results in Table", and the query's row limit,
time zone and table calculations in the scheduled plan (looker-action-api.md, "Real-world
behaviours")."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looker.caps import capped, row_cap
from looker_braze.sim.looker.download import source_opener
from looker_braze.sim.looks import LookSpec, look_bytes
from tests.sim.test_looker_hub import RecordingHub

LITE = "json_detail_lite_stream"


async def send(hub: RecordingHub, look, **execute):
    with hub.running() as url:
        async with LookerSender(url) as looker:
            result = await looker.execute("braze", look=look, **execute)
    return result, hub.seen[0], hub.executes[0].json["scheduled_plan"]["query"]


async def test_json_detail_stops_at_5000_rows_and_keeps_the_rest_of_the_document():
    document = look_bytes(LookSpec(rows=6000, seed=2))
    _, seen, _ = await send(RecordingHub(formats=["json_detail"]), document)
    sent, whole = orjson.loads(seen.document), orjson.loads(document)
    assert seen.rows == 5000 and sent["data"] == whole["data"][:5000]
    assert {k: v for k, v in sent.items() if k != "data"} == {
        k: v for k, v in whole.items() if k != "data"
    }


async def test_the_streaming_format_has_no_cap():
    _, seen, _ = await send(
        RecordingHub(formats=[LITE]), look_bytes(LookSpec(rows=6000, lite=True))
    )
    assert seen.rows == 6000


async def test_the_format_is_the_actions_own_unless_chosen():
    look = look_bytes(LookSpec(rows=5200, seed=1))
    _, seen, _ = await send(RecordingHub(formats=[LITE, "json_detail"]), look)
    assert seen.rows == 5200
    _, seen, _ = await send(RecordingHub(formats=[LITE]), look, format="json_detail")
    assert seen.rows == 5000


async def test_results_in_table_stop_at_the_row_limit_which_the_query_carries():
    look = look_bytes(LookSpec(rows=300, seed=4, lite=True))
    _, seen, query = await send(
        RecordingHub(formats=[LITE]), look, results="table", row_limit=120, delivery="inline"
    )
    assert seen.rows == 120 and query["limit"] == "120"
    _, seen, query = await send(RecordingHub(formats=[LITE]), look, row_limit=120)
    assert seen.rows == 300 and query["limit"] == "120"  # All Results: the limit is not applied


async def test_a_look_within_the_caps_goes_out_byte_for_byte():
    look = look_bytes(LookSpec(rows=400, seed=5))
    _, seen, _ = await send(RecordingHub(formats=["json_detail"]), look, results="table")
    assert seen.document == look


async def test_the_query_carries_the_time_zone_and_the_table_calculations():
    look = look_bytes(LookSpec(rows=3, table_calculation=True))
    _, _, query = await send(RecordingHub(), look, query_timezone="America/New_York")
    assert query["query_timezone"] == "America/New_York"
    assert query["has_table_calculations"] is True
    _, _, query = await send(RecordingHub(), look_bytes(LookSpec(rows=3, table_calculation=False)))
    assert query["query_timezone"] is None and query["has_table_calculations"] is False


def test_row_cap_is_the_smallest_cap_that_applies():
    assert row_cap("json_detail", "all", 500) == 5000
    assert row_cap("json_detail", "table", 500) == 500
    assert row_cap("json_detail", "table", 9000) == 5000
    assert row_cap(LITE, "all", 500) is None
    assert row_cap(LITE, "table", 9000) == 9000


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(0, 60),
    cap=st.integers(0, 80),
    chunk=st.integers(1, 4096),
    fields_first=st.booleans(),
    lite=st.booleans(),
)
def test_a_capped_document_is_the_document_with_its_first_rows(
    rows, cap, chunk, fields_first, lite
):
    document = look_bytes(LookSpec(rows=rows, seed=rows, fields_first=fields_first, lite=lite))
    out = orjson.loads(b"".join(capped(source_opener(document, chunk), cap)()))
    whole = orjson.loads(document)
    assert list(out) == list(whole)  # members in the same order
    assert out == {**whole, "data": whole["data"][:cap]}
