"""Attribute values as Braze stores them: arrays, type locking, strings, dates, null, inc,
nested objects, standard fields, data points."""

from __future__ import annotations

import pytest

from looker_braze.sim.braze import BrazeSimulator, SimConfig

USER = "user-00000001"


@pytest.fixture
def sim() -> BrazeSimulator:
    return BrazeSimulator(SimConfig(users=10, array_cap=3))


def update(sim: BrazeSimulator, **attributes) -> tuple[int, dict]:
    return sim.track({"attributes": [{"external_id": USER, **attributes}]})


def custom(sim: BrazeSimulator) -> dict:
    return sim.profile("external_id", USER)["custom_attributes"]


def stored(sim: BrazeSimulator, name: str):
    return custom(sim).get(name)


# -- arrays --------------------------------------------------------------------------------------


def test_add_appends_unique_values(sim):
    update(sim, tags={"add": ["a", "b"]})
    update(sim, tags={"add": ["c"]})
    assert stored(sim, "tags") == ("a", "b", "c")


def test_re_adding_a_value_moves_it_to_the_end(sim):
    update(sim, tags={"add": ["a", "b", "c"]})
    update(sim, tags={"add": ["a"]})
    assert stored(sim, "tags") == ("b", "c", "a")
    assert sim.segment_count("tags", "a") == 1


def test_a_full_array_evicts_its_oldest_value(sim):
    update(sim, tags={"add": ["a", "b", "c"]})
    update(sim, tags={"add": ["d"]})
    assert stored(sim, "tags") == ("b", "c", "d")
    assert sim.segment_count("tags", "a") == 0
    assert sim.segment_count("tags", "d") == 1


def test_moving_a_value_to_the_end_evicts_nothing(sim):
    update(sim, tags={"add": ["a", "b", "c"]})
    update(sim, tags={"add": ["b"]})
    assert stored(sim, "tags") == ("a", "c", "b")


def test_remove_takes_values_out_and_ignores_absent_ones(sim):
    update(sim, tags={"add": ["a", "b"]})
    update(sim, tags={"remove": ["a", "zzz"]})
    assert stored(sim, "tags") == ("b",)
    assert sim.segment_count("tags", "a") == 0


def test_add_and_remove_in_one_object_remove_first(sim):
    update(sim, tags={"add": ["a", "b", "c"]})
    update(sim, tags={"add": ["d"], "remove": ["b"]})
    assert stored(sim, "tags") == ("a", "c", "d")  # the removal made room: "a" stays


def test_removing_from_a_missing_array_creates_nothing(sim):
    update(sim, tags={"remove": ["a"]})
    assert "tags" not in custom(sim)


def test_setting_a_whole_array_replaces_it(sim):
    update(sim, tags={"add": ["old", "kept"]})
    update(sim, tags=["kept", "new"])
    assert stored(sim, "tags") == ("kept", "new")
    assert [sim.segment_count("tags", v) for v in ("old", "kept", "new")] == [0, 1, 1]


def test_whole_array_set_follows_add_semantics(sim):
    update(sim, tags=["x", "y", "x", "z", "w"])
    # Adding x, y, x (moves), z, w one by one into a 3-slot array leaves the last three.
    assert stored(sim, "tags") == ("x", "z", "w")
    assert [sim.segment_count("tags", v) for v in "xyzw"] == [1, 0, 1, 1]


def test_null_removes_an_array_and_its_segment_membership(sim):
    update(sim, tags={"add": ["a"]})
    update(sim, tags=None)
    assert "tags" not in custom(sim)
    assert sim.segment_count("tags", "a") == 0


def test_array_strings_are_cut_to_255_characters(sim):
    update(sim, tags={"add": ["x" * 300]})
    assert stored(sim, "tags") == ("x" * 255,)


@pytest.mark.parametrize("bad", [{"add": "a"}, {"add": [["a"]]}, {"remove": [None]}, {"add": [{}]}])
def test_malformed_array_edits_reject_the_object(sim, bad):
    status, answer = update(sim, tags=bad)
    assert status == 400
    assert answer["errors"][0]["type"] == "'tags' is not valid"


