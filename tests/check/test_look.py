"""The Look checks on generated Looks whose planted problems are known (the generator's truth),
and on small hand-made json_detail documents for what the generator does not plant."""

from __future__ import annotations

import asyncio
import io

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from looker_braze.check import Status
from looker_braze.check.look import check_options, field_findings, look_findings
from looker_braze.check.tally import RowTally
from looker_braze.hub.jsondetail import open_stream
from looker_braze.hub.readers import BytesReader
from looker_braze.sim import population
from looker_braze.sim.looks import MALFORMED_TAGS, LookSpec, compute_truth, look_bytes

ID = {"name": "users.id", "type": "string", "tags": ["braze_id"]}


def findings_of(document: bytes, key_kind: str = "external_id", attribute: str = "looker_export"):
    options = check_options(key_kind, attribute)
    return asyncio.run(look_findings(io.BytesIO(document), options))


def by_check(findings, status: Status | None = None) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for f in findings:
        if status is None or f.status is status:
            grouped.setdefault(f.check, []).append(f.message)
    return grouped


def problems(findings) -> dict[str, list[str]]:
    return by_check(findings, Status.PROBLEM)


def document(*dimensions, rows=(), pivots=()) -> bytes:
    fields = {"dimensions": list(dimensions), "measures": [], "pivots": list(pivots)}
    return orjson.dumps({"fields": fields, "data": list(rows)})


async def _tally(spec: LookSpec, key_kind: str) -> RowTally:
    stream = await open_stream(BytesReader(look_bytes(spec)))
    _, mapper = field_findings(stream.fields, check_options(key_kind, "looker_export"))
    tally = RowTally(mapper)
    async for rows in stream.batches(tally.select):
        tally.add(rows)
    return tally


# ---------------------------------------------------------------- generated Looks


def test_a_clean_look_passes_with_a_line_per_attribute():
    findings = findings_of(look_bytes(LookSpec(rows=300, seed=3, null_share=0.2)))
    assert problems(findings) == {} and by_check(findings, Status.WARNING) == {}
    lines = by_check(findings)
    assert len(lines["look.attributes"]) == 9
    assert any("braze[country] on users.country: standard attribute" in m
               for m in lines["look.attributes"])  # fmt: skip
    assert any("braze[loyalty_tier] on users.loyalty_tier: custom attribute, sent as text" in m
               for m in lines["look.attributes"])  # fmt: skip
    assert "300 rows read: 300 users" in lines["look.rows"][0]


def test_every_planted_problem_is_named_once_with_its_count():
    spec = LookSpec(
        rows=1500, seed=5, pivoted=True, id_tags=2, malformed_tags=True,
        duplicate_share=0.1, invalid_id_share=0.05, invalid_attribute_share=0.1,
    )  # fmt: skip
    truth = compute_truth(spec)
    found = problems(findings_of(look_bytes(spec)))
    assert "pivoted" in found["look.pivot"][0]
    assert (
        "Several fields are tagged 'braze_id' (users.external_id, users.alt_id)"
        in (found["look.identifier"][0])
    )
    assert sorted(m.split("'")[1] for m in found["look.tags"]) == sorted(MALFORMED_TAGS.values())
    assert found["look.empty_ids"] == [
        f"{truth.invalid_id_rows} rows have no identifier in users.external_id (null or blank; "
        + found["look.empty_ids"][0].split("(null or blank; ")[1]
    ]
    assert found["look.duplicates"][0].startswith(f"{truth.duplicate_rows} rows repeat")
    planted = {a: n for a, n in truth.invalid_attributes.items() if n}
    assert len(found["look.values"]) == len(planted)
    for message in found["look.values"]:
        attribute = message.split("]")[0].removeprefix("braze[")
        assert f": {planted[attribute]} invalid value" in message


