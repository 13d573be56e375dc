import pytest

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.instances import parse_endpoint
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.rows import parse_fields


def options(**overrides):
    values = dict(
        endpoint=parse_endpoint("https://rest.iad-01.braze.com"),
        api_key="k",
        key_kind="external_id",
        label="VIP",
        array_attribute="looker_export",
        alias_label="looker",
        update_existing_only=True,
        dry_run=False,
    )
    values.update(overrides)
    return RunOptions(**values)


def fields(*dimensions, pivots=()):
    return parse_fields({"dimensions": list(dimensions), "measures": [], "pivots": list(pivots)})


ID = {"name": "users.id", "type": "string", "tags": ["braze_id"]}


def test_object_shape_and_order():
    mapper = RowMapper(
        fields(
            ID,
            {"name": "users.name", "type": "string", "tags": ["braze[first_name]"]},
            {"name": "users.vip", "type": "yesno", "tags": ["braze[Is_VIP]"]},
            {"name": "users.ltv", "type": "number", "is_numeric": True, "tags": ["braze[ltv]"]},
        ),
        options(),
    )
    row = {"users.id": {"value": " u1 "}, "users.name": {"value": "Ann"},
           "users.vip": {"value": "Yes"},
           "users.ltv": {"value": None}}  # fmt: skip
    identifier = mapper.identifier(row)
    obj, points = mapper.build(row, identifier, ValueNotes())
    assert list(obj.items()) == [
        ("external_id", "u1"),
        ("_update_existing_only", True),
        ("looker_export", {"add": ["VIP"]}),
        ("first_name", "Ann"),
        ("Is_VIP", True),
    ]
    assert points == 3  # the label and two attributes; the null is left out, identifiers free


@pytest.mark.parametrize(
    "kind, raw, identity",
    [
        ("braze_id", "5F0C2A9B1D3E4F5A6B7C8D9E", {"braze_id": "5f0c2a9b1d3e4f5a6b7c8d9e"}),
        ("email", "ann@example.com", {"email": "ann@example.com"}),
        ("phone", "+1 415 555 0123", {"phone": "+14155550123"}),
        ("user_alias", "a-1", {"user_alias": {"alias_name": "a-1", "alias_label": "crm"}}),
        ("external_id", 12345, {"external_id": "12345"}),
        ("external_id", 12345.0, {"external_id": "12345"}),
    ],
)
def test_every_identifier_kind(kind, raw, identity):
    mapper = RowMapper(fields(ID), options(key_kind=kind, alias_label="crm"))
    row = {"users.id": {"value": raw}}
    obj, _ = mapper.build(row, mapper.identifier(row), ValueNotes())
    assert {k: v for k, v in obj.items() if k in identity} == identity


@pytest.mark.parametrize(
    "kind, raw",
    [
        ("external_id", None),
        ("external_id", "   "),
        ("external_id", True),
        ("braze_id", "not-hex"),
        ("email", "nope"),
        ("phone", "555"),
        ("user_alias", ""),
    ],
)
def test_invalid_identifiers_reject_the_row(kind, raw):
    mapper = RowMapper(fields(ID), options(key_kind=kind))
    with pytest.raises(RejectRow):
        mapper.identifier({"users.id": {"value": raw}})


def test_invalid_standard_values_are_left_out_and_counted():
    mapper = RowMapper(
        fields(ID, {"name": "users.c", "type": "string", "tags": ["braze[country]"]}), options()
    )
    notes = ValueNotes()
    obj, points = mapper.build(
        {"users.id": {"value": "u"}, "users.c": {"value": "Narnia"}}, "u", notes
    )
    assert "country" not in obj and points == 1
    assert notes.dropped == {("country", "not an ISO-3166-1 country"): 1}


def test_malformed_tags_are_ignored_and_listed():
    mapper = RowMapper(
        fields(
            ID,
            {"name": "users.x", "tags": ["braze[", "braze[]", "Braze(x)", "braze[a][b]", "other"]},
        ),
        options(),
    )
    assert mapper.columns == ()
    assert len(mapper.ignored_tags) == 4


@pytest.mark.parametrize("tag", ["BRAZE[Region]", "Braze[Region]", "braze[Region]"])
def test_attribute_tags_match_in_any_case_and_keep_the_name_as_written(tag):
    # The reference hub's pattern is case-insensitive: Looks tagged BRAZE[...] set the attribute.
    mapper = RowMapper(fields(ID, {"name": "users.region", "type": "string", "tags": [tag]}),
                       options())  # fmt: skip
    assert [c.attribute for c in mapper.columns] == ["Region"]
    assert mapper.ignored_tags == ()


@pytest.mark.parametrize(
    "look_fields, fragment",
    [
        ((), "tagged 'braze_id'"),
        ((ID, {**ID, "name": "users.other"}), "Several fields"),
        ((ID, {"name": "users.e", "tags": ["braze[external_id]"]}), "identifier"),
        ((ID, {"name": "users.e", "tags": ["braze[looker_export]"]}), "export attribute"),
        (
            (ID, {"name": "a", "tags": ["braze[x]"]}, {"name": "b", "tags": ["braze[x]"]}),
            "Two fields",
        ),
    ],
)
def test_bad_looks_fail_with_a_clear_message(look_fields, fragment):
    with pytest.raises(FailRun) as error:
        RowMapper(fields(*look_fields), options())
    assert fragment in str(error.value)


def test_pivoted_look_fails():
    with pytest.raises(FailRun, match="pivot"):
        RowMapper(fields(ID, pivots=[{"name": "users.state"}]), options())
