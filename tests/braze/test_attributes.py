import pytest

from looker_braze.braze.attributes import (
    MAX_STRING,
    STANDARD,
    UNBILLED,
    attribute_name_fits,
    check_country,
    check_date,
    prepare_value,
    standard_check,
)
from looker_braze.errors import DropValue


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("gender", "m", "M"),
        ("gender", "Female", "F"),
        ("gender", "P", "P"),
        ("country", "us", "US"),
        ("country", "Germany", "DE"),
        ("country", "FRA", "FR"),
        ("language", "EN", "en"),
        ("language", "pt-BR", "pt"),
        ("time_zone", "america/new_york", "America/New_York"),
        ("time_zone", "Eastern Time (US & Canada)", "Eastern Time (US & Canada)"),
        ("time_zone", " eastern time (us & canada) ", "Eastern Time (US & Canada)"),
        ("time_zone", "Nuku'alofa", "Nuku'alofa"),
        ("time_zone", "UTC", "UTC"),
        ("dob", "1990-02-28", "1990-02-28"),
        ("dob", "1990-02-28T00:00:00", "1990-02-28"),
        ("dob", "1990-02-28T00:00:00+01:00", "1990-02-28"),
        ("email_subscribe", "Opted_In", "opted_in"),
        ("current_location", "40.7,-74.0", {"latitude": 40.7, "longitude": -74.0}),
        ("first_name", "Ann", "Ann"),
        ("loyalty_tier", "gold", "gold"),
        ("email", "ann@example.com", "ann@example.com"),
        ("email", "josé@bücher.de", "josé@xn--bcher-kva.de"),
        ("phone", "+1 (415) 555-0123", "+14155550123"),
        ("phone", "(724) 123-4567", "+17241234567"),
        ("date_of_first_session", "2017-07-28T02:25:19Z", "2017-07-28T02:25:19Z"),
        ("date_of_last_session", "2017-07-28T02:25:19+01:00", "2017-07-28T02:25:19+01:00"),
        ("marked_email_as_spam_at", "2024-01-31", "2024-01-31"),
    ],
)
def test_valid_values_are_normalised(name, value, expected):
    assert prepare_value(name, value) == (expected, False)


@pytest.mark.parametrize(
    "name, value",
    [
        ("gender", "X"),
        ("country", "Narnia"),
        ("language", "klingon"),
        ("time_zone", "Mars/Olympus"),
        ("time_zone", "Eastern Time"),
        ("time_zone", "Pacific Time (Canada)"),  # on Rails' main branch only, in no release
        ("dob", "not-a-date"),
        ("dob", "1990-02-30"),
        ("dob", "1990-02-28 and more"),
        ("email", "nope"),
        ("email", "a@b"),
        ("email", "two@@example.com"),
        ("phone", "call me"),
        ("phone", "020 7183 8750"),  # no country code, not a U.S. number
        ("email_subscribe", "maybe"),
        ("current_location", "north"),
        ("current_location", "100,0"),
        ("date_of_first_session", "yesterday"),
        ("date_of_first_session", "2024-01-31 and more"),
        ("date_of_first_session", "2024-W05-3"),  # ISO week dates: not a form Braze lists
        ("facebook", "someone"),
    ],
)
def test_invalid_standard_values_are_dropped(name, value):
    with pytest.raises(DropValue):
        prepare_value(name, value)


def test_standard_names_are_exact_lower_case():
    # "Country" is a custom attribute in Braze, not the standard field.
    assert prepare_value("Country", "Narnia") == ("Narnia", False)


def test_long_strings_are_cut_to_255_and_reported():
    value, truncated = prepare_value("bio", "x" * 300)
    assert truncated and len(value) == 255


def test_attribute_names_share_the_255_limit_of_values():
    assert MAX_STRING == 255
    assert attribute_name_fits("a" * 255)
    assert not attribute_name_fits("a" * 256)


def test_country_lookup_is_case_insensitive():
    assert check_country("united kingdom") == "GB"


def test_a_date_time_with_an_offset_is_a_valid_date():
    for value in ("2017-07-28T02:25:19Z", "2017-07-28T02:25:19.250+01:00", "2017-07-28 02:25"):
        assert check_date(value) == value


# ---------------------------------------------------------------- the one table


def test_every_standard_field_says_what_it_takes():
    for name, spec in STANDARD.items():
        assert name == name.lower() and spec.takes.strip(), name
        assert standard_check(name) is spec.check


def test_fields_one_looker_field_cannot_hold_are_always_dropped():
    unsupported = {name for name, spec in STANDARD.items() if not spec.one_field}
    assert unsupported == {"facebook", "twitter", "push_tokens", "subscription_groups"}
    for name in unsupported:
        with pytest.raises(DropValue, match="one Looker field cannot give"):
            prepare_value(name, "anything")


def test_unbilled_fields_are_the_subscription_states():
    # Braze bills every attribute but identifiers and subscription states (spec, "Data points").
    assert {"email_subscribe", "push_subscribe", "subscription_groups"} == UNBILLED
