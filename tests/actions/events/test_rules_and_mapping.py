"""Braze's event and purchase rules (braze/events.py) and the events mapper: each invalid row is
rejected with its reason, keys are stable and tell events apart, every row is accounted for."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.events.mapping import EventMapper, event_key
from looker_braze.actions.braze.events.options import EventOptions
from looker_braze.actions.braze.events.report import EventReport
from looker_braze.actions.braze.events.sending import DrySink, send_events
from looker_braze.braze import events as rules
from looker_braze.braze.batch import Batcher
from looker_braze.braze.instances import parse_endpoint
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.action import RunProgress
from looker_braze.hub.cells import Projection
from looker_braze.hub.document import parse_fields
from looker_braze.hub.jsondetail import open_stream
from looker_braze.hub.readers import BytesReader
from tests.e2e.events_looks import (
    EVENT_FIELDS,
    ID,
    PURCHASE_FIELDS,
    document,
    event_row,
    purchase_row,
)


def options(**overrides) -> EventOptions:
    values = dict(
        endpoint=parse_endpoint("https://rest.iad-01.braze.com"), api_key="k",
        key_kind="external_id", alias_label="looker", array=rules.EVENTS, event_name=None,
        currency=None, update_existing_only=True, resend_unknown=False, dry_run=False,
    )  # fmt: skip
    values.update(overrides)
    return EventOptions(**values)


def fields(*dimensions):
    return parse_fields({"dimensions": list(dimensions), "measures": [], "pivots": []})


def build(mapper: EventMapper, row: dict):
    return mapper.build(Projection(mapper.select).row({k: {"value": v} for k, v in row.items()}))


# ---------------------------------------------------------------- Braze's rules


@pytest.mark.parametrize(
    "key, reason",
    [("", "empty property name"), ("time", "reserved"), ("event_name", "reserved"),
     ("$price", "starts with '$'"), ("k" * 256, "longer than 255")],
)  # fmt: skip
def test_property_names_braze_refuses(key, reason):
    with pytest.raises(RejectRow, match=reason.replace("$", r"\$")):
        rules.check_property_key(key)
    rules.check_property_key("k" * 255)  # the longest Braze takes


def test_property_values_and_nested_size():
    rules.check_properties({"s": "x" * 255, "n": 1, "b": True})
    with pytest.raises(RejectRow, match="longer than 255"):
        rules.check_properties({"s": "x" * 256})
    nested = {"items": ["x" * 200] * 300}  # ~60 KB: over 50 KB, under 100 KB
    with pytest.raises(RejectRow, match="over 50,000 bytes"):
        rules.check_properties(nested)
    rules.check_properties(nested, rules.PROPERTIES_MAX_BYTES_NEWER)
    # Flat properties have no size limit of their own: only each string's length.
    rules.check_properties({f"k{i}": "y" * 255 for i in range(400)})


@pytest.mark.parametrize("value, expected", [("usd", "USD"), (" EUR ", "EUR"), ("JPY", "JPY")])
def test_currency_codes_come_from_iso_4217(value, expected):
    assert rules.currency_code(value) == expected


@pytest.mark.parametrize("value", ["XYZ", "US", "", None, 840, "dollars"])
def test_currency_codes_that_are_not_iso_4217(value):
    with pytest.raises(RejectRow, match="ISO-4217"):
        rules.currency_code(value)


@pytest.mark.parametrize("value, expected", [(1, 1), (100, 100), ("7", 7), (3.0, 3)])
def test_quantities(value, expected):
    assert rules.quantity(value) == expected


@pytest.mark.parametrize("value", [0, 101, 1.5, "two", None, True, -1])
def test_quantities_braze_refuses(value):
    with pytest.raises(RejectRow, match="1 to 100"):
        rules.quantity(value)


@pytest.mark.parametrize("value", ["cheap", None, True, float("nan"), float("inf"), [1]])
def test_prices_that_are_not_numbers(value):
    with pytest.raises(RejectRow, match="price is not a number"):
        rules.price(value)


def test_prices_and_products():
    assert rules.price("1,299.50") == 1299.5 and rules.price(3) == 3.0
    assert rules.product_id(12.0) == "12" and rules.product_id(" p ") == "p"
    with pytest.raises(RejectRow, match="longer than 255"):
        rules.product_id("p" * 256)
    assert rules.data_points(rules.EVENTS, {"a": 1, "b": 2}) == 1
    assert rules.data_points(rules.PURCHASES, {"a": 1, "b": 2}) == 3


# ---------------------------------------------------------------- the mapper


def test_a_look_must_say_when_and_what():
    with pytest.raises(FailRun, match="tag 'braze_time'"):
        EventMapper(fields(ID, EVENT_FIELDS[1]), options())
    with pytest.raises(FailRun, match="braze_event_name"):
        EventMapper(fields(ID, EVENT_FIELDS[2]), options())
    with pytest.raises(FailRun, match=r"braze_product_id.*braze_price.*Currency"):
        EventMapper(fields(ID, EVENT_FIELDS[2]), options(array=rules.PURCHASES))
    EventMapper(fields(ID, EVENT_FIELDS[2]), options(event_name="x"))  # the form's name


def test_two_fields_with_one_tag_are_refused():
    twin = {**EVENT_FIELDS[3], "name": "events.plan_2"}
    with pytest.raises(FailRun, match=r"Two fields are tagged braze_property\[plan\]"):
        EventMapper(fields(*EVENT_FIELDS, twin), options())


def test_keys_are_stable_and_tell_every_detail_apart():
    mapper = EventMapper(fields(*EVENT_FIELDS), options())
    key, _, points = build(mapper, event_row("u1"))
    assert build(mapper, event_row("u1"))[0] == key and points == 1
    variants = [event_row("u2"), event_row("u1", name="other"), event_row("u1", plan="silver"),
                event_row("u1", at="2025-01-31 10:00:01"), event_row("u1", score=2)]  # fmt: skip
    assert len({key, *(build(mapper, row)[0] for row in variants)}) == 6
    # The flag that says how Braze treats the user is not part of the event.
    other = EventMapper(fields(*EVENT_FIELDS), options(update_existing_only=False))
    assert build(other, event_row("u1"))[0] == key


def test_purchase_keys_treat_a_missing_quantity_as_one():
    obj = {"external_id": "u", "product_id": "p", "currency": "USD", "price": 1.0, "time": "t"}
    assert event_key(obj, rules.PURCHASES) == event_key({**obj, "quantity": 1}, rules.PURCHASES)
    assert event_key(obj, rules.PURCHASES) != event_key({**obj, "quantity": 2}, rules.PURCHASES)


def test_purchase_objects_and_their_cost():
    mapper = EventMapper(fields(*PURCHASE_FIELDS), options(array=rules.PURCHASES))
    _, obj, points = build(mapper, purchase_row("u1", price="12.5", currency="gbp", quantity=3))
    assert obj == {"external_id": "u1", "_update_existing_only": True, "product_id": "Annual Plan",
                   "currency": "GBP", "price": 12.5, "quantity": 3,
                   "time": "2025-01-31T10:00:00Z", "properties": {"plan": "gold"}}  # fmt: skip
    assert points == 2


# ---------------------------------------------------------------- every row accounted for

cells = st.one_of(st.none(), st.text(max_size=4), st.integers(-2, 200), st.floats(allow_nan=True))
times = st.one_of(st.none(), st.sampled_from(["2025-01-31 10:00:00", "2025-02-01", "soon", ""]))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(st.sampled_from([None, "", "u1", "u2", "u3"]), times, cells, cells, cells),
        max_size=60,
    ),
    st.sampled_from(["event", "purchase"]),
)
def test_every_row_is_accounted_for(rows, kind):
    """A dry run over arbitrary cells: each row is would-send, a duplicate, or invalid with a
    reason; nothing raises, nothing is lost."""
    if kind == "event":
        look = [event_row(u, name=n if n is not None else None, at=t, plan=p, score=s)
                for u, t, n, p, s in rows]  # fmt: skip
        spec, opts = EVENT_FIELDS, options(dry_run=True)
    else:
        look = [purchase_row(u, at=t, price=n, currency="usd", quantity=q, plan=p)
                for u, t, n, p, q in rows]  # fmt: skip
        spec, opts = PURCHASE_FIELDS, options(array=rules.PURCHASES, dry_run=True)
    report = asyncio.run(_dry_run(document(spec, look), opts))
    assert report.read == len(rows)
    assert report.would_send + report.duplicates + sum(report.invalid.values()) == len(rows)
    assert report.accounted == report.read and report.failure is None
    for obj in report.samples:  # what would be sent is what Braze takes
        orjson.dumps(obj)
        assert obj["time"].endswith("Z")


async def _dry_run(body: bytes, opts: EventOptions) -> EventReport:
    stream = await open_stream(BytesReader(body))
    report = EventReport(opts.noun, RunProgress("braze_events", None), dry_run=True)
    mapper = EventMapper(stream.fields, opts)
    await send_events(stream, mapper, DrySink(None, report), Batcher(75, array=opts.array),
                      report, None)  # fmt: skip
    return report
