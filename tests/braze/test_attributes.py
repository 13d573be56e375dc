import pytest

from looker_braze.braze.attributes import (
    check_country,
    check_email,
    normalise_e164,
    prepare_value,
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
        ("dob", "1990-02-28", "1990-02-28"),
        ("dob", "1990-02-28T00:00:00", "1990-02-28"),
        ("email_subscribe", "Opted_In", "opted_in"),
        ("current_location", "40.7,-74.0", {"latitude": 40.7, "longitude": -74.0}),
        ("first_name", "Ann", "Ann"),
        ("loyalty_tier", "gold", "gold"),
        ("email", "ann@example.com", "ann@example.com"),
        ("phone", "+1 (415) 555-0123", "+1 (415) 555-0123"),
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
        ("dob", "not-a-date"),
        ("dob", "1990-02-30"),
        ("email", "nope"),
        ("email", "a@b"),
        ("email", "two@@example.com"),
        ("phone", "call me"),
        ("email_subscribe", "maybe"),
        ("current_location", "north"),
        ("current_location", "100,0"),
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


def test_e164():
    assert normalise_e164("+1 415-555-0123") == "+14155550123"
    with pytest.raises(DropValue):
        normalise_e164("415 555 0123")


def test_email_edge_cases():
    assert check_email(" first.last+tag@sub.example.co.uk ") == "first.last+tag@sub.example.co.uk"
    for bad in ("first..last@example.com", ".a@example.com", "a@-example.com", "a b@example.com"):
        with pytest.raises(DropValue):
            check_email(bad)


def test_country_lookup_is_case_insensitive():
    assert check_country("united kingdom") == "GB"