# -- types ---------------------------------------------------------------------------------------


def test_the_first_value_fixes_the_type_and_others_are_dropped_silently(sim):
    update(sim, score=5)
    status, answer = update(sim, score="high", other=1)
    assert (status, "errors" in answer) == (201, False)  # Braze answers success
    assert stored(sim, "score") == 5
    assert stored(sim, "other") == 1  # the rest of the object applied
    assert sim.stats()["dropped_values"] == {
        "'score' holds number values; a string value was dropped": 1
    }


def test_an_array_attribute_refuses_scalar_values_and_vice_versa(sim):
    update(sim, tags={"add": ["a"]})
    update(sim, tags="b")
    update(sim, name="n")
    update(sim, name={"add": ["x"]})
    assert (stored(sim, "tags"), stored(sim, "name")) == (("a",), "n")
    assert sum(sim.stats()["dropped_values"].values()) == 2


def test_type_locks_are_per_workspace_not_per_user(sim):
    sim.track({"attributes": [{"external_id": "user-00000002", "score": "high"}]})
    update(sim, score=5)
    assert "score" not in custom(sim)


def test_null_removes_a_value_but_keeps_the_type(sim):
    update(sim, score=5)
    update(sim, score=None)
    assert "score" not in custom(sim)
    update(sim, score="x")
    assert "score" not in custom(sim)


def test_strings_are_cut_to_255_characters(sim):
    update(sim, bio="é" * 300)
    assert stored(sim, "bio") == "é" * 255


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("2024-05-01", "2024-05-01T00:00:00.000Z"),
        ("2024-05-01T10:20:30", "2024-05-01T10:20:30.000Z"),
        ("2024-05-01 10:20:30", "2024-05-01T10:20:30.000Z"),
        ("2024-05-01T10:20:30+02:00", "2024-05-01T08:20:30.000Z"),
        ("2024-05-01T10:20:30.123Z", "2024-05-01T10:20:30.123Z"),
        ("05/01/2024", "2024-05-01T00:00:00.000Z"),
    ],
)
def test_dates_are_read_as_utc_times(sim, sent, kept):
    update(sim, seen=sent)
    assert stored(sim, "seen") == kept


def test_a_year_beyond_3000_stays_a_string(sim):
    update(sim, far="3001-01-01")
    update(sim, far="plain text")  # a string attribute takes other strings
    assert stored(sim, "far") == "plain text"


def test_a_date_looking_string_goes_into_a_string_attribute_as_sent(sim):
    update(sim, code="abc")
    update(sim, code="2024-05-01")
    assert stored(sim, "code") == "2024-05-01"


def test_a_time_attribute_drops_plain_strings(sim):
    update(sim, seen="2024-05-01")
    update(sim, seen="yesterday")
    assert stored(sim, "seen") == "2024-05-01T00:00:00.000Z"


def test_inc_adds_to_a_number_and_starts_from_zero(sim):
    update(sim, visits={"inc": 2})
    update(sim, visits={"inc": 3})
    update(sim, visits={"inc": -1})
    assert stored(sim, "visits") == 4


def test_inc_on_a_string_attribute_is_dropped(sim):
    update(sim, tier="gold")
    update(sim, tier={"inc": 1})
    assert stored(sim, "tier") == "gold"


@pytest.mark.parametrize("bad", [{"inc": "1"}, {"inc": None}, {"inc": True}])
def test_inc_needs_a_number(sim, bad):
    assert update(sim, visits=bad)[0] == 400


def test_nested_objects_are_stored_with_inner_dates(sim):
    update(sim, car={"make": "VW", "bought": {"$time": "2020-01-02"}, "specs": {"hp": 90}})
    assert stored(sim, "car") == {
        "make": "VW",
        "bought": "2020-01-02T00:00:00.000Z",
        "specs": {"hp": 90},
    }


