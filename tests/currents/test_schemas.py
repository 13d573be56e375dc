"""Currents event types, writer schemas and warehouse names."""

from __future__ import annotations

import io

import fastavro
import pytest
from hypothesis import given
from hypothesis import strategies as st

from looker_braze.currents import schemas

SPEC_EVENT_TYPES = {
    "users.messages.email.Send", "users.messages.email.Delivery", "users.messages.email.Open",
    "users.messages.email.Click", "users.messages.email.Bounce", "users.messages.email.SoftBounce",
    "users.messages.email.MarkAsSpam", "users.messages.email.Unsubscribe",
    "users.messages.pushnotification.Send", "users.messages.pushnotification.Open",
    "users.messages.pushnotification.Bounce", "users.messages.pushnotification.IosForeground",
    "users.messages.inappmessage.Impression", "users.messages.inappmessage.Click",
    "users.messages.webhook.Send", "users.messages.contentcard.Send",
    "users.messages.contentcard.Impression", "users.messages.contentcard.Click",
    "users.messages.contentcard.Dismiss", "users.campaigns.Conversion",
    "users.campaigns.EnrollInControl", "users.canvas.Entry", "users.canvas.Conversion",
    "users.behaviors.app.FirstSession", "users.behaviors.app.SessionStart",
    "users.behaviors.app.SessionEnd", "users.behaviors.CustomEvent", "users.behaviors.Purchase",
    "users.behaviors.Location", "users.behaviors.InstallAttribution", "users.behaviors.Uninstall",
}  # fmt: skip


def test_every_event_type_of_the_spec_is_declared():
    assert set(schemas.EVENT_TYPES) == SPEC_EVENT_TYPES


def test_table_names_are_what_the_blocks_expect():
    assert schemas.table_name("users.messages.email.Send") == "USERS_MESSAGES_EMAIL_SEND"
    assert schemas.table_name("users.behaviors.app.FirstSession") == (
        "USERS_BEHAVIORS_APP_FIRSTSESSION"
    )
    assert schemas.TABLES["USERS_MESSAGES_PUSHNOTIFICATION_OPEN"] == (
        "users.messages.pushnotification.Open"
    )


@pytest.mark.parametrize("event_type", sorted(SPEC_EVENT_TYPES))
def test_writer_schemas_round_trip_a_record_and_name_the_event(event_type):
    schema = fastavro.parse_schema(schemas.writer_schema(event_type, 1))
    assert schemas.event_type_from_record_name(schema["name"]) == event_type
    record = {f.name: _sample(f) for f in schemas.fields(event_type, 1)}
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, [record])
    buffer.seek(0)
    assert list(fastavro.reader(buffer)) == [record]


def _sample(field: schemas.Field):
    return {"string": "x", "int": 7, "long": 7, "double": 1.5, "boolean": True}[field.type]


@pytest.mark.parametrize("event_type", sorted(SPEC_EVENT_TYPES))
def test_later_versions_only_add_nullable_fields(event_type):
    old = schemas.fields(event_type, 1)
    new = schemas.fields(event_type, 2)
    assert new[: len(old)] == old
    assert all(f.nullable for f in new[len(old) :])
    assert len({f.name for f in new}) == len(new)


def test_message_events_carry_the_common_fields_with_the_spec_nullability():
    fields = {f.name: f for f in schemas.fields("users.messages.email.Delivery")}
    assert not fields["id"].nullable and not fields["user_id"].nullable
    assert fields["time"].type == "int" and not fields["time"].nullable
    assert fields["canvas_step_id"].nullable and fields["sending_ip"].nullable
    assert not fields["email_address"].nullable


def test_later_fields_of_the_spec_exist_in_version_2():
    assert "bounce_reason" in {f.name for f in schemas.fields("users.messages.email.Bounce", 2)}
    open_v2 = {f.name for f in schemas.fields("users.messages.email.Open", 2)}
    assert {"machine_open", "is_amp"} <= open_v2
    assert "machine_open" not in {f.name for f in schemas.fields("users.messages.email.Open", 1)}


def test_sql_types_per_dialect():
    assert schemas.sql_type("int", "duckdb") == "BIGINT"
    assert schemas.sql_type("double", "postgres") == "DOUBLE PRECISION"
    assert schemas.sql_type("string", "postgres") == "TEXT"
    assert schemas.sql_type("record", "duckdb") == "VARCHAR"  # complex values kept as JSON text


def test_record_names_without_inner_marker_give_no_event_type():
    assert schemas.event_type_from_record_name("com.example.Thing") is None
    assert schemas.event_type_from_record_name("x.inner.") is None


@given(st.lists(st.from_regex(r"[a-z][a-zA-Z0-9]{0,8}", fullmatch=True), min_size=1, max_size=5))
def test_table_name_is_upper_snake_and_keeps_every_part(parts):
    event_type = ".".join(parts)
    name = schemas.table_name(event_type)
    assert name == name.upper() and "." not in name
    assert name.split("_") == [part.upper() for part in parts]
    full = f"{schemas.NAMESPACE}.{event_type}"
    assert schemas.event_type_from_record_name(full) == event_type
