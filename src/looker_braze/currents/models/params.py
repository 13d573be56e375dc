"""Model parameters: what `--param k=v` may say, checked and turned into SQL-ready values.

Every parameter is declared once here with its default and meaning. Values arrive as text (from
the command line) or Python values (from code), are validated here, and reach the SQL only as
sqlglot literals, never as spliced text: a campaign name with quotes in it stays a campaign name.
Dates are local dates in the ``timezone`` parameter; they become UTC epoch bounds so that the
filters compare the raw integer ``TIME`` column (cheap, and no zone arithmetic per row).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from looker_braze.errors import FailRun

DEFAULT_TIMEZONE = "America/New_York"
# Open bounds for "no date filter": TIME is epoch seconds, so these cover every real event.
_NO_START = -(2**40)
_NO_END = 2**40


@dataclass(frozen=True)
class Param:
    name: str
    help: str
    parse: Callable[[str], Any]
    default: Any = None


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise FailRun(f"{text!r} is not an IANA time zone (e.g. America/New_York)") from None
    return text


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise FailRun(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _positive_int(limit: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(str(text))
        except ValueError:
            raise FailRun(f"{text!r} is not a whole number") from None
        if not 1 <= value <= limit:
            raise FailRun(f"{value} is out of range: use 1 to {limit}")
        return value

    return parse


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip().lower()
        if value not in allowed:
            raise FailRun(f"{text!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def _machine_events(text: str) -> str:
    """include or exclude (true/false, yes/no are understood as those)."""
    value = str(text).strip().lower()
    if value in ("include", "true", "yes", "1"):
        return "include"
    if value in ("exclude", "false", "no", "0"):
        return "exclude"
    raise FailRun(f"{text!r} is not include or exclude")


def _text(text: str) -> str | None:
    value = str(text)
    return value if value != "" else None


PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("timezone", "IANA zone for local days, weeks and hours", _zone, DEFAULT_TIMEZONE),
        Param("start", "first local date included (YYYY-MM-DD)", _date),
        Param("end", "last local date included (YYYY-MM-DD)", _date),
        Param("campaign_name", "only messages of this campaign", _text),
        Param("canvas_name", "only messages of this canvas", _text),
        Param("message_variation_id", "only messages of this campaign variation", _text),
        Param("canvas_step_id", "only messages of this canvas step", _text),
        Param("platform", "only pushes to this platform (ios, android, web ...)", _text),
        Param(
            "machine_events",
            "machine opens and suspected bot clicks in engagement: exclude or include",
            _machine_events,
            "exclude",
        ),
        Param("app_id", "only sessions of this app", _text),
        Param("limit", "number of rows in top/bottom lists", _positive_int(10_000), 10),
        Param(
            "granularity",
            "period for frequency: day, week or month",
            _choice("day", "week", "month"),
            "day",
        ),
        Param("days", "last day shown in daily retention", _positive_int(366), 31),
        Param("weeks", "last week shown in weekly retention", _positive_int(104), 12),
        Param(
            "channel",
            "only this messaging channel: sms, whatsapp, rcs or line",
            _choice("sms", "whatsapp", "rcs", "line"),
        ),
    )
}


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """`["k=v", ...]` from the command line -> {k: v}; the value may itself contain '='."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise FailRun(f"--param {pair!r}: write it as name=value, e.g. timezone=UTC")
        values[name.strip()] = value.strip()
    return values


def check_names(given: Mapping[str, Any]) -> None:
    """Refuse parameter names no model knows (for commands that run many models)."""
    unknown = sorted(set(given) - set(PARAMS))
    if unknown:
        raise FailRun(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMS)}")
    for name, raw in given.items():
        _value(name, raw)


def resolve(accepted: Iterable[str], given: Mapping[str, Any], fixed: Mapping[str, Any]) -> dict:
    """Validated values for every accepted parameter (defaults filled in), plus the derived
    ``start_time``/``end_time`` epoch bounds. Unknown names are refused, listing the valid ones."""
    accepted = tuple(accepted)
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        valid = ", ".join(accepted) or "none"
        raise FailRun(f"unknown parameter(s) {', '.join(unknown)}; this model accepts: {valid}")
    values = {name: _value(name, given.get(name)) for name in accepted}
    values.update(fixed)
    values.setdefault("timezone", DEFAULT_TIMEZONE)
    values.update(_time_bounds(values))
    return values


def _value(name: str, raw: Any) -> Any:
    param = PARAMS[name]
    if raw is None:
        return param.default
    if isinstance(raw, dt.date) or (isinstance(raw, int) and not isinstance(raw, bool)):
        raw = raw.isoformat() if isinstance(raw, dt.date) else str(raw)
    try:
        return param.parse(raw)
    except FailRun as exc:
        raise FailRun(f"parameter {name}: {exc}") from None


def _time_bounds(values: Mapping[str, Any]) -> dict[str, int]:
    zone = ZoneInfo(values["timezone"])
    start, end = values.get("start"), values.get("end")
    if start and end and start > end:
        raise FailRun(f"parameter start ({start}) is after end ({end})")
    return {
        "start_time": _local_midnight(start, zone) if start else _NO_START,
        "end_time": _local_midnight(end + dt.timedelta(days=1), zone) if end else _NO_END,
    }


def _local_midnight(day: dt.date, zone: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time(0), tzinfo=zone).timestamp())