@st.composite
def specs(draw) -> LookSpec:
    return LookSpec(
        rows=draw(st.integers(0, 300)),
        seed=draw(st.integers(0, 2**32)),
        id_kind=draw(st.sampled_from(population.IDENTIFIER_KINDS)),
        duplicate_share=draw(st.floats(0, 0.4)),
        invalid_id_share=draw(st.floats(0, 0.4)),
        invalid_attribute_share=draw(st.floats(0, 1)),
        null_share=draw(st.floats(0, 0.5)),
        fields_first=draw(st.booleans()),
        pivoted=draw(st.booleans()),
        id_tags=draw(st.sampled_from([1, 2])),
        malformed_tags=draw(st.booleans()),
        lite=draw(st.booleans()),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_the_row_counts_are_the_generators_truth(spec):
    truth = compute_truth(spec)
    tally = asyncio.run(_tally(spec, spec.id_kind))
    assert tally.rows == truth.rows
    assert sum(tally.invalid_ids.values()) == truth.invalid_id_rows
    assert set(tally.invalid_ids) <= {"empty identifier"}
    assert tally.duplicates == truth.duplicate_rows
    assert tally.users == truth.distinct_ids
    assert dict(tally.dropped) == {a: n for a, n in truth.invalid_attributes.items() if n}
    for example in tally.dropped_examples.values():
        assert 1 <= example.row <= truth.rows and example.value is not None and example.reason


def test_a_look_without_identifier_tag_still_counts_rows():
    found = findings_of(look_bytes(LookSpec(rows=40, id_tags=0)))
    assert "No field is tagged 'braze_id'" in problems(found)["look.identifier"][0]
    assert (
        "40 rows read; identifiers and values were not checked" in by_check(found)["look.rows"][0]
    )


@pytest.mark.parametrize(
    "id_kind, key_kind, check, words",
    [
        ("external_id", "braze_id", "look.invalid_ids", "not a Braze id (24 hex characters)"),
        ("external_id", "email", "look.invalid_ids", "invalid email"),
        ("external_id", "phone", "look.invalid_ids", "invalid phone"),
        ("email", "external_id", "look.identifier", "look like emails"),
        ("phone", "user_alias", "look.identifier", "look like phones"),
    ],
)
def test_identifiers_of_another_kind_than_the_unique_key(id_kind, key_kind, check, words):
    found = findings_of(look_bytes(LookSpec(rows=50, id_kind=id_kind)), key_kind)
    messages = by_check(found)[check]
    assert any(words in m for m in messages), messages
    if check == "look.invalid_ids":
        assert "50 rows have an identifier the hub cannot use" in messages[0]
        assert "first at row 1:" in messages[0]


def test_identifiers_of_the_right_kind_raise_no_shape_warning():
    for kind in population.IDENTIFIER_KINDS:
        found = findings_of(look_bytes(LookSpec(rows=30, id_kind=kind)), kind)
        assert "look.identifier" not in by_check(found, Status.WARNING), kind


def test_fields_after_data_and_the_lite_format_read_the_same():
    spec = LookSpec(rows=200, seed=9, duplicate_share=0.1, fields_first=False, lite=True)
    found = problems(findings_of(look_bytes(spec)))
    assert found["look.duplicates"][0].startswith("20 rows repeat")


# ---------------------------------------------------------------- hand-made documents


def test_reserved_repeated_unsupported_and_case_mismatched_tags():
    found = findings_of(
        document(
            ID,
            {"name": "users.crm", "type": "string", "tags": ["braze[looker_export]"]},
            {"name": "users.a", "type": "string", "tags": ["braze[tier]"]},
            {"name": "users.b", "type": "string", "tags": ["braze[tier]"]},
            {"name": "users.fb", "type": "string", "tags": ["braze[facebook]"]},
            {"name": "users.c", "type": "string", "tags": ["braze[Country]"]},
            rows=[{"users.id": {"value": "u1"}, "users.fb": {"value": "x"}}],
        )
    )
    tags = problems(found)["look.tags"]
    assert any("'looker_export' is the export attribute" in m for m in tags)
    assert any("users.b and users.a are both tagged braze[tier]" in m for m in tags)
    assert "needs an object" in problems(found)["look.attributes"][0]
    assert "not Braze's standard 'country'" in by_check(found, Status.WARNING)["look.attributes"][0]
    assert "1 invalid value (needs an object" in problems(found)["look.values"][0]


def test_the_array_attribute_and_the_key_kind_are_reserved_as_the_hub_does():
    email = {"name": "users.email", "type": "string", "tags": ["braze[email]"]}
    assert "look.tags" not in problems(findings_of(document(ID, email)))
    assert "an identifier" in problems(findings_of(document(ID, email), "email"))["look.tags"][0]
    mine = {"name": "users.seg", "type": "string", "tags": ["braze[audiences]"]}
    assert "look.tags" in problems(findings_of(document(ID, mine), attribute="audiences"))


def test_long_values_are_a_warning_and_odd_rows_an_invalid_identifier():
    bio = {"name": "users.bio", "type": "string", "tags": ["braze[bio]"]}
    rows = [{"users.id": {"value": "u1"}, "users.bio": {"value": "x" * 300}}, ["not", "a", "row"],
            {"users.id": {"value": True}}, {"users.id": {"value": 7.0}}]  # fmt: skip
    found = findings_of(document(ID, bio, rows=rows))
    assert (
        "1 value longer than 255 characters (first at row 1)"
        in (by_check(found, Status.WARNING)["look.values"][0])
    )
    invalid = problems(found)["look.invalid_ids"]
    assert any("row is not an object (first at row 2" in m for m in invalid)
    assert any("identifier is a boolean (first at row 3: True)" in m for m in invalid)
    assert "4 rows read: 2 users" in by_check(found)["look.rows"][0]


def test_an_empty_look_is_a_warning():
    found = findings_of(document(ID))
    assert problems(found) == {}
    assert "no rows" in by_check(found, Status.WARNING)["look.rows"][0]


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"", "The file is empty"),
        (b"{}", "neither 'fields' nor 'data'"),
        (b"[1, 2]", "a JSON list"),
        (b"{nope", "not valid JSON"),
        (document(ID, rows=[{"users.id": {"value": "u1"}}] * 5)[:-30], "Reading stopped after"),
    ],
)
def test_unreadable_files_are_a_problem_not_a_crash(raw, words):
    found = problems(findings_of(raw))
    assert any(words in m for m in found["look.read"]), found


