"""Looker cell values (unformatted json_detail) to Braze attribute values, by Looker field type.

yesno -> boolean; numbers -> int or float; calendar timeframes (date, week, month, quarter) ->
the day, YYYY-MM-DD, never shifted; points in time -> ISO 8601 in UTC with an explicit Z;
everything else -> string. A converter is chosen once per field.

Time zones: Looker writes a date-time without an offset, in the Look's time zone (json_detail's
``timezone``, the query's ``query_timezone``: shared/spec/looker-action-api.md), while Braze reads
a date-time without an offset as UTC (braze-docs, _docs/_api/objects_filters/
user_attributes_object.md: "Date attributes without a timezone will default to ... UTC"). So a
naive date-time is read in the Look's zone and sent in UTC with a Z; one that carries an offset
(2017-07-28T02:25:19Z, ...+01:00) is moved to UTC. In a DST gap or overlap the rule is zoneinfo's
fold=0: a time that happens twice (clocks going back) is the first of the two, at the offset in
force before the change; a time that never happened (clocks going forward) is read at the offset
in force before the change too, so 02:30 in New York on a spring-forward night lands at 07:30Z.

Upgrade note: before the Z was added, a date-time was sent as YYYY-MM-DDTHH:MM:SS. The change-only
state hashes values as sent, so every date-time attribute is sent once more after the upgrade
(one data point each), then no more than before.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from looker_braze.braze.attributes import is_iso_day
from looker_braze.errors import DropValue
from looker_braze.hub.document import Field

Converter = Callable[[Any], Any]

# What a field's values become in Braze; check describes it to users by these names.
BOOLEAN, NUMBER, DATE, TIME, TEXT = "boolean", "number", "date", "time", "text"

_NUMERIC_TYPES = frozenset(
    {"number", "count", "count_distinct", "sum", "sum_distinct", "average", "average_distinct",
     "median", "median_distinct", "max", "min", "percentile", "percentile_distinct", "int",
     "date_hour_of_day", "date_day_of_month", "date_day_of_year", "date_month_num",
     "date_week_of_year", "date_year", "date_fiscal_month_num", "date_fiscal_year"}
)  # fmt: skip
# Timeframes that name a day (or a week, month, quarter by its first day): never shifted.
_CALENDAR_TYPES = frozenset(
    {"date_date", "date_week", "date_month", "date_quarter", "date_fiscal_quarter"}
)
# Types that name one point in time; the other timeframes (day_of_week, month_name...) are labels.
# A value of these with a time of day is an instant; one without is a day, as the calendar ones.
_POINT_IN_TIME = re.compile(
    r"(date|time|datetime|date_(time|raw|second|minute\d*|hour\d*|millisecond\d*|microsecond))"
)
_STAMP = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[ T](\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?"
    r"([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_NO_OFFSET = timedelta(0)


def value_kind(field: Field) -> str:
    """What the values of ``field`` become in Braze: BOOLEAN, NUMBER, DATE, TIME or TEXT."""
    kind = (field.type or "").lower()
    if kind == "yesno":
        return BOOLEAN
    if kind == "date_year":
        return NUMBER
    if kind in _CALENDAR_TYPES:
        return DATE
    if _POINT_IN_TIME.fullmatch(kind):
        return TIME
    if kind in _NUMERIC_TYPES or field.is_numeric:
        return NUMBER
    return TEXT


def converter_for(field: Field, zone: tzinfo | None = UTC) -> Converter:
    """The converter of ``field``'s values. ``zone`` is the Look's time zone; None keeps a naive
    date-time's wall-clock time as written (for fields that want the day it names, like dob)."""
    kind = value_kind(field)
    if kind == TIME:
        return _time_converter(zone)
    return _CONVERTERS[kind]


