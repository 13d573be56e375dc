"""Looker cell values (unformatted json_detail) to Braze attribute values, by Looker field type.

yesno -> boolean; numbers -> int or float; points in time -> ISO 8601 (a date as YYYY-MM-DD, a
time as YYYY-MM-DDTHH:MM:SS, without an offset: Braze reads that as UTC, so Looks should use a
UTC query time zone); everything else -> string. A converter is chosen once per field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from looker_braze.errors import DropValue
from looker_braze.hub.rows import Field

Converter = Callable[[Any], Any]

_NUMERIC_TYPES = frozenset(
    {"number", "count", "count_distinct", "sum", "sum_distinct", "average", "average_distinct",
     "median", "median_distinct", "max", "min", "percentile", "percentile_distinct", "int",
     "date_hour_of_day", "date_day_of_month", "date_day_of_year", "date_month_num",
     "date_week_of_year", "date_year", "date_fiscal_month_num", "date_fiscal_year"}
)  # fmt: skip
# Timeframes that name one point in time; the others (day_of_week, month_name...) are labels.
_POINT_IN_TIME = re.compile(
    r"(date|time|datetime|date_(date|week|month|quarter|time|raw|second|minute\d*|hour\d*|"
    r"millisecond\d*|microsecond|fiscal_quarter))"
)
_DATE_TIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[ T](\d{2})(?::(\d{2})(?::(\d{2})(\.\d+)?)?)?)?)?)?"
)
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


def converter_for(field: Field) -> Converter:
    kind = (field.type or "").lower()
    if kind == "yesno":
        return to_boolean
    if kind == "date_year":
        return to_number
    if _POINT_IN_TIME.fullmatch(kind):
        return to_iso_date_time
    if kind in _NUMERIC_TYPES or field.is_numeric:
        return to_number
    return to_string


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


def to_iso_date_time(value: Any) -> str:
    text = value if type(value) is str else str(value)
    if len(text) == 19 and text[10] == " " and _is_date_time(text):
        return text[:10] + "T" + text[11:]  # Looker's usual "YYYY-MM-DD HH:MM:SS", checked
    return _parse_date_time(text.strip())


def _is_date_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parse_date_time(text: str) -> str:
    quarter = _QUARTER.fullmatch(text)
    if quarter:
        return f"{quarter[1]}-{(int(quarter[2]) - 1) * 3 + 1:02d}-01"
    match = _DATE_TIME.fullmatch(text)
    if not match:
        raise DropValue("not a date or time")
    year, month, day, hour, minute, second, fraction = match.groups()
    day_text = f"{year}-{month or '01'}-{day or '01'}"
    if not _valid_date(day_text):
        raise DropValue("not a date or time")
    if hour is None:
        return day_text
    return f"{day_text}T{hour}:{minute or '00'}:{second or '00'}{fraction or ''}"


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    raise DropValue("not a single value")


_READY: dict[Converter, frozenset[type]] = {
    to_boolean: frozenset({bool}),
    to_number: frozenset({int, float}),
    to_string: frozenset({str}),
}
