"""A Braze API key typed into the wrong field is refused and never echoed: not in the answer
Looker shows, not in the hub's log, not in /runs or /runs/view. Real HTTP: Looker sender -> hub
-> Braze simulator (which accepts the key, so a send that got through would succeed)."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from looker_braze.hub.auth import authorization_header
from looker_braze.sim.braze import KeySpec
from looker_braze.sim.looker import LookerSender
from looker_braze.sim.looks import LookSpec, look_bytes

from .conftest import running_braze, running_hub

pytestmark = pytest.mark.timeout(120)

# The form of a Braze REST API key (a UUID), made up for this test.
KEY = "5c3f1e2a-9b7d-4e61-a0c8-f2d4b6e8a1c3"
OTHER_KEY = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"


def key_pieces(key: str) -> list[str]:
    """Every 8-character piece of the key: a leak of part of it shows as one of these."""
    return [key[i : i + 8] for i in range(len(key) - 7)]


def assert_no_key(text: str, *keys: str) -> None:
    for key in keys:
        leaked = [piece for piece in key_pieces(key) if piece in text]
        assert not leaked, f"part of an API key was echoed: {leaked}"


@pytest.fixture(scope="module")
def servers():
    keys = {KEY: KeySpec(), OTHER_KEY: KeySpec()}
    with running_braze(users=100, api_keys=keys) as braze, running_hub(braze.url) as hub:
        yield hub, braze


@pytest.fixture
def logs(caplog):
    # The hub serves from a thread of this process: its records reach pytest's root handler.
    caplog.set_level(logging.DEBUG)
    return caplog


async def execute(hub, params, form=None):
    async with LookerSender(hub.url, token=hub.token) as looker:
        return await looker.execute(
            "braze",
            params=params,
            form_params=form or {"braze_segment": "PASTED"},
            look=look_bytes(LookSpec(rows=5)),
            delivery="inline",
        )


async def read_history(hub) -> tuple[str, str]:
    headers = {"Authorization": authorization_header(hub.token)}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{hub.url}/runs?limit=500") as response:
            assert response.status == 200
            runs = await response.text()
        async with session.get(f"{hub.url}/runs/view?limit=500") as response:
            assert response.status == 200
            page = await response.text()
    return runs, page


KEY_IN_ENDPOINT = [
    pytest.param({"braze_api_key": KEY, "braze_api_endpoint": KEY}, id="same-key-in-both"),
    pytest.param({"braze_api_key": OTHER_KEY, "braze_api_endpoint": KEY}, id="other-key"),
    pytest.param({"braze_api_key": "", "braze_api_endpoint": KEY}, id="key-field-empty"),
    pytest.param({"braze_api_key": KEY, "braze_api_endpoint": f"https://{KEY}"}, id="as-host"),
    pytest.param({"braze_api_key": KEY, "braze_api_endpoint": f" {KEY.upper()} "}, id="upper"),
    pytest.param(
        {"braze_api_key": KEY, "braze_api_endpoint": KEY.replace("-", "")}, id="no-dashes"
    ),
]


@pytest.mark.parametrize("params", KEY_IN_ENDPOINT)
async def test_a_key_in_the_endpoint_field_is_refused_and_never_echoed(servers, logs, params):
    hub, _ = servers
    result = await execute(hub, params)
    assert result.status == 200 and result.looker["success"] is False
    assert "looks like an API key" in result.looker["message"]
    assert "API key field" in result.looker["message"]
    runs, page = await read_history(hub)
    for text in (result.body_text, runs, page, logs.text):
        assert_no_key(text, KEY, KEY.upper(), KEY.replace("-", ""), KEY.upper().replace("-", ""))
    assert "looks like an API key" in runs  # the run is in the history, with its reason


async def test_the_form_refuses_a_key_in_the_endpoint_field_without_echoing_it(servers, logs):
    hub, _ = servers
    async with LookerSender(hub.url, token=hub.token) as looker:
        form = await looker.form(
            "braze", params={"braze_api_key": KEY, "braze_api_endpoint": f"https://{KEY}/"}
        )
    assert form["fields"] == [] and "looks like an API key" in form["error"]
    assert_no_key(str(form) + logs.text, KEY)


@pytest.mark.parametrize(
    "params, form, where",
    [
        (
            {"braze_description": f"key {KEY}"},
            {"braze_segment": "X"},
            "Braze Description setting",
        ),
        ({}, {"braze_segment": KEY}, "Export Label form field"),
        ({}, {"braze_segment": f"VIP {KEY}"}, "Export Label form field"),
        ({}, {"braze_attribute": KEY}, "Array Attribute form field"),
        (
            {},
            {"braze_key": "user_alias", "braze_alias_label": KEY},
            "Alias Label form field",
        ),
        ({}, {"braze_mode": KEY}, "Mode form field"),
    ],
)
async def test_the_key_in_any_other_field_is_refused_naming_the_field(
    servers, logs, params, form, where
):
    hub, braze = servers
    settings = {"braze_api_key": KEY, "braze_api_endpoint": braze.url, **params}
    result = await execute(hub, settings, form)
    assert result.looker["success"] is False and where in result.looker["message"]
    runs, page = await read_history(hub)
    for text in (result.body_text, runs, page, logs.text):
        assert_no_key(text, KEY)


async def test_a_key_shaped_value_in_a_checked_field_is_not_quoted(servers, logs):
    hub, braze = servers
    settings = {"braze_api_key": KEY, "braze_api_endpoint": braze.url}
    result = await execute(hub, settings, {"braze_dry_run": OTHER_KEY})
    message = result.looker["message"]
    assert result.looker["success"] is False and "looks like an API key" in message
    assert result.looker["validation_errors"].keys() == {"braze_dry_run"}
    runs, page = await read_history(hub)
    for text in (result.body_text, runs, page, logs.text):
        assert_no_key(text, KEY, OTHER_KEY)


async def test_the_same_settings_with_the_fields_right_send_and_still_echo_nothing(servers, logs):
    hub, braze = servers
    result = await execute(hub, {"braze_api_key": KEY, "braze_api_endpoint": braze.url})
    assert result.looker["success"] is True, result.looker["message"]
    runs, page = await read_history(hub)
    for text in (result.body_text, runs, page, logs.text):
        assert_no_key(text, KEY)


@pytest.mark.parametrize("name", ["braze_segment", "braze_attribute", "braze_alias_label"])
async def test_a_typed_field_holding_only_another_key_is_refused_and_not_quoted(
    servers, logs, name
):
    hub, braze = servers
    settings = {"braze_api_key": KEY, "braze_api_endpoint": braze.url}
    form = {"braze_key": "user_alias", name: f" {OTHER_KEY.upper()} "}
    result = await execute(hub, settings, form)
    assert result.looker["success"] is False
    assert "looks like a Braze API key" in result.looker["validation_errors"][name]
    runs, page = await read_history(hub)
    for text in (result.body_text, runs, page, logs.text):
        assert_no_key(text, KEY, OTHER_KEY, OTHER_KEY.upper())
