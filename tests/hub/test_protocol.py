import orjson
import pytest

from looker_braze.errors import RejectRequest
from looker_braze.hub.protocol import (
    ActionDefinition,
    ActionRequest,
    ActionResult,
    looker_context,
    parse_action_request,
    unsupported_type,
)


def test_execute_payload_is_parsed():
    body = (
        b'{"type": "query", "data": {"braze_api_key": "k", "x": null},'
        b' "form_params": {"braze_key": "email"},'
        b' "scheduled_plan": {"scheduled_plan_id": 7, "title": "VIPs", "download_url": "http://d"},'
        b' "attachment": null, "something_new": 1}'
    )
    headers = {
        "user-agent": "LookerOutgoingWebhook/23.4.0",
        "x-looker-instance": "inst",
        "x-looker-webhook-id": "wh1",
    }
    request = parse_action_request(body, headers)
    assert request.params == {"braze_api_key": "k"}
    assert request.form_params == {"braze_key": "email"}
    assert request.scheduled_plan.download_url == "http://d"
    assert request.looker.version == (23, 4, 0) and request.looker.at_least(6, 2)
    assert request.looker.webhook_id == "wh1"


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"data": "nope"}', "'data'"),
        (b'{"data": {"braze_api_key": 5}}', "data.braze_api_key"),
        (b'{"form_params": [1]}', "form_params"),
        (b'{"scheduled_plan": {"download_url": 3}}', "scheduled_plan.download_url"),
    ],
)
def test_bad_payloads_are_rejected_with_the_place(body, fragment):
    with pytest.raises(RejectRequest) as error:
        parse_action_request(body, {})
    assert fragment in str(error.value)


def test_empty_body_is_an_empty_request():
    assert parse_action_request(b"", {}).params == {}


def test_old_looker_version_and_missing_agent():
    assert not looker_context({"user-agent": "LookerOutgoingWebhook/6.0.1"}).at_least(6, 2)
    assert looker_context({}).version is None


def test_result_json_shape():
    assert ActionResult(success=False, message="m").to_json() == {
        "looker": {
            "success": False,
            "message": "m",
            "refresh_query": False,
            "validation_errors": {},
        }
    }


@pytest.mark.parametrize(
    "query, limit, zone, calculations",
    [
        ({"limit": "500", "query_timezone": "Europe/Paris", "has_table_calculations": True},
         500, "Europe/Paris", True),
        ({"limit": 5000}, 5000, None, False),
        ({"limit": "-1", "query_timezone": ""}, None, None, False),  # -1: no limit
        ({"limit": None}, None, None, False),
        ({"limit": "lots", "query_timezone": 7}, None, None, False),
        ("not an object", None, None, False),
    ],
)  # fmt: skip
def test_the_plans_query_is_read_leniently(query, limit, zone, calculations):
    body = orjson.dumps({"type": "query", "scheduled_plan": {"query": query}})
    request = parse_action_request(body, {})
    assert (request.query.row_limit if request.query else None) == limit
    assert (request.query.time_zone if request.query else None) == zone
    assert bool(request.query and request.query.table_calculations) == calculations


def test_an_attachment_may_carry_the_json_document_itself():
    document = {"fields": {"dimensions": []}, "data": [{"a": {"value": 1}}]}
    body = orjson.dumps({"type": "query", "attachment": {"mimetype": "application/json",
                                                         "data": document}})  # fmt: skip
    assert parse_action_request(body, {}).attachment.data == document


@pytest.mark.parametrize("kind", ["dashboard", "cell", None])
def test_a_request_type_the_action_does_not_take_is_explained(kind):
    definition = ActionDefinition(name="braze", label="Braze", description="")
    message = unsupported_type(definition, ActionRequest(type=kind))
    assert "Braze" in message and "'query'" in message
    assert (f"'{kind}' request" if kind else "without a type") in message
    assert unsupported_type(definition, ActionRequest(type="query")) is None
