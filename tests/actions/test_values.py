import pytest

from looker_braze.actions.braze.values import converter_for
from looker_braze.errors import DropValue
from looker_braze.hub.rows import Field


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
        ("date_time", False, "2024-01-31 13:45:00", "2024-01-31T13:45:00"),
        ("date_time", False, "2024-01-31T13:45:07.250", "2024-01-31T13:45:07.250"),
        ("date_minute15", False, "2024-01-31 13:45", "2024-01-31T13:45:00"),
        ("date_hour", False, "2024-01-31 13", "2024-01-31T13:00:00"),
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
        ("string", False, {"a": 1}),
    ],
)
def test_values_that_do_not_fit_the_type_are_dropped(kind, numeric, raw):
    with pytest.raises(DropValue):
        converter_for(field(kind, numeric))(raw)
