"""Custom attribute values as Braze reads them: which type a value gives its attribute, which
operation it asks for (set, remove, array add/remove, increment, array-of-objects edits), and how
it is stored (strings cut to 255 characters, dates normalised to UTC).

A value Braze refuses makes the whole object rejected: ``RejectRow`` carries the error ``type``
text that goes into the response's ``errors`` array.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from looker_braze.errors import RejectRow

MAX_STRING = 255
MAX_NESTING = 50

# Operation codes: small ints keep the per-object hot path cheap.
SET, REMOVE, ARRAY, INC, OBJECTS = range(5)

_OBJECT_OPS = frozenset({"$add", "$remove", "$update"})
_US_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
_BAD_NESTED_KEY = re.compile(r"[ .$]")


def invalid(name: str) -> RejectRow:
    return RejectRow(f"'{name}' is not valid")


def custom_operation(name: str, value: Any) -> tuple[str, int, str | None, Any]:
    """(name, operation, type the value gives the attribute, payload) of one custom attribute."""
    kind = type(value)
    if kind is dict:
        return dict_operation(name, value)
    if kind is str:
        return _string(name, value)
    if value is None:
        return name, REMOVE, None, None
    if kind is bool:
        return name, SET, "boolean", value
    if kind is int or kind is float:
        return name, SET, "number", value
    if kind is list:
        return _list_value(name, value)
    raise invalid(name)


def _string(name: str, text: str) -> tuple[str, int, str, Any]:
    when = parse_time(text)
    if when is None:
        return name, SET, "string", text[:MAX_STRING]
    # The original text is kept for attributes already locked to the string type.
    return name, SET, "time", (when, text[:MAX_STRING])


def parse_time(text: str) -> str | None:
    """The UTC ISO form of a Braze date string, or None when it is not one Braze reads as a date.

    Braze reads ISO 8601 (and yyyy-MM-dd, yyyy-MM-dd HH:mm:ss ...) and MM/dd/yyyy; no zone
    means UTC; a year outside 0..3000 keeps the value a string.
    """
    if len(text) < 10 or not text[0].isdigit():
        return None
    try:
        if text[4] == "-":
            when = datetime.fromisoformat(text)
        elif _US_DATE.fullmatch(text):
            when = datetime.strptime(text, "%m/%d/%Y")
        else:
            return None
    except ValueError:
        return None
    if when.year > 3000:
        return None
    return iso_utc(when)


def iso_utc(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _list_value(name: str, items: list) -> tuple[str, int, str, Any]:
    if items and all(type(item) is dict for item in items):
        return name, SET, "array_of_objects", [nested_object(name, item, 1) for item in items]
    return name, SET, "array", array_items(name, items)


def array_items(name: str, items: Any) -> list:
    """Scalar array values, strings cut to 255 characters; anything else rejects the object."""
    if type(items) is not list:
        raise invalid(name)
    for item in items:
        kind = type(item)
        if kind is str:
            if len(item) > MAX_STRING:
                return [item[:MAX_STRING] if type(item) is str else item for item in items]
        elif kind is not int and kind is not float and kind is not bool:
            raise invalid(name)
    return items  # the common case: already as stored, no copy


def dict_operation(name: str, value: dict) -> tuple[str, int, str, Any]:
    adds, removes = value.get("add"), value.get("remove")
    if (adds is not None) + (removes is not None) == len(value) != 0:
        adds = () if adds is None else array_items(name, adds)
        removes = () if removes is None else array_items(name, removes)
        return name, ARRAY, "array", (adds, removes)
    keys = value.keys()
    if keys == {"inc"}:
        return _increment(name, value["inc"])
    if keys == {"$time"}:
        return name, SET, "time", (_time_value(name, value["$time"]), None)
    if value and keys <= _OBJECT_OPS:
        return name, OBJECTS, "array_of_objects", object_edits(name, value)
    return name, SET, "object", nested_object(name, value, 1)


def _increment(name: str, step: Any) -> tuple[str, int, str, Any]:
    if type(step) not in (int, float):
        raise invalid(name)
    return name, INC, "number", step


def _time_value(name: str, text: Any) -> str:
    when = parse_time(text) if type(text) is str else None
    if when is None:
        raise invalid(name)
    return when


def nested_object(name: str, value: dict, depth: int) -> dict:
    """A nested custom attribute: keys without spaces, '.' or '$'; dates as {"$time": ...}."""
    if depth > MAX_NESTING:
        raise invalid(name)
    stored = {}
    for key, item in value.items():
        if not key or _BAD_NESTED_KEY.search(key):
            raise RejectRow(f"'{name}' is not valid: nested keys cannot contain spaces, '.' or '$'")
        stored[key] = _nested_item(name, item, depth)
    return stored


def _nested_item(name: str, item: Any, depth: int) -> Any:
    kind = type(item)
    if kind is dict:
        if item.keys() == {"$time"}:
            return _time_value(name, item["$time"])
        return nested_object(name, item, depth + 1)
    if kind is list:
        return [_nested_item(name, element, depth + 1) for element in item]
    return item


def object_edits(name: str, value: dict) -> list[tuple[str, Any]]:
    """Edits of an array of objects: $add objects, $remove / $update by identifier key."""
    edits = []
    for verb in ("$remove", "$update", "$add"):
        items = value.get(verb)
        if items is None:
            continue
        if type(items) is not list or not all(type(item) is dict for item in items):
            raise invalid(name)
        edits += [(verb, _object_edit(name, verb, item)) for item in items]
    return edits


def _object_edit(name: str, verb: str, item: dict) -> Any:
    if verb == "$add":
        return nested_object(name, item, 1)
    key, wanted = item.get("$identifier_key"), item.get("$identifier_value")
    if type(key) is not str or wanted is None:
        raise invalid(name)
    if verb == "$remove":
        return key, wanted, None
    new = item.get("$new_object")
    if type(new) is not dict:
        raise invalid(name)
    return key, wanted, nested_object(name, new, 1)
