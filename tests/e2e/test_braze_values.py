"""Identifiers, values and time zones as Braze takes them, end to end over real HTTP: Looker
sender -> hub -> Braze simulator (whose rules are written apart from the hub's)."""

from __future__ import annotations

import aiohttp
import orjson
import pytest

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.instances import Endpoint
from looker_braze.hub.cells import Projection
from looker_braze.hub.document import parse_fields
from looker_braze.sim import population
from looker_braze.sim.braze.objects import BLOCKLISTED
from looker_braze.sim.looker import LookerSender

from .conftest import SIM_KEY, running_braze, running_hub

pytestmark = pytest.mark.timeout(120)


def look(dimensions: list[tuple[str, str, list[str]]], rows: list[tuple]) -> bytes:
    """A json_detail Look: dimensions as (name, type, tags), rows as tuples of cell values."""
    fields = [
        {"name": n, "type": t, "tags": tags, "is_numeric": False} for n, t, tags in dimensions
    ]
    data = [
        {name: {"value": value} for (name, _, _), value in zip(dimensions, row, strict=True)}
        for row in rows
    ]
    return orjson.dumps({"fields": {"dimensions": fields, "measures": []}, "data": data})


async def execute(hub, braze, document: bytes, **form):
    form = {"braze_key": "external_id", "braze_segment": "VALUES"} | form
    async with LookerSender(hub.url, token=hub.token) as looker:
        result = await looker.execute("braze", braze.params(), form, look=document)
    return result.looker


def seeded(i: int) -> str:
    return population.external_id(i)


async def test_an_email_with_utf8_letters_and_a_unicode_domain_flags_the_user():
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        braze.sim.track(
            {"attributes": [{"external_id": "crm-1", "email": "josé@xn--bcher-kva.de"}]}
        )
        document = look(
            [("users.email", "string", ["braze_id"])], [("josé@bücher.de",), ("a|b@example.com",)]
        )
        answer = await execute(hub, braze, document, braze_key="email")
        profile = braze.sim.profile("external_id", "crm-1")
    assert profile["custom_attributes"]["looker_export"] == ("VALUES",)
    assert "1 sent" in answer["message"] and "invalid email: has a character" in answer["message"]


async def test_a_10_digit_phone_finds_the_user_stored_with_plus_1():
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        braze.sim.track({"attributes": [{"external_id": "crm-2", "phone": "+17241234567"}]})
        document = look([("users.phone", "string", ["braze_id"])], [("(724) 123-4567",)])
        answer = await execute(hub, braze, document, braze_key="phone")
        profile = braze.sim.profile("phone", "724-123-4567")
    assert answer["success"] is True, answer["message"]
    assert profile["external_id"] == "crm-2"
    assert profile["custom_attributes"]["looker_export"] == ("VALUES",)


async def test_standard_values_land_as_braze_reads_them():
    dimensions = [
        ("users.id", "string", ["braze_id"]),
        ("users.tz", "string", ["braze[time_zone]"]),
        ("users.phone", "string", ["braze[phone]"]),
        ("users.email", "string", ["braze[email]"]),
        ("users.paid", "date_time", ["braze[paid_at]"]),
    ]
    rows = [
        (seeded(1), "eastern time (us & canada)", "724.123.4567", "ann@例え.テスト",
         "2017-07-28T02:25:19+01:00"),
        (seeded(2), "Mars/Olympus", "+44 20 7183 8750", "ann @example.com", "2017-07-28T02:25:19Z"),
    ]  # fmt: skip
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        braze.sim.track({"attributes": [{"external_id": seeded(2), "time_zone": "Europe/Paris"}]})
        answer = await execute(hub, braze, look(dimensions, rows))
        first = braze.sim.profile("external_id", seeded(1))
        second = braze.sim.profile("external_id", seeded(2))
        found = braze.sim.profile("phone", "+44 (20) 7183-8750")
    assert answer["success"] is True, answer["message"]
    assert first["time_zone"] == "Eastern Time (US & Canada)"
    assert first["phone"] == "17241234567"
    assert first["email"] == "ann@xn--r8jz45g.xn--zckzah"
    assert first["custom_attributes"]["paid_at"] == "2017-07-28T01:25:19.000Z"
    assert second["custom_attributes"]["paid_at"] == "2017-07-28T02:25:19.000Z"
    assert second["time_zone"] == "Europe/Paris"  # the invalid zone was reported, not sent
    assert second["email"] == population.email(2)  # nor the address with a space
    assert found["external_id"] == seeded(2)
    message = answer["message"]
    assert "time_zone not an IANA or Rails time zone name" in message, message
    assert "email has whitespace" in message, message


