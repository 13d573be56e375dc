"""Currents event types, writer schemas and warehouse names."""

from __future__ import annotations

import io

import fastavro
import pytest
from hypothesis import given
from hypothesis import strategies as st

from looker_braze.currents import schemas

# The 2018 types the Looker Blocks read (version 1 exists for these).
BLOCK_EVENT_TYPES = {
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

# The current catalogue by family, as the spec's "Real-world behaviours" lists it.
_FAMILIES = {
    "users.messages.email": "Send Delivery Open Click Bounce SoftBounce MarkAsSpam Unsubscribe "
    "Deferral Retry Abort",
    "users.messages.pushnotification": "Send Open IosForeground Bounce Retry Abort",
    "users.behaviors.pushnotification": "TokenStateChange",
    "users.messages.sms": "Send CarrierSend Delivery DeliveryFailure Rejection InboundReceive "
    "ShortLinkClick Retry Abort",
    "users.messages.whatsapp": "Send Delivery Read Click Failure InboundReceive Retry Abort",
    "users.messages.rcs": "Send Delivery Read Click Rejection InboundReceive Abort",
    "users.messages.line": "Send Click InboundReceive Retry Abort",
    "users.messages.inappmessage": "Impression Click Abort",
    "users.messages.contentcard": "Send Impression Click Dismiss Abort",
    "users.messages.banner": "Impression Click Dismiss Abort",
    "users.messages.webhook": "Send Failure Retry Abort",
    "users.messages.featureflag": "Impression",
    "users.messages.liveactivity": "Send Outcome",
    "users.behaviors.liveactivity": "PushToStartTokenChange UpdateTokenChange",
    "users.canvas": "Entry Conversion costep.Send exit.MatchedAudience exit.PerformedEvent "
    "experimentstep.SplitEntry experimentstep.Conversion",
    "users.canvasstep": "Progression",
    "users.campaigns": "Conversion EnrollInControl",
    "users.behaviors": "CustomEvent Purchase Location InstallAttribution Uninstall "
    "app.FirstSession app.SessionStart app.SessionEnd subscription.GlobalStateChange "
    "subscriptiongroup.StateChange",
    "users": "profile.Update RandomBucketNumberUpdate UserDeleteRequest UserOrphan",
    "agentconsole": "AgentExecuted ToolInvocation",
}
SPEC_EVENT_TYPES = {
    f"{family}.{name}" for family, names in _FAMILIES.items() for name in names.split()
}
VERSIONS = [(event_type, version) for event_type in sorted(SPEC_EVENT_TYPES) for version in (1, 2)]


def test_every_event_type_of_the_catalogue_is_declared_once():
    assert len(SPEC_EVENT_TYPES) == 94
    assert set(schemas.EVENT_TYPES) == SPEC_EVENT_TYPES
    assert len(schemas.EVENT_TYPES) == len(set(schemas.EVENT_TYPES))
    assert BLOCK_EVENT_TYPES < SPEC_EVENT_TYPES


def test_table_names_are_what_the_blocks_expect():
    assert schemas.table_name("users.messages.email.Send") == "USERS_MESSAGES_EMAIL_SEND"
    assert schemas.table_name("users.behaviors.app.FirstSession") == (
        "USERS_BEHAVIORS_APP_FIRSTSESSION"
    )
    assert schemas.TABLES["USERS_MESSAGES_PUSHNOTIFICATION_OPEN"] == (
        "users.messages.pushnotification.Open"
    )


@pytest.mark.parametrize(("event_type", "version"), VERSIONS)
def test_writer_schemas_round_trip_a_record_and_name_the_event(event_type, version):
    schema = fastavro.parse_schema(schemas.writer_schema(event_type, version))
    assert schemas.event_type_from_record_name(schema["name"]) == event_type
    record = {f.name: _sample(f) for f in schemas.fields(event_type, version)}
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, [record])
    buffer.seek(0)
    assert list(fastavro.reader(buffer)) == [record]


def _sample(field: schemas.Field):
    if field.is_array:
        return ["a", None] if field.type == "[string?]" else ["a", "b"]
    return {"string": "x", "int": 7, "long": 7, "float": 1.5, "double": 1.5, "boolean": True}[
        field.type
    ]


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


def test_types_braze_added_after_2018_have_one_schema_for_both_versions():
    for event_type in SPEC_EVENT_TYPES - BLOCK_EVENT_TYPES:
        assert schemas.fields(event_type, 1) == schemas.fields(event_type, 2)


def test_location_price_and_duration_fields_are_avro_float_as_in_brazes_files():
    def types(event_type):
        return {f.name: f.type for f in schemas.fields(event_type)}

    location = types("users.behaviors.Location")
    assert {location[n] for n in ("latitude", "longitude", "altitude", "ll_accuracy")} == {"float"}
    assert types("users.behaviors.Purchase")["price"] == "float"
    assert types("users.behaviors.app.SessionEnd")["duration"] == "float"
    assert all(f.type != "double" for e in SPEC_EVENT_TYPES for f in schemas.fields(e))


@pytest.mark.parametrize(
    "event_type",
    ["users.messages.email.Click", "users.messages.sms.ShortLinkClick", "users.messages.rcs.Click"],
)
def test_suspected_bot_clicks_are_flagged_with_their_reasons(event_type):
    fields = {f.name: f for f in schemas.fields(event_type)}
    assert fields["is_suspected_bot_click"].type == "boolean"
    reason = fields["suspected_bot_click_reason"]
    assert reason.nullable and reason.avro()["type"] == [
        "null",
        {"type": "array", "items": "string"},
    ]


def test_message_names_and_dispatch_ids_of_the_current_catalogue():
    open_fields = {f.name for f in schemas.fields("users.messages.email.Open")}
    assert {"machine_open", "dispatch_id", "message_variation_name", "canvas_step_name"} <= (
        open_fields
    )
    assert {"ip_pool", "esp", "from_domain", "mailbox_provider", "browser"} <= open_fields
    click_fields = {f.name for f in schemas.fields("users.messages.email.Click")}
    assert {"link_id", "link_alias", "device_class", "device_os"} <= click_fields


def test_whatsapp_and_agent_events_carry_time_as_long():
    assert {f.name: f.type for f in schemas.fields("users.messages.whatsapp.Send")}[
        "time"
    ] == "long"
    tool = {f.name: f for f in schemas.fields("agentconsole.ToolInvocation")}
    assert "user_id" not in tool and tool["time"].type == "long"


def test_a_declaration_can_replace_and_drop_fields_of_a_group():
    parsed = schemas._parse("a? b c? -b a c:int")
    assert parsed == (schemas.Field("a", "string", False), schemas.Field("c", "int", False))


_SPEC = st.tuples(
    st.sampled_from(["a", "b", "c", "d"]),
    st.booleans(),
    st.sampled_from(["", ":int", ":float", ":[string]"]),
    st.booleans(),  # a removal ("-name") instead
)


@given(st.lists(_SPEC, max_size=12))
def test_declarations_keep_first_positions_last_specs_and_drop_removed_names(specs):
    text, expected = [], {}
    for name, nullable, avro_type, remove in specs:
        if remove:
            if name not in expected:
                continue  # dropping a field the group does not have is a typo: not generated
            text.append(f"-{name}")
            del expected[name]
            continue
        text.append(f"{name}{'?' if nullable else ''}{avro_type}")
        field = schemas.Field(name, avro_type[1:] or "string", nullable)
        expected[name] = field  # a dict keeps the first position of a replaced key
    assert schemas._parse(" ".join(text)) == tuple(expected.values())