def ready_types(convert: Converter, check: Converter | None = None) -> frozenset[type]:
    """Types of Looker values that ``convert`` (then ``check``, if any) return unchanged."""
    if check is not None and not getattr(check, "passes_strings", False):
        return frozenset()
    return _READY.get(convert, frozenset())


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true"):
        return True
    if text in ("no", "false"):
        return False
    raise DropValue("a yesno value must be Yes or No")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise DropValue("not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DropValue("not a finite number")
        return value
    return _parse_number(str(value).strip().replace(",", ""))


def _parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise DropValue("not a number") from None
    if not math.isfinite(number):
        raise DropValue("not a finite number")
    return number


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    raise DropValue("not a single value")


# ---------------------------------------------------------------- days and instants


def to_day(value: Any) -> str:
    """A calendar timeframe's day, YYYY-MM-DD (a week, month or quarter by its first day)."""
    text = (value if type(value) is str else str(value)).strip()
    if is_iso_day(text):  # Looker's usual YYYY-MM-DD: the day as it is (once per row)
        return text
    quarter = _QUARTER.fullmatch(text)
    if quarter:
        return f"{quarter[1]}-{(int(quarter[2]) - 1) * 3 + 1:02d}-01"
    return _stamp(text)[0]


def to_utc_time(value: Any) -> str:
    """A date-time of a Look in UTC: the common case, kept as cheap as the old pass-through."""
    text = value if type(value) is str else str(value)
    if _is_usual(text) and _is_date_time(text):
        return f"{text[:10]}T{text[11:]}Z"  # Looker's usual "YYYY-MM-DD HH:MM:SS", checked
    return _instant(text.strip(), UTC)


def _time_converter(zone: tzinfo | None) -> Converter:
    if zone is UTC:
        return to_utc_time

    def to_time(value: Any) -> str:
        text = value if type(value) is str else str(value)
        if zone is not None and _is_usual(text):
            try:
                when = datetime.fromisoformat(text)
            except ValueError:
                pass  # the general path says why
            else:
                return _in_utc(when, zone.utcoffset(when), "")
        return _instant(text.strip(), zone)

    return to_time


def instant_converter(zone: tzinfo | None) -> Converter:
    """A converter that reads any value as a date-time of the Look (in ``zone`` when it has no
    offset), whatever its field's type: for fields that must hold a point in time."""
    return _time_converter(zone)


def _is_usual(text: str) -> bool:
    """Whether ``text`` has the shape of Looker's usual date-time, YYYY-MM-DD HH:MM:SS."""
    return len(text) == 19 and text[10] == " " and text[16] == ":"


def _instant(text: str, zone: tzinfo | None) -> str:
    """``text`` as Braze should read it: a day as it is; a date-time in UTC with a Z (read in
    ``zone`` when it has no offset); with ``zone`` None, a date-time as written."""
    quarter = _QUARTER.fullmatch(text)
    if quarter:
        return to_day(text)
    day, clock, fraction, offset = _stamp(text)
    if clock is None:
        return day
    if zone is None:
        return f"{day}T{clock}{fraction}{offset or ''}"
    if offset is None and zone is UTC:
        return f"{day}T{clock}{fraction}Z"
    when = datetime.fromisoformat(f"{day}T{clock}")
    return _in_utc(when, zone.utcoffset(when) if offset is None else _offset(offset), fraction)


def _in_utc(when: datetime, offset: timedelta | None, fraction: str) -> str:
    """Local time ``when`` at ``offset`` from UTC, in UTC with a Z. For a zone, the offset is
    zoneinfo's for the wall time with fold=0 (a naive datetime's default): see the module's
    docstring. Plain arithmetic: datetime.replace and astimezone cost ten times as much."""
    try:
        utc = when - (offset or _NO_OFFSET)
    except OverflowError:  # the first or last hours of years 1 and 9999
        raise DropValue("not a date or time") from None
    return f"{utc.isoformat()}{fraction}Z"


def _stamp(text: str) -> tuple[str, str | None, str, str | None]:
    """(day, HH:MM:SS or None, fraction as written, offset or None) of a Looker date or time;
    missing parts of the day are the first (2024-02 is 2024-02-01)."""
    match = _STAMP.fullmatch(text)
    if not match:
        raise DropValue("not a date or time")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    day_text = f"{year}-{month or '01'}-{day or '01'}"
    if not _valid_date(day_text):
        raise DropValue("not a date or time")
    if hour is None:
        return day_text, None, "", None
    clock = f"{hour}:{minute or '00'}:{second or '00'}"
    if not _is_date_time(f"{day_text} {clock}"):
        raise DropValue("not a date or time")
    return day_text, clock, fraction or "", offset


@lru_cache(maxsize=256)
def _offset(text: str) -> timedelta:
    """The offset from UTC that an ISO 8601 suffix says: Z, +01, +0100 or +01:00."""
    if text in ("Z", "z"):
        return _NO_OFFSET
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise DropValue("not a date or time")
    total = hours * 60 + minutes
    return timedelta(minutes=-total if text[0] == "-" else total)


def _is_date_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


_CONVERTERS: dict[str, Converter] = {
    BOOLEAN: to_boolean,
    NUMBER: to_number,
    DATE: to_day,
    TEXT: to_string,
}
_READY: dict[Converter, frozenset[type]] = {
    to_boolean: frozenset({bool}),
    to_number: frozenset({int, float}),
    to_string: frozenset({str}),
}
