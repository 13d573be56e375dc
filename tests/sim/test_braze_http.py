"""/users/track over real HTTP: every status the simulator answers, and what each body says."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from looker_braze.sim import population
from looker_braze.sim.braze import KeySpec, SimConfig, running

GOOD, READ_ONLY, FOREIGN = "good-key-123", "no-track-key-456", "eu-key-789"
VALID_DATA = "Valid data must be provided in the 'attributes', 'events', or 'purchases' fields."
CONFIG = SimConfig(
    users=50,
    api_keys={
        GOOD: KeySpec(),
        READ_ONLY: KeySpec(permissions=frozenset({"users.export.ids"})),
        FOREIGN: KeySpec(instance="EU-01"),
    },
    max_bytes=20_000,
)
BEARER = {"Authorization": f"Bearer {GOOD}"}


@pytest.fixture(scope="module")
def server():
    with running(CONFIG) as (url, sim):
        yield url, sim


async def post(session, body, headers=BEARER, path="/users/track", **kwargs):
    async with session.post(path, json=body, headers=headers, **kwargs) as answer:
        return answer.status, await answer.read(), answer.headers


def flag(i: int, label: str = "look_1") -> dict:
    return {"external_id": population.external_id(i), "looker_export": {"add": [label]}}


async def test_accepted_objects_answer_201_with_counts(client):
    session, sim = client
    event = {"external_id": "user-00000001", "name": "opened", "time": "2024-05-01T10:00:00Z"}
    purchase = {**event, "product_id": "p1", "currency": "USD", "price": 9.5}
    del purchase["name"]
    body = {"attributes": [flag(1), flag(2)], "events": [event], "purchases": [purchase]}
    status, text, _ = await post(session, body)
    assert status == 201
    assert orjson.loads(text) == {
        "message": "success",
        "attributes_processed": 2,
        "events_processed": 1,
        "purchases_processed": 1,
    }
    assert sim.segment_count("looker_export", "look_1") == 2


async def test_rejected_objects_are_listed_with_their_array_and_index(client):
    session, _ = client
    attributes = [
        flag(1),
        {"looker_export": {"add": ["x"]}},  # no identifier
        flag(2),
        {"external_id": "user-00000003", "braze_id": population.braze_id(3)},
        "not an object",
    ]
    events = [{"external_id": "user-00000001", "name": "e"}]  # no time
    status, text, _ = await post(session, {"attributes": attributes, "events": events})
    answer = orjson.loads(text)
    assert status == 201
    assert answer["attributes_processed"] == 2
    assert answer["events_processed"] == 0
    positions = [(error["input_array"], error["index"]) for error in answer["errors"]]
    assert positions == [("attributes", 1), ("attributes", 3), ("attributes", 4), ("events", 0)]
    assert "required" in answer["errors"][0]["type"]
    assert "only one of" in answer["errors"][1]["type"]
    assert answer["errors"][3]["type"] == "'time' is not valid"


async def test_every_object_invalid_answers_400_valid_data(client):
    session, sim = client
    status, text, _ = await post(session, {"attributes": [{"a": 1}, {"b": 2}]})
    answer = orjson.loads(text)
    assert status == 400
    assert answer["message"] == VALID_DATA
    assert [error["index"] for error in answer["errors"]] == [0, 1]
    assert sim.stats()["objects_rejected"] == 2


@pytest.mark.parametrize("body", [{}, {"attributes": []}, {"something": "else"}])
async def test_no_objects_answers_400_valid_data(client, body):
    session, _ = client
    status, text, _ = await post(session, body)
    assert (status, orjson.loads(text)["message"]) == (400, VALID_DATA)


async def test_an_input_array_that_is_not_an_array_answers_400(client):
    session, _ = client
    status, text, _ = await post(session, {"attributes": {"external_id": "user-00000001"}})
    assert status == 400
    assert orjson.loads(text)["errors"][0]["input_array"] == "attributes"


async def test_75_objects_across_arrays_pass_and_76_answer_max_input_length(client):
    session, sim = client
    event = {"external_id": "user-00000001", "name": "e", "time": "2024-01-01"}
    status, _, _ = await post(session, {"attributes": [flag(1)] * 50, "events": [event] * 25})
    assert status == 201
    status, text, _ = await post(session, {"attributes": [flag(1)] * 50, "events": [event] * 26})
    assert (status, orjson.loads(text)["message"]) == (400, "Max Input Length Exceeded")
    assert sim.stats()["max_objects_in_request"] == 76
    assert sim.stats()["objects_processed"] == 75


@pytest.mark.parametrize("raw", [b"{not json", b"", b'{"attributes": [}'])
async def test_broken_json_answers_400(client, raw):
    session, _ = client
    headers = {**BEARER, "Content-Type": "application/json"}
    async with session.post("/users/track", data=raw, headers=headers) as answer:
        assert answer.status == 400
        assert "JSON" in (await answer.json())["message"]


async def test_a_json_body_that_is_not_an_object_answers_400(client):
    session, _ = client
    status, text, _ = await post(session, [flag(1)])
    assert status == 400
    assert "JSON object" in orjson.loads(text)["message"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-key"}, 401),
        ({"Authorization": f"Basic {GOOD}"}, 401),
        ({"Authorization": "Bearer "}, 401),
        ({"Authorization": f"Bearer {FOREIGN}"}, 401),
        ({"Authorization": f"Bearer {READ_ONLY}"}, 403),
        ({"Authorization": f"bearer {GOOD}"}, 201),
    ],
)
async def test_keys_are_checked(client, headers, status):
    session, sim = client
    got, text, _ = await post(session, {"attributes": [flag(1)]}, headers=headers)
    assert got == status
    for key in (GOOD, READ_ONLY, FOREIGN, "wrong-key"):
        assert key not in text.decode()  # keys never echoed
    assert sim.segment_count("looker_export", "look_1") == (status == 201)


async def test_forbidden_answer_says_access_denied(client):
    session, _ = client
    _, text, _ = await post(
        session, {"attributes": [flag(1)]}, {"Authorization": f"Bearer {READ_ONLY}"}
    )
    assert orjson.loads(text)["message"].startswith("Access Denied")


async def test_deprecated_api_key_in_the_body_is_accepted(client):
    session, sim = client
    status, _, _ = await post(session, {"api_key": GOOD, "attributes": [flag(4)]}, headers={})
    assert status == 201
    assert sim.segment_count("looker_export", "look_1") == 1
    status, _, _ = await post(session, {"api_key": "nope", "attributes": [flag(4)]}, headers={})
    assert status == 401
    status, _, _ = await post(session, {"api_key": READ_ONLY, "attributes": [flag(4)]}, headers={})
    assert status == 403


async def test_the_header_key_wins_over_the_body_key(client):
    session, _ = client
    body = {"api_key": GOOD, "attributes": [flag(1)]}
    status, _, _ = await post(session, body, headers={"Authorization": "Bearer wrong"})
    assert status == 401


@pytest.mark.parametrize("path", ["/users/track/", "/users/trac", "/users/export/ids", "/"])
async def test_other_paths_answer_404_in_braze_json(client, path):
    session, sim = client
    status, text, _ = await post(session, {"attributes": [flag(1)]}, path=path)
    assert status == 404
    assert "message" in orjson.loads(text)
    assert sim.segment_count("looker_export", "look_1") == 0


async def test_other_methods_answer_405(client):
    session, _ = client
    async with session.get("/users/track", headers=BEARER) as answer:
        assert answer.status == 405
        assert answer.headers["Allow"] == "POST"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_wrong_content_type_answers_415(client, content_type):
    session, _ = client
    headers = dict(BEARER)
    if content_type:
        headers["Content-Type"] = content_type
    data = orjson.dumps({"attributes": [flag(1)]})
    async with session.post("/users/track", data=data, headers=headers) as answer:
        assert answer.status == 415


async def test_json_content_type_with_charset_is_fine(client):
    session, _ = client
    headers = {**BEARER, "Content-Type": "application/json; charset=utf-8"}
    data = orjson.dumps({"attributes": [flag(1)]})
    async with session.post("/users/track", data=data, headers=headers) as answer:
        assert answer.status == 201


async def test_a_body_over_the_size_limit_answers_413(client):
    session, sim = client
    big = {"attributes": [{"external_id": "user-00000001", "bio": "x" * 25_000}]}
    status, _, _ = await post(session, big)
    assert status == 413
    assert sim.stats()["objects_received"] == 0


async def test_a_streamed_body_over_the_limit_answers_413(client):
    session, _ = client

    async def chunks():  # no Content-Length: the limit must hold while reading
        yield b'{"attributes": [{"external_id": "user-00000001", "bio": "'
        for _ in range(30):
            yield b"x" * 1000
        yield b'"}]}'

    headers = {**BEARER, "Content-Type": "application/json"}
    async with session.post("/users/track", data=chunks(), headers=headers) as answer:
        assert answer.status == 413


async def test_status_counts_reach_the_stats(client):
    session, sim = client
    await post(session, {"attributes": [flag(1)]})
    await post(session, {"attributes": [flag(1)]}, headers={})
    await post(session, {"attributes": [flag(1)]}, path="/nowhere")
    assert sim.stats()["requests"] == {"201": 1, "401": 1, "404": 1}


# ---------------------------------------------------------------- contracts and Braze's answers

EVENT = {"external_id": "user-00000001", "name": "e", "time": "2024-01-01"}


async def post_to(url: str, body, key: str = "sim-key"):
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{url}/users/track", json=body, headers={"Authorization": f"Bearer {key}"},
            allow_redirects=False,
        ) as answer,
    ):  # fmt: skip
        return answer.status, await answer.read(), answer.headers


@pytest.mark.parametrize(
    ("contract", "max_objects", "body", "status"),
    [
        ("default", None, {"attributes": [flag(1)] * 75}, 201),
        ("default", None, {"attributes": [flag(1)] * 40, "events": [EVENT] * 36}, 400),
        ("legacy", None, {"attributes": [flag(1)] * 75, "events": [EVENT] * 75}, 201),
        ("legacy", None, {"attributes": [flag(1)] * 76}, 400),
        ("mau", None, {"attributes": [flag(1)] * 50}, 201),
        ("mau", None, {"attributes": [flag(1)] * 30, "events": [EVENT] * 21}, 400),
        ("mau", 75, {"attributes": [flag(1)] * 75}, 201),
        ("default", 10, {"attributes": [flag(1)] * 11}, 400),
    ],
)
async def test_each_contract_takes_its_own_number_of_objects(contract, max_objects, body, status):
    config = SimConfig(users=5, contract=contract, max_objects=max_objects)
    with running(config) as (url, sim):
        got, text, _ = await post_to(url, body)
        stats = sim.stats()
    assert got == status
    if status == 400:
        assert orjson.loads(text) == {"message": "Max Input Length Exceeded"}
        assert stats["objects_processed"] == 0
    else:
        assert stats["objects_processed"] == sum(len(items) for items in body.values())


async def test_queued_answers_202_and_applies_the_data():
    with running(SimConfig(users=5, queued_rate=1.0)) as (url, sim):
        status, text, _ = await post_to(url, {"attributes": [flag(1), flag(2)]})
        assert (status, orjson.loads(text)) == (202, {"message": "queued"})
        assert sim.segment_count("looker_export", "look_1") == 2
        assert sim.stats()["queued_answers"] == 1


async def test_a_custom_success_message_replaces_success_on_2xx():
    with running(SimConfig(users=5, success_message="partially processed")) as (url, sim):
        status, text, _ = await post_to(url, {"attributes": [flag(1), {"nothing": 1}]})
        answer = orjson.loads(text)
        assert status == 201 and answer["message"] == "partially processed"
        assert answer["attributes_processed"] == 1 and len(answer["errors"]) == 1
        assert sim.segment_count("looker_export", "look_1") == 1


async def test_unknown_keys_answer_404_when_set_so_and_a_missing_key_stays_401():
    keys = {GOOD: KeySpec(), FOREIGN: KeySpec(instance="EU-01")}
    with running(SimConfig(users=5, api_keys=keys, unknown_key_status=404)) as (url, _):
        unknown = await post_to(url, {"attributes": [flag(1)]}, key="wrong-key")
        foreign = await post_to(url, {"attributes": [flag(1)]}, key=FOREIGN)
        missing = await post_to(url, {"attributes": [flag(1)]}, key="")
        good = await post_to(url, {"attributes": [flag(1)]}, key=GOOD)
    assert (unknown[0], orjson.loads(unknown[1])) == (404, {"message": "Unknown REST API Key"})
    assert foreign[0] == 404
    assert (missing[0], orjson.loads(missing[1])) == (401, {"message": "Invalid API Key"})
    assert good[0] == 201


async def test_401_says_invalid_api_key_as_braze_does(client):
    session, _ = client
    _, text, _ = await post(session, {"attributes": [flag(1)]}, {"Authorization": "Bearer nope"})
    assert orjson.loads(text) == {"message": "Invalid API Key"}


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("rate_plan", "Forbidden: rate plan doesn't support this API"),
        ("inactive", "Forbidden: account is otherwise inactivated"),
    ],
)
async def test_an_account_state_answers_403_with_braze_texts_after_the_key(state, text):
    keys = {GOOD: KeySpec(), READ_ONLY: KeySpec(permissions=frozenset())}
    config = SimConfig(users=5, api_keys=keys, account_state=state, rate_limit_requests=100)
    with running(config) as (url, sim):
        answers = [
            await post_to(url, {"attributes": [flag(1)]}, key=key)
            for key in (GOOD, READ_ONLY, "wrong-key")
        ]
        stats = sim.stats()
    assert [(status, orjson.loads(body)["message"]) for status, body, _ in answers] == [
        (403, text),
        (403, text),  # the account, before the key's permission
        (401, "Invalid API Key"),  # an unknown key first of all
    ]
    assert stats["objects_received"] == 0
    assert "x-ratelimit-limit" not in {name.lower() for name in answers[0][2]}  # no quota used


async def test_a_redirect_answers_the_status_and_location_and_applies_nothing():
    config = SimConfig(users=5, redirect_rate=1.0, redirect_to="https://elsewhere.example/x")
    with running(config) as (url, sim):
        status, text, headers = await post_to(url, {"attributes": [flag(1)]})
        stats = sim.stats()
    assert (status, headers["Location"], text) == (307, "https://elsewhere.example/x", b"")
    assert stats["redirected_requests"] == 1 and stats["objects_received"] == 0
    assert stats["requests"] == {"307": 1}
