"""Braze's rules for custom event and purchase objects of POST /users/track, in one place.

Sources: shared/spec/braze-activation.md §1.3 (event object, properties: keys non-empty, at most
255 characters, no leading "$"; reserved keys "time" and "event_name"; string values at most 255
characters; properties holding objects or arrays at most 100 KB on the newer event-object page,
50 KB on the older one and on the purchase page), §1.4 (purchase object: product_id at most 255
characters, currency an ISO-4217 alphabetic code, price a number, quantity a whole number at most
100) and §1.8 (data points: each event or purchase costs 1; purchase properties are billable, one
each here; custom-event properties cost nothing unless enabled for segmentation).

Every check raises RejectRow with a short reason that says what to fix: the row is reported,
never sent.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import orjson

from looker_braze.braze.attributes import MAX_STRING
from looker_braze.errors import RejectRow

EVENTS, PURCHASES = "events", "purchases"  # the request arrays, and the form's kinds
KINDS = {"event": EVENTS, "purchase": PURCHASES}
RESERVED_PROPERTIES = frozenset({"time", "event_name"})
MAX_QUANTITY = 100
# The conservative figure of the two Braze pages; operators on the newer limit raise it
# (LOOKER_BRAZE_EVENT_PROPERTIES_MAX_BYTES).
PROPERTIES_MAX_BYTES = 50_000
PROPERTIES_MAX_BYTES_NEWER = 100_000


@cache
def currencies() -> frozenset[str]:
    """ISO-4217 alphabetic codes, from pycountry's copy of the standard."""
    import pycountry  # loaded on first use: a few MB of data

    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def check_property_key(key: str) -> None:
    if not key:
        raise RejectRow("empty property name")
    if key in RESERVED_PROPERTIES:
        raise RejectRow(f"property name '{key}' is reserved by Braze")
    if len(key) > MAX_STRING:
        raise RejectRow(f"property name longer than {MAX_STRING} characters")
    if key.startswith("$"):
        raise RejectRow("property name starts with '$'")


def check_properties(properties: dict[str, Any], max_bytes: int = PROPERTIES_MAX_BYTES) -> None:
    """Keys and values as Braze takes them (keys are checked once per send: property_key)."""
    nested = False
    for key, value in properties.items():
        if type(value) is str and len(value) > MAX_STRING:
            raise RejectRow(f"property '{key[:40]}' longer than {MAX_STRING} characters")
        nested = nested or isinstance(value, dict | list)
    if nested and len(orjson.dumps(properties)) > max_bytes:
        raise RejectRow(f"properties with objects or arrays over {max_bytes:,} bytes")


def currency_code(value: Any) -> str:
    text = value.strip().upper() if isinstance(value, str) else ""
    if text not in currencies():
        raise RejectRow("currency is not an ISO-4217 code (e.g. USD)")
    return text


def price(value: Any) -> float:
    if isinstance(value, bool):
        raise RejectRow("price is not a number")
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", ""))
        except ValueError:
            raise RejectRow("price is not a number") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise RejectRow("price is not a number")
    return float(value)


def quantity(value: Any) -> int:
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if type(number) is not int or not 1 <= number <= MAX_QUANTITY:
        raise RejectRow(f"quantity is not a whole number from 1 to {MAX_QUANTITY}")
    return number


def product_id(value: Any) -> str:
    text = _text(value, "product id")
    if len(text) > MAX_STRING:
        raise RejectRow(f"product id longer than {MAX_STRING} characters")
    return text


def event_name(value: Any) -> str:
    return _text(value, "event name")


def _text(value: Any, what: str) -> str:
    """A non-empty single value as text (Looker numbers ids when the column is numeric)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "" if value is None or isinstance(value, dict | list | bool) else str(value).strip()
    if not text:
        raise RejectRow(f"empty {what}")
    return text


def data_points(array: str, properties: dict[str, Any]) -> int:
    """What one object costs on a data-point contract: 1, plus each purchase property."""
    return 1 + (len(properties) if array == PURCHASES else 0)
