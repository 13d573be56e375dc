import pytest

from looker_braze.errors import RejectRequest
from looker_braze.hub.protocol import ActionResult, looker_context, parse_action_request


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
