"""The tag checks read the hub's own tables: every standard field can be described, and names
Braze does not take are reported as the hub ignores them."""

from __future__ import annotations

import pytest

from looker_braze.braze.attributes import STANDARD
from looker_braze.check import Status
from looker_braze.check.fields import analyse_tags, tag_findings
from looker_braze.hub.document import parse_fields

ID = {"name": "users.id", "type": "string", "tags": ["braze_id"]}


def findings_for(*dimensions):
    fields = parse_fields({"dimensions": [ID, *dimensions], "measures": []})
    analysis = analyse_tags(fields, "external_id", "looker_export")
    return analysis, tag_findings(analysis, "look", "external_id")


@pytest.mark.parametrize("name", sorted(STANDARD))
def test_check_describes_every_standard_field(name):
    _, findings = findings_for({"name": "users.x", "type": "string", "tags": [f"braze[{name}]"]})
    (finding,) = [f for f in findings if f.check == "look.attributes"]
    assert STANDARD[name].takes in finding.message
    assert finding.status is (Status.PASS if STANDARD[name].one_field else Status.PROBLEM)


@pytest.mark.parametrize(
    "kind, words",
    [
        ("date_time", "sent as time, read in the Look's time zone and sent in UTC"),
        ("date_date", "sent as date (YYYY-MM-DD)"),
        ("yesno", "sent as boolean"),
        ("number", "sent as number"),
        ("string", "sent as text"),
    ],
)
def test_custom_attributes_say_what_values_py_makes_of_them(kind, words):
    _, findings = findings_for({"name": "users.x", "type": kind, "tags": ["braze[custom]"]})
    assert any(words in f.message for f in findings if f.check == "look.attributes")


def test_an_attribute_name_over_255_characters_is_a_problem_and_not_an_attribute():
    long_tag = f"braze[{'n' * 300}]"
    analysis, findings = findings_for(
        {"name": "users.x", "type": "string", "tags": [long_tag]},
        {"name": "users.y", "type": "string", "tags": [f"braze[{'m' * 255}]"]},
    )
    assert [a.name for a in analysis.attributes] == ["m" * 255]
    assert not analysis.blocking  # the hub sends the Look, without that column
    (problem,) = [f for f in findings if f.status is Status.PROBLEM]
    assert problem.check == "look.tags"
    assert "300 characters; Braze takes at most 255, so the hub ignores it" in problem.message
    assert "n" * 41 not in problem.message  # the name is shortened in the message


def test_the_catalog_actions_tags_are_not_malformed_flag_tags():
    analysis, _ = findings_for(
        {"name": "p.sku", "type": "string", "tags": ["braze_catalog_id"]},
        {"name": "p.name", "type": "string", "tags": ["braze_catalog[name]", "braze(x)"]},
    )
    assert analysis.malformed == (("p.name", "braze(x)"),)