@pytest.mark.parametrize("key", ["has space", "dot.ted", "$dollar"])
def test_nested_keys_with_space_dot_or_dollar_reject_the_object(sim, key):
    status, answer = update(sim, car={key: 1})
    assert status == 400
    assert "nested keys" in answer["errors"][0]["type"]


def test_nested_objects_replace_unless_merge_is_asked(sim):
    update(sim, car={"make": "VW", "specs": {"hp": 90}})
    update(sim, car={"color": "red"})
    assert stored(sim, "car") == {"color": "red"}
    update(sim, car={"make": "VW", "specs": {"hp": 90}}, _merge_objects=True)
    update(sim, car={"specs": {"seats": 5}}, _merge_objects=True)
    assert stored(sim, "car") == {"color": "red", "make": "VW", "specs": {"hp": 90, "seats": 5}}


def test_arrays_of_objects_add_remove_and_update_by_identifier(sim):
    update(sim, pets=[{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}])
    update(sim, pets={"$add": [{"id": 3, "name": "Kit"}]})
    update(sim, pets={"$remove": [{"$identifier_key": "id", "$identifier_value": 2}]})
    edit = {"$identifier_key": "id", "$identifier_value": 1, "$new_object": {"age": 4}}
    update(sim, pets={"$update": [edit]})
    assert stored(sim, "pets") == [{"id": 1, "name": "Rex", "age": 4}, {"id": 3, "name": "Kit"}]


def test_a_boolean_attribute(sim):
    update(sim, active=True)
    assert stored(sim, "active") is True


# -- standard fields -----------------------------------------------------------------------------


def profile(sim: BrazeSimulator) -> dict:
    return sim.profile("external_id", USER)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("gender", "X"),
        ("gender", 1),
        ("dob", "1990-13-01"),
        ("dob", "01/02/1990"),
        ("email_subscribe", "yes"),
        ("push_subscribe", True),
        ("first_name", 42),
        ("current_location", {"latitude": 100, "longitude": 0}),
        ("subscription_groups", [{"subscription_group_id": "g"}]),
    ],
)
def test_invalid_standard_values_reject_the_object(sim, name, value):
    status, answer = update(sim, **{name: value, "other": 1})
    assert status == 400
    assert answer["errors"][0]["type"] == f"'{name}' is not valid"
    assert "other" not in custom(sim)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("country", "Narnia"),
        ("country", "USA"),
        ("language", "english"),
    ],
)
def test_unmappable_codes_become_null_and_the_object_applies(sim, name, value):
    update(sim, **{name: "DE" if name == "country" else "de"})
    status, _ = update(sim, **{name: value, "other": 1})
    assert status == 201
    assert name not in profile(sim)
    assert stored(sim, "other") == 1


# Braze: "Only valid time zone values will be set" (user_attributes_object.md).
@pytest.mark.parametrize(
    "value", ["Mars/Base", "america/new_york", "eastern time (us & canada)", "Eastern Time", 5]
)
def test_an_invalid_time_zone_is_not_set_and_the_old_one_stays(sim, value):
    update(sim, time_zone="Europe/Berlin")
    status, _ = update(sim, time_zone=value, other=1)
    assert status == 201
    assert profile(sim)["time_zone"] == "Europe/Berlin"
    assert stored(sim, "other") == 1
    assert sim.stats()["data_points"] == 3  # an ignored value is still a sent attribute


@pytest.mark.parametrize(
    "value", ["Eastern Time (US & Canada)", "Nuku'alofa", "UTC", "Asia/Kolkata"]
)
def test_iana_and_rails_time_zone_names_are_set_as_written(sim, value):
    assert update(sim, time_zone=value)[0] == 201
    assert profile(sim)["time_zone"] == value


