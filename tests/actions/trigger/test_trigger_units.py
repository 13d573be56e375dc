"""braze_trigger's pieces: the tag grammar (and what `check` and the flag action make of it), the
form's options and send key, recipient objects, and the report's accounting."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.tags import is_malformed
from looker_braze.actions.braze.trigger.options import DEFAULT_SEND, trigger_options
from looker_braze.actions.braze.trigger.recipients import RecipientMapper
from looker_braze.actions.braze.trigger.report import TriggerReport
from looker_braze.actions.braze.trigger.tags import is_trigger_tag, property_name
from looker_braze.braze.triggers import Target, TargetKind
from looker_braze.check import Status
from looker_braze.check.fields import analyse_tags, tag_findings
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.action import RunProgress
from looker_braze.hub.document import parse_fields
from looker_braze.hub.protocol import ActionRequest

PARAMS = {"braze_api_key": "k-123456789", "braze_api_endpoint": "https://rest.iad-01.braze.com"}
FORM = {"braze_target_id": "c-1", "braze_recipient_cap": "1,000"}


def options(**form):
    return trigger_options(ActionRequest(params=PARAMS, form_params=FORM | form), ())


def fields(*dimensions):
    ident = {"name": "users.id", "type": "string", "tags": ["braze_id"]}
    return parse_fields({"dimensions": [ident, *dimensions], "measures": []})


@pytest.mark.parametrize(
    "tag, name",
    [("braze_trigger[score]", "score"), ("BRAZE_TRIGGER[Plan]", "Plan"), ("braze_trigger[]", None),
     ("braze_trigger[a]b]", None), ("braze_trigger(x)", None), ("braze[x]", None)],
)  # fmt: skip
def test_the_property_tag_grammar(tag, name):
    assert property_name(tag) == name


def test_trigger_tags_are_not_the_flag_actions_malformed_tags_and_check_describes_them():
    assert not is_malformed("braze_trigger[score]") and is_trigger_tag("braze_trigger(x)")
    assert is_malformed("braze(x)")
    found = fields(
        {"name": "users.score", "type": "number", "tags": ["braze_trigger[score]"]},
        {"name": "users.bad", "type": "string", "tags": ["braze_trigger(x)"]},
    )
    findings = tag_findings(analyse_tags(found, "external_id", "looker_export"), "look", "x")
    (prop,) = [f for f in findings if f.check == "look.trigger"]
    assert prop.status is Status.PASS and "braze_trigger[score] on users.score" in prop.message
    assert "sent as number" in prop.message
    (bad,) = [f for f in findings if f.status is Status.PROBLEM]
    assert "braze_trigger(x)" in bad.message and "braze_trigger[<name>]" in bad.message


def test_options_default_to_a_campaign_one_send_per_target_and_read_the_cap():
    chosen = options()
    assert chosen.target == Target(TargetKind.CAMPAIGN, "c-1") and chosen.recipient_cap == 1000
    assert chosen.send_key == DEFAULT_SEND and chosen.dry_run is False
    assert options(braze_send_label=" spring ").send_key == "label:spring"
    assert options(braze_target_kind="Canvas").target.kind == TargetKind.CANVAS


@pytest.mark.parametrize(
    "form, field",
    [({"braze_target_kind": "segment"}, "braze_target_kind"),
     ({"braze_target_id": " "}, "braze_target_id"),
     ({"braze_recipient_cap": "²"}, "braze_recipient_cap"),
     ({"braze_key": "phone"}, "braze_key"),
     ({"braze_prioritization": "random"}, "braze_prioritization"),
     ({"braze_send_label": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "braze_send_label"),
     ({"braze_target_id": "k-123456789"}, "braze_target_id")],
)  # fmt: skip
def test_invalid_form_answers_are_refused_by_field(form, field):
    with pytest.raises(FailRun) as refused:
        options(**form)
    assert field in getattr(refused.value, "errors", {field: ""}) or "API key" in str(refused.value)


def test_recipients_carry_their_properties_in_the_targets_field():
    found = fields(
        {"name": "users.score", "type": "number", "tags": ["braze_trigger[score]"]},
        {"name": "users.seen", "type": "date_time", "tags": ["braze_trigger[seen]"]},
    )
    canvas = options(braze_target_kind="canvas")
    mapper = RecipientMapper(found, canvas, "Europe/Paris")
    recipient = mapper.recipient((0.5, "2026-01-02 10:00:00", "u1"))
    assert recipient.obj == {
        "external_user_id": "u1", "context": {"score": 0.5, "seen": "2026-01-02T09:00:00Z"}
    }  # fmt: skip
    assert recipient.key == "external_id:u1"
    assert mapper.recipient((None, None, "u2")).obj == {"external_user_id": "u2"}
    with pytest.raises(RejectRow, match="empty identifier"):
        mapper.recipient((1, None, "  "))


def test_email_keys_are_one_address_whatever_the_case():
    mapper = RecipientMapper(fields(), options(braze_key="email"), None)
    upper, lower = mapper.recipient(("A@Example.com",)), mapper.recipient(("a@example.com",))
    assert upper.key == lower.key and upper.obj["email"] == "A@Example.com"
    assert upper.obj["prioritization"] == ["identified", "most_recently_updated"]


def test_two_fields_with_one_property_name_stop_the_send():
    twice = fields(
        {"name": "users.a", "type": "number", "tags": ["braze_trigger[x]"]},
        {"name": "users.b", "type": "number", "tags": ["braze_trigger[x]"]},
    )
    with pytest.raises(FailRun, match=r"Two fields are tagged braze_trigger\[x\]"):
        RecipientMapper(twice, options(), None)


_BUCKETS = ("sent", "already_sent", "pending_before", "unknown", "duplicates")


@settings(max_examples=60, derandomize=True)
@given(
    st.dictionaries(st.sampled_from(_BUCKETS), st.integers(0, 50)),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_every_row_read_is_accounted_for_once(buckets, invalid, stopped):
    report = TriggerReport(Target(TargetKind.CAMPAIGN, "c"), DEFAULT_SEND, RunProgress("t", None))
    report.count("read", sum(buckets.values()) + invalid + stopped)
    for name, amount in buckets.items():
        report.count(name, amount)
    for _ in range(invalid):
        report.count_invalid("empty identifier")
    report.count_unaccounted()
    assert report.not_sent == stopped and report.accounted == report.read
    counts = report.counts()
    assert counts.get("invalid", 0) == invalid and report.reasons() == Counter(
        {"empty identifier": invalid} if invalid else {}
    )
    assert report.success == (stopped == 0 and not buckets.get("unknown"))
    assert f"Rows read: {report.read:,}" in report.message()
