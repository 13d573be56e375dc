import pytest

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.instances import parse_endpoint
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.cells import Projection
from looker_braze.hub.document import parse_fields


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


def cells_of(mapper, row):
    """A json_detail row as the hub hands it to the mapper."""
    return Projection(mapper.select).row(row)


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
    identifier = mapper.identifier(cells_of(mapper, row))
    obj, points = mapper.build(cells_of(mapper, row), identifier, ValueNotes())
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
        ("email", " josé@Bücher.de ", {"email": "josé@xn--bcher-kva.de"}),
        ("phone", "+1 415 555 0123", {"phone": "+14155550123"}),
        ("phone", "(724) 123-4567", {"phone": "+17241234567"}),
        ("phone", 7241234567, {"phone": "+17241234567"}),
        ("user_alias", "a-1", {"user_alias": {"alias_name": "a-1", "alias_label": "crm"}}),
        ("external_id", 12345, {"external_id": "12345"}),
        ("external_id", 12345.0, {"external_id": "12345"}),
    ],
)
def test_every_identifier_kind(kind, raw, identity):
    mapper = RowMapper(fields(ID), options(key_kind=kind, alias_label="crm"))
    row = {"users.id": {"value": raw}}
    cells = cells_of(mapper, row)
    obj, _ = mapper.build(cells, mapper.identifier(cells), ValueNotes())
    assert {k: v for k, v in obj.items() if k in identity} == identity


@pytest.mark.parametrize(
    "kind, raw",
    [
        ("external_id", None),
        ("external_id", "   "),
        ("external_id", True),
        ("braze_id", "not-hex"),
        ("email", "nope"),
        ("email", "a|b@example.com"),
        ("email", "ann@exa mple.com"),
        ("phone", "555"),
        ("phone", "020 7183 8750"),
        ("user_alias", ""),
    ],
)
def test_invalid_identifiers_reject_the_row(kind, raw):
    mapper = RowMapper(fields(ID), options(key_kind=kind))
    with pytest.raises(RejectRow):
        mapper.identifier(cells_of(mapper, {"users.id": {"value": raw}}))


def test_invalid_standard_values_are_left_out_and_counted():
    mapper = RowMapper(
        fields(ID, {"name": "users.c", "type": "string", "tags": ["braze[country]"]}), options()
    )
    notes = ValueNotes()
    row = {"users.id": {"value": "u"}, "users.c": {"value": "Narnia"}}
    obj, points = mapper.build(cells_of(mapper, row), "u", notes)
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


# ---------------------------------------------------------------- attribute names


def test_attribute_names_longer_than_255_characters_are_left_out_and_listed():
    long_name = "n" * 256
    mapper = RowMapper(
        fields(
            ID,
            {"name": "users.a", "type": "string", "tags": [f"braze[{long_name}]"]},
            {"name": "users.b", "type": "string", "tags": [f"braze[{'m' * 255}]", "braze["]},
        ),
        options(),
    )
    assert [c.attribute for c in mapper.columns] == ["m" * 255]  # 255 is still a name
    assert mapper.ignored_tags == (
        "users.b: braze[",
        f"users.a: braze[{'n' * 34}...] (attribute name over 255 characters)",
    )


# ---------------------------------------------------------------- time zones

TIMES = (
    ID,
    {"name": "users.last_order", "type": "date_time", "tags": ["braze[last_order_at]"]},
    {"name": "users.signup", "type": "date_date", "tags": ["braze[signup_date]"]},
    {"name": "users.born", "type": "date_time", "tags": ["braze[dob]"]},
    {"name": "users.seen", "type": "date_time", "tags": ["braze[date_of_last_session]"]},
)


def built(mapper, **values):
    row = {"users.id": {"value": "u"}} | {f"users.{k}": {"value": v} for k, v in values.items()}
    obj, _ = mapper.build(cells_of(mapper, row), "u", ValueNotes())
    return {k: v for k, v in obj.items() if k not in ("external_id", "_update_existing_only")}


def test_a_looks_date_times_are_sent_in_utc_and_its_days_as_they_are():
    mapper = RowMapper(fields(*TIMES), options(time_zone="America/New_York"))
    obj = built(mapper, last_order="2024-02-01 20:30:00", signup="2024-02-01",
                born="1990-02-28 00:00:00", seen="2024-07-01 08:00:00")  # fmt: skip
    assert obj == {
        "looker_export": {"add": ["VIP"]},
        "last_order_at": "2024-02-02T01:30:00Z",
        "signup_date": "2024-02-01",
        "dob": "1990-02-28",  # a birthday is the day the Look names, not the UTC one
        "date_of_last_session": "2024-07-01T12:00:00Z",
    }


def test_a_utc_look_sends_the_same_wall_time_with_a_z():
    for zone in ("UTC", "utc", "Etc/UTC", ""):
        obj = built(
            RowMapper(fields(*TIMES), options(time_zone=zone)), last_order="2024-02-01 20:30:00"
        )
        assert obj["last_order_at"] == "2024-02-01T20:30:00Z"


def test_an_unknown_zone_fails_a_look_with_date_times_and_names_the_zone():
    with pytest.raises(FailRun, match="'Mars/Olympus' is not an IANA time zone"):
        RowMapper(fields(*TIMES), options(time_zone="Mars/Olympus"))


def test_an_unknown_zone_does_not_matter_to_a_look_without_date_times():
    mapper = RowMapper(fields(ID, TIMES[2]), options(time_zone="Mars/Olympus"))
    assert built(mapper, signup="2024-02-01")["signup_date"] == "2024-02-01"


def test_standard_time_zones_and_phones_are_sent_in_brazes_spelling():
    mapper = RowMapper(
        fields(
            ID,
            {"name": "users.tz", "type": "string", "tags": ["braze[time_zone]"]},
            {"name": "users.phone", "type": "string", "tags": ["braze[phone]"]},
            {"name": "users.email", "type": "string", "tags": ["braze[email]"]},
        ),
        options(),
    )
    notes = ValueNotes()
    row = {"users.id": "u", "users.tz": "eastern time (us & canada)",
           "users.phone": "724-123-4567", "users.email": "ann@bücher.de"}  # fmt: skip
    obj, points = mapper.build(cells_of(mapper, row), "u", notes)
    assert (obj["time_zone"], obj["phone"], obj["email"]) == (
        "Eastern Time (US & Canada)",
        "+17241234567",
        "ann@xn--bcher-kva.de",
    )
    assert points == 4 and not notes.dropped
    obj, _ = mapper.build(cells_of(mapper, {**row, "users.tz": "Mars/Olympus"}), "u", notes)
    assert "time_zone" not in obj
    ((attribute, reason),) = notes.dropped
    assert attribute == "time_zone" and "not an IANA or Rails time zone name" in reason
