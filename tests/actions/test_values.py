from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.actions.braze.values import (
    DATE,
    TIME,
    converter_for,
    to_utc_time,
    value_kind,
)
from looker_braze.errors import DropValue
from looker_braze.hub.document import Field

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def field(kind, numeric=False):
    return Field(
        name="v.x", label="x", type=kind, tags=(), is_numeric=numeric, category="dimension"
    )


@pytest.mark.parametrize(
    "kind, numeric, raw, expected",
    [
        ("yesno", False, "Yes", True),
        ("yesno", False, "No", False),
        ("yesno", False, True, True),
        ("number", True, 12, 12),
        ("number", True, 12.5, 12.5),
        ("number", True, "1,234.5", 1234.5),
        ("sum", True, 3, 3),
        ("count_distinct", True, 7, 7),
        ("date_date", False, "2024-01-31", "2024-01-31"),
        ("date_time", False, "2024-01-31 13:45:00", "2024-01-31T13:45:00Z"),
        ("date_time", False, "2024-01-31T13:45:07.250", "2024-01-31T13:45:07.250Z"),
        ("date_minute15", False, "2024-01-31 13:45", "2024-01-31T13:45:00Z"),
        ("date_hour", False, "2024-01-31 13", "2024-01-31T13:00:00Z"),
        ("date_raw", False, "2024-01-31 13:45:00", "2024-01-31T13:45:00Z"),
        ("date_raw", False, "2024-01-31", "2024-01-31"),  # no time of day: a day, not shifted
        ("date_month", False, "2024-02", "2024-02-01"),
        ("date_week", False, "2024-01-29", "2024-01-29"),
        ("date_quarter", False, "2024-Q3", "2024-07-01"),
        ("date_year", True, 2024, 2024),
        ("date_day_of_week", False, "Monday", "Monday"),
        ("date_hour_of_day", True, 13, 13),
        ("string", False, "gold", "gold"),
        ("string", False, 42, "42"),
        (None, False, "x", "x"),
    ],
)
def test_looker_types_become_braze_types(kind, numeric, raw, expected):
    value = converter_for(field(kind, numeric))(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "kind, numeric, raw",
    [
        ("yesno", False, "maybe"),
        ("number", True, "abc"),
        ("number", True, float("nan")),
        ("number", True, True),
        ("date_date", False, "2024-02-30"),
        ("date_time", False, "yesterday"),
        ("date_time", False, "2024-01-31 25:00:00"),
        ("date_time", False, "2024-01-31T13:45:00+25:00"),
        ("string", False, {"a": 1}),
    ],
)
def test_values_that_do_not_fit_the_type_are_dropped(kind, numeric, raw):
    with pytest.raises(DropValue):
        converter_for(field(kind, numeric))(raw)


def test_kinds_are_what_check_describes():
    assert value_kind(field("date_date")) == DATE
    assert value_kind(field("date_time")) == TIME
    assert value_kind(field("date_minute5")) == TIME


# ---------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    "zone, raw, expected",
    [
        (PARIS, "2024-02-01 13:45:00", "2024-02-01T12:45:00Z"),  # winter: UTC+1
        (PARIS, "2024-07-01 13:45:00", "2024-07-01T11:45:00Z"),  # summer: UTC+2
        (NEW_YORK, "2024-02-01 20:30:00", "2024-02-02T01:30:00Z"),  # crosses midnight
        (NEW_YORK, "2024-02-01T20:30:00.125", "2024-02-02T01:30:00.125Z"),  # fraction kept
        (NEW_YORK, "2024-02-01 20", "2024-02-02T01:00:00Z"),
        # An offset says where the time is: moved to UTC whatever the Look's zone.
        (NEW_YORK, "2017-07-28T02:25:19Z", "2017-07-28T02:25:19Z"),
        (NEW_YORK, "2017-07-28T02:25:19+01:00", "2017-07-28T01:25:19Z"),
        (UTC, "2017-07-28T02:25:19+0100", "2017-07-28T01:25:19Z"),
        (UTC, "2017-07-28T02:25:19-05", "2017-07-28T07:25:19Z"),
        (UTC, "2024-01-31 13:45+01", "2024-01-31T12:45:00Z"),  # 19 characters, not the usual
        (PARIS, "2024-02-01", "2024-02-01"),  # a day stays a day
    ],
)
def test_naive_date_times_are_read_in_the_looks_zone_and_sent_in_utc(zone, raw, expected):
    assert converter_for(field("date_time"), zone)(raw) == expected