# ---------------------------------------------------------------- the hub agrees


TAGS = ["braze_id", "braze[a]", "braze[A]", "braze[email]", "braze[external_id]",
        "braze[looker_export]", "braze[", "BRAZE[x]", "other", "braze[phone]"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    tag_sets=st.lists(st.lists(st.sampled_from(TAGS), max_size=3), min_size=1, max_size=5),
    key_kind=st.sampled_from(["external_id", "email", "phone", "braze_id", "user_alias"]),
    pivoted=st.booleans(),
)
def test_the_check_refuses_exactly_the_fields_the_hubs_mapper_refuses(tag_sets, key_kind, pivoted):
    from looker_braze.actions.braze.mapping import RowMapper
    from looker_braze.check.fields import analyse_tags, usable_fields
    from looker_braze.errors import FailRun
    from looker_braze.hub.document import parse_fields

    fields = parse_fields({
        "dimensions": [{"name": f"v.f{i}", "type": "string", "tags": tags}
                       for i, tags in enumerate(tag_sets)],
        "pivots": [{"key": "web"}] if pivoted else [],
    })  # fmt: skip
    options = check_options(key_kind, "looker_export")
    analysis = analyse_tags(fields, key_kind, "looker_export")
    try:
        mapper = RowMapper(fields, options)
    except FailRun:
        mapper = None
    assert (mapper is None) == (analysis.blocking or pivoted)
    if mapper is not None:
        assert [c.attribute for c in mapper.columns] == [a.name for a in analysis.attributes]
    if analysis.id_fields:
        RowMapper(usable_fields(fields, analysis), options)  # the rows can always be checked


def test_the_looks_own_time_zone_is_the_one_its_date_times_are_read_in():
    when = {"name": "users.seen_time", "type": "date_time", "tags": ["braze[seen_at]"]}
    rows = [{"users.id": {"value": "u1"}, "users.seen_time": {"value": "2024-02-01 13:45:00"}}]
    fields = {"dimensions": [ID, when], "measures": []}
    known = orjson.dumps({"timezone": "Europe/Paris", "fields": fields, "data": rows})
    assert problems(findings_of(known)) == {}
    unknown = orjson.dumps({"timezone": "Mars/Olympus_Mons", "fields": fields, "data": rows})
    assert any("Mars/Olympus_Mons" in m for m in problems(findings_of(unknown))["look.fields"])
