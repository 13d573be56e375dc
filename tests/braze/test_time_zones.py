import zoneinfo
from datetime import UTC

import pytest

from looker_braze.braze.rails_time_zones import RAILS_TIME_ZONES
from looker_braze.braze.time_zones import canonical_time_zone, iana_zone


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("  EUROPE/PARIS ", "Europe/Paris"),
        ("Eastern Time (US & Canada)", "Eastern Time (US & Canada)"),
        ("eastern time (us & canada)", "Eastern Time (US & Canada)"),
        ("nuku'alofa", "Nuku'alofa"),
        ("st. petersburg", "St. Petersburg"),
        ("utc", "UTC"),
    ],
)
def test_iana_and_rails_names_in_their_canonical_spelling(name, canonical):
    assert canonical_time_zone(name) == canonical


@pytest.mark.parametrize("name", ["Mars/Olympus", "Eastern Time", "EST5EDT ", "", "Alberta"])
def test_other_names_are_not_time_zones(name):
    expected = "EST5EDT" if name.strip() == "EST5EDT" else None  # a legacy IANA name
    assert canonical_time_zone(name) == expected


def test_the_rails_table_holds_the_names_of_the_latest_rails_release():
    # rails/rails v8.1.3.1, activesupport/lib/active_support/values/time_zone.rb: 152 names.
    assert len(RAILS_TIME_ZONES) == 152
    assert set(RAILS_TIME_ZONES.values()) <= zoneinfo.available_timezones()
    for name, zone in [
        ("International Date Line West", "Etc/GMT+12"),
        ("Eastern Time (US & Canada)", "America/New_York"),
        ("Indiana (East)", "America/Indiana/Indianapolis"),
        ("Cape Verde Is.", "Atlantic/Cape_Verde"),
        ("Edinburgh", "Europe/London"),
        ("Kyiv", "Europe/Kyiv"),
        ("Rangoon", "Asia/Yangon"),
        ("Sri Jayawardenepura", "Asia/Colombo"),
        ("Nuku'alofa", "Pacific/Tongatapu"),
        ("Samoa", "Pacific/Apia"),
    ]:
        assert RAILS_TIME_ZONES[name] == zone


def test_the_looks_zone_is_an_iana_zone_and_utc_is_the_cheap_one():
    assert iana_zone("utc") is UTC and iana_zone("Etc/UTC") is UTC
    assert iana_zone("europe/paris") == zoneinfo.ZoneInfo("Europe/Paris")
    assert iana_zone("Eastern Time (US & Canada)") is None  # Looker names zones the IANA way
    assert iana_zone("Nowhere/Special") is None