@pytest.mark.parametrize("kind", ["date_date", "date_week", "date_month", "date_quarter"])
def test_calendar_timeframes_are_never_shifted(kind):
    raw = "2024-Q1" if kind == "date_quarter" else "2024-01-01"
    assert converter_for(field(kind), ZoneInfo("Pacific/Kiritimati"))(raw) == "2024-01-01"


def test_dst_overlap_takes_the_first_occurrence():
    # 2024-11-03 01:30 happens twice in New York: fold=0 is the first, still on EDT (UTC-4).
    assert converter_for(field("date_time"), NEW_YORK)("2024-11-03 01:30:00") == (
        "2024-11-03T05:30:00Z"
    )


def test_dst_gap_is_read_with_the_offset_before_the_change():
    # 2024-03-10 02:30 never happened in New York; fold=0 reads it with EST (UTC-5).
    assert converter_for(field("date_time"), NEW_YORK)("2024-03-10 02:30:00") == (
        "2024-03-10T07:30:00Z"
    )


def test_without_a_zone_the_wall_clock_time_is_kept_for_day_fields():
    convert = converter_for(field("date_time"), None)
    assert convert("1990-02-28 00:00:00") == "1990-02-28T00:00:00"
    assert convert("1990-02-28T00:00:00+01:00") == "1990-02-28T00:00:00+01:00"


def test_the_first_hour_of_year_one_cannot_move_to_utc():
    with pytest.raises(DropValue):
        converter_for(field("date_time"), ZoneInfo("Asia/Tokyo"))("0001-01-01 00:30:00")


instants = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.none()
).map(lambda d: d.replace(microsecond=0, fold=0))  # Looker writes no fold
zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu",
                         "Australia/Lord_Howe", "Pacific/Chatham"])  # fmt: skip


@settings(max_examples=500)
@given(instants, zones)
def test_the_sent_instant_is_the_wall_time_in_the_looks_zone(naive, zone_name):
    zone = UTC if zone_name == "UTC" else ZoneInfo(zone_name)
    sent = converter_for(field("date_time"), zone)(naive.isoformat(" "))
    assert sent.endswith("Z")
    instant = datetime.fromisoformat(sent)
    # zoneinfo's own reading, fold=0 (compared in UTC: PEP 495 makes == across zones false for
    # a time in a gap)
    assert instant == naive.replace(tzinfo=zone).astimezone(UTC)
    assert converter_for(field("date_time"), UTC)(sent) == sent  # UTC with a Z is a fixpoint


@given(instants, st.integers(-14 * 60, 14 * 60))
def test_an_offset_always_wins_over_the_zone(naive, minutes):
    sign, value = ("+" if minutes >= 0 else "-"), abs(minutes)
    text = f"{naive.isoformat()}{sign}{value // 60:02d}:{value % 60:02d}"
    expected = (naive - timedelta(minutes=minutes)).replace(tzinfo=UTC)
    for zone in (UTC, PARIS, NEW_YORK):
        assert datetime.fromisoformat(converter_for(field("date_time"), zone)(text)) == expected


def test_the_utc_fast_path_agrees_with_the_general_one():
    assert to_utc_time("2024-01-31 13:45:00") == "2024-01-31T13:45:00Z"
    assert converter_for(field("date_time"), PARIS)("2024-01-31 13:45:00") != (
        "2024-01-31T13:45:00Z"
    )
