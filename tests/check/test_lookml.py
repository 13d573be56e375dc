"""The LookML view checks on the hand-written fixtures: each names its planted problems; the clean
view passes without a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.check import Status
from looker_braze.check.lookml import lookml_findings

FIXTURES = Path(__file__).parent / "fixtures"


def check(name: str, key_kind: str = "external_id") -> list:
    return lookml_findings((FIXTURES / name).read_text(), key_kind, "looker_export")


def of(findings, status: Status) -> list[tuple[str, str]]:
    return [(f.check, f.message) for f in findings if f.status is status]


def test_the_clean_view_passes_without_warnings():
    findings = check("clean.view.lkml")
    assert of(findings, Status.PROBLEM) == [] and of(findings, Status.WARNING) == []
    messages = [f.message for f in findings]
    assert "Read view users: 8 fields, 6 with Braze tags." in messages
    assert any("users.external_id is the identifier" in m for m in messages)
    assert any("braze[last_order_at] on users.last_order_date: custom attribute, sent as date"
               in m for m in messages)  # fmt: skip
    assert any("braze[is_vip] on users.is_vip: custom attribute, sent as boolean" in m
               for m in messages)  # fmt: skip


def test_a_view_without_identifier():
    assert [c for c, _ in of(check("no_identifier.view.lkml"), Status.PROBLEM)] == [
        "lookml.identifier"
    ]


def test_a_view_with_two_identifiers():
    (found,) = of(check("two_identifiers.view.lkml"), Status.PROBLEM)
    assert found[0] == "lookml.identifier"
    assert found[1] == (
        "Several fields are tagged 'braze_id' (users.external_id, users.legacy_id): "
        "tag exactly one."
    )


def test_each_tag_problem_gets_its_line():
    findings = check("tag_problems.view.lkml")
    found = of(findings, Status.PROBLEM)
    assert len(found) == 5
    text = "\n".join(m for _, m in found)
    assert "Tag 'braze(nickname)' on users.nickname is malformed" in text
    assert "Tag 'braze{region}' on users.region is malformed" in text
    assert "users.crm_id is tagged braze[external_id], but 'external_id' is an identifier" in text
    assert "users.tier_name and users.tier are both tagged braze[tier]" in text
    assert "the standard attribute facebook needs an object" in text
    (case,) = of(findings, Status.WARNING)
    assert "tag braze[country] to set the standard field" in case[1]


def test_hidden_measure_and_timeframe_notes():
    findings = check("notes.view.lkml")
    assert of(findings, Status.PROBLEM) == []
    notes = dict(of(findings, Status.WARNING))
    assert "users.external_id is hidden but tagged braze_id" in notes["lookml.hidden"]
    assert "users.order_count is a measure" in notes["lookml.measure"]
    assert "(date, week, month)" in notes["lookml.timeframes"]


def test_a_measure_as_identifier_is_pointed_at():
    text = 'view: v { measure: ids { type: list tags: ["braze_id"] } }'
    notes = dict(of(lookml_findings(text, "external_id", "looker_export"), Status.WARNING))
    assert "a measure aggregates rows" in notes["lookml.measure"]
    assert "v.ids is a measure" in notes["lookml.identifier"]


@pytest.mark.parametrize(
    "text, words",
    [
        ((FIXTURES / "broken.view.lkml").read_text(), "not valid LookML"),
        ("", "defines no view"),
        ("explore: users {}", "defines no view"),
        ('view: v { dimension: id { tags: "braze_id" } }', "does not read as a list"),
    ],
)
def test_files_that_are_not_usable_views(text, words):
    found = of(lookml_findings(text, "external_id", "looker_export"), Status.PROBLEM)
    assert any(words in m for _, m in found), found


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from('view:dimension{}[]"; tags:braze_id\n#yes'), max_size=80))
def test_any_text_gives_findings_never_an_exception(text):
    findings = lookml_findings(text, "external_id", "looker_export")
    assert findings and all(f.message for f in findings)


@pytest.mark.parametrize(
    "text",
    ["view: users {\n  ;\n}\n", 'view: users {\n  dimension: id {\n    label: "Id";\n  }\n}\n'],
)
def test_a_single_semicolon_is_a_syntax_problem_not_an_endless_loop(text):
    (found,) = lookml_findings(text, "external_id", "looker_export")
    assert found.status is Status.PROBLEM and "single ';' on line" in found.message