EMAIL_INVALID = "The value provided for the 'email' field is not a valid email."


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "josé@bücher.de",  # a Unicode domain must come as punycode
        "a{b@example.com",
        "a}b@example.com",
        "a|b@example.com",
        'a"b@example.com',
        "a b@example.com",
        " ann@example.com",
        "ann@example.com\n",
        "a\u00a0b@example.com",  # a Unicode space
        ".ann@example.com",
        "ann.@example.com",
        "an..n@example.com",
        f"{'a' * 65}@example.com",
        "a@gmail.com",
        "a&b@hotmail.com",
        "ann@example",
        "ann@-example.com",
        "ann@example-.com",
        "ann@1.2.3.4",
        "ann@[127.0.0.1]",
        f"ann@{'a' * 64}.com",
        f"{'a' * 60}@{'b' * 63}.{'c' * 63}.{'d' * 63}.com",  # 256 characters
    ],
)
def test_emails_braze_refuses_reject_the_object_with_brazes_text(sim, address):
    status, answer = update(sim, email=address, other=1)
    assert status == 400
    assert answer["errors"][0]["type"] == EMAIL_INVALID
    assert "other" not in custom(sim)


@pytest.mark.parametrize(
    "address",
    [
        "ann@example.com",
        "josé@xn--bcher-kva.de",  # UTF-8 letters before the @, punycode after
        "用户@xn--fsqu00a.xn--4rr70v",
        "a.b+c_d-e^f$g'h&i#j/k%l*m=n`o~p!q?r@sub.example.co.uk",
        "ab@gmail.com",
        "first.last+shop@outlook.com",
        "a&b@delivery.com",  # "live" inside a label does not make it a Microsoft domain
        "x@shop.live",
        "ANN@EXAMPLE.COM",
        f"{'a' * 64}@{'b' * 63}.com",
    ],
)
def test_emails_braze_accepts_are_stored(sim, address):
    assert update(sim, email=address)[0] == 201
    assert profile(sim)["email"] == address


def test_valid_standard_values_are_stored_at_the_top_level(sim):
    status, _ = update(
        sim,
        first_name="Ann",
        gender="f",
        country="de",
        language="EN",
        dob="1990-02-03",
        time_zone="Europe/Berlin",
        email_subscribe="opted_in",
        current_location={"latitude": 52.5, "longitude": 13.4},
    )
    assert status == 201
    shown = profile(sim)
    assert (shown["first_name"], shown["gender"], shown["country"]) == ("Ann", "F", "DE")
    assert (shown["language"], shown["dob"], shown["time_zone"]) == (
        "en",
        "1990-02-03",
        "Europe/Berlin",
    )
    assert shown["email_subscribe"] == "opted_in"
    assert shown["custom_attributes"] == {}


def test_a_standard_name_in_other_capitalisation_is_a_custom_attribute(sim):
    update(sim, First_Name="Ann", Gender="anything")
    assert custom(sim) == {"First_Name": "Ann", "Gender": "anything"}
    assert "first_name" not in profile(sim)


def test_null_clears_a_standard_field(sim):
    update(sim, first_name="Ann")
    update(sim, first_name=None)
    assert "first_name" not in profile(sim)


# -- data points ---------------------------------------------------------------------------------


def test_data_points_follow_brazes_rules(sim):
    update(
        sim,
        first_name="Ann",  # 1
        score=None,  # 1: null costs too
        tags={"add": ["a", "b"], "remove": ["c"]},  # 3: one per value, no-ops included
        email_subscribe="subscribed",  # free: subscription state
        _update_existing_only=False,  # free: a flag
    )
    assert sim.stats()["data_points"] == 5


def test_resending_unchanged_values_costs_again(sim):
    update(sim, tags={"add": ["a"]})
    update(sim, tags={"add": ["a"]})
    assert sim.stats()["data_points"] == 2


def test_rejected_objects_cost_nothing(sim):
    update(sim, gender="X", tags={"add": ["a"]})
    assert sim.stats()["data_points"] == 0


def test_values_nobody_holds_any_more_are_forgotten(sim):
    for n in range(100):
        update(sim, tags={"add": [f"value-{n}"]})
    members = sim.workspace.array_members["tags"]
    assert members.counts == {"value-97": 1, "value-98": 1, "value-99": 1}
    update(sim, tags=None)
    assert members.counts == {}
