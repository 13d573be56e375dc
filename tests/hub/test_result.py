"""When Looker may have sent only part of the result, and the zone of its date-times."""

from __future__ import annotations

import pytest

from looker_braze.hub.document import Document
from looker_braze.hub.protocol import ActionRequest, LookQuery, ScheduledPlan
from looker_braze.hub.result import JSON_DETAIL_CAP, possible_cut, time_zone


def request(**query) -> ActionRequest:
    return ActionRequest(type="query", scheduled_plan=ScheduledPlan(query=LookQuery(**query)))


@pytest.mark.parametrize(
    "query, document, rows, cut",
    [
        ({"limit": "500"}, Document(), 500, "row limit"),
        ({"limit": "500"}, Document(), 499, None),
        ({"limit": "500"}, Document(), 501, None),  # All Results: more than the limit came
        ({}, Document(sql_limit=800), 800, "row limit"),
        ({"limit": "-1"}, Document(), JSON_DETAIL_CAP, "5,000"),
        ({"limit": "5000"}, Document(), JSON_DETAIL_CAP, "row limit"),
        ({}, Document(), 4999, None),
        ({}, Document(), 0, None),
    ],
)
def test_a_read_the_size_of_a_cap_may_be_cut(query, document, rows, cut):
    found = possible_cut(request(**query), document, rows)
    assert (found is None) == (cut is None)
    if found is not None:
        assert cut in found.reason and found.remedy


def test_the_remedy_says_table_calculations_forbid_all_results():
    with_calculations = possible_cut(request(limit="500", has_table_calculations=True),
                                     Document(), 500)  # fmt: skip
    without = possible_cut(request(limit="500"), Document(), 500)
    assert "table calculations" in with_calculations.remedy
    assert "All Results" in without.remedy and "table calculations" not in without.remedy


def test_a_request_without_a_plan_is_cut_only_at_5000():
    assert possible_cut(ActionRequest(type="query"), Document(), 500) is None
    assert possible_cut(ActionRequest(type="query"), Document(), 5000) is not None


def test_the_documents_zone_wins_over_the_querys():
    assert time_zone(request(query_timezone="Asia/Tokyo"), Document("Europe/Paris")) == (
        "Europe/Paris"
    )
    assert time_zone(request(query_timezone="Asia/Tokyo"), Document()) == "Asia/Tokyo"
    assert time_zone(ActionRequest(), Document()) is None