async def test_a_look_in_new_york_sends_its_times_as_the_right_utc_instant():
    # The lead wires the request's zone into RunOptions.time_zone; here it is set directly and
    # the hub's mapper's objects go to the simulator over HTTP.
    fields = parse_fields(
        {
            "dimensions": [
                {"name": "users.id", "type": "string", "tags": ["braze_id"]},
                {"name": "users.last", "type": "date_time", "tags": ["braze[last_order_at]"]},
                {"name": "users.day", "type": "date_date", "tags": ["braze[signup_date]"]},
            ]
        }
    )
    options = RunOptions(
        endpoint=Endpoint("http://127.0.0.1", "sim"),
        api_key=SIM_KEY,
        key_kind="external_id",
        label="NY",
        array_attribute="looker_export",
        alias_label="looker",
        update_existing_only=True,
        dry_run=False,
        time_zone="America/New_York",
    )
    mapper = RowMapper(fields, options)
    row = {"users.id": seeded(3), "users.last": "2024-07-04 21:15:00", "users.day": "2024-07-04"}
    cells = Projection(mapper.select).row(row)
    obj, _ = mapper.build(cells, mapper.identifier(cells), ValueNotes())
    with running_braze(users=10) as braze:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{braze.url}/users/track",
                json={"attributes": [obj]},
                headers={"Authorization": f"Bearer {SIM_KEY}"},
            ) as answer,
        ):
            assert answer.status == 201, await answer.text()
        stored = braze.sim.profile("external_id", seeded(3))["custom_attributes"]
    assert stored["last_order_at"] == "2024-07-05T01:15:00.000Z"  # EDT is UTC-4
    assert stored["signup_date"] == "2024-07-04T00:00:00.000Z"  # a day is not shifted


async def test_rows_of_blocklisted_external_ids_are_rejected_with_brazes_reason():
    blocked = frozenset({seeded(2)})
    with (
        running_braze(users=10, blocklisted_external_ids=blocked) as braze,
        running_hub(braze.url) as hub,
    ):
        document = look([("users.id", "string", ["braze_id"])], [(seeded(i),) for i in (1, 2, 3)])
        answer = await execute(hub, braze, document)
        flagged = braze.sim.segment_count("looker_export", "VALUES")
    assert flagged == 2
    assert answer["success"] is False  # a rejected row is not a delivery
    assert f"Rows read: 3: 2 sent; 1 rejected by Braze ({BLOCKLISTED}: 1)." in answer["message"]


async def test_an_attribute_name_over_255_characters_is_listed_and_not_sent():
    long_name = "n" * 256
    document = look(
        [("users.id", "string", ["braze_id"]), ("users.x", "string", [f"braze[{long_name}]"])],
        [(seeded(1), "value")],
    )
    with running_braze(users=10) as braze, running_hub(braze.url) as hub:
        answer = await execute(hub, braze, document)
        custom = braze.sim.profile("external_id", seeded(1))["custom_attributes"]
    assert answer["success"] is True, answer["message"]
    assert custom == {"looker_export": ("VALUES",)}
    assert "(attribute name over 255 characters)" in answer["message"]
