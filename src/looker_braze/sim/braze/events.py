"""Custom events and purchases as Braze reads them from ``/users/track``, and where the simulator
keeps them: every occurrence, never deduplicated (Braze has no idempotency key: each event object
is an event of its own, shared/spec/braze-activation.md §1.7, §6).

Checks per object, each rejecting the object alone with an error ``type`` text (§1.3, §1.4):
- events: ``name`` a non-empty string, ``time`` a date Braze reads, ``properties`` an object;
- purchases: ``product_id`` a non-empty string of at most 255 characters, ``currency`` an
  ISO-4217 alphabetic code (pycountry's list), ``price`` a number, ``quantity`` (default 1) a
  whole number from 1 to 100, ``time``;
- properties (both): keys non-empty, at most 255 characters, no leading ``$``, not the reserved
  ``time`` or ``event_name``; string values at most 255 characters; properties holding an object
  or array at most ``properties_max_bytes`` of JSON (100 KB on the newer event-object page, 50 KB
  on the older one and the purchase page: a setting). The exact error texts are UNCONFIRMED (the
  spec quotes free text such as "'quantity' is not valid"); these follow that shape.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import orjson

from looker_braze.errors import RejectRow
from looker_braze.sim.braze.objects import NO_BLOCKLIST, NOT_AN_OBJECT, identify, update_only
from looker_braze.sim.braze.values import MAX_STRING, invalid, parse_time

RESERVED_PROPERTIES = frozenset({"time", "event_name"})
MAX_QUANTITY = 100
PROPERTIES_MAX_BYTES = 100_000  # the newer event-object page's figure [S5]


class Occurrence(NamedTuple):
    """One valid event or purchase, as the simulator stores it."""

    kind: str  # identifier that finds the user
    key: Any
    update_only: bool
    name: str  # event name or product_id
    record: dict  # what inspection shows: name/product_id, time, properties, price ...


@cache
def currencies() -> frozenset[str]:
    import pycountry

    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def read_event(
    obj: Any, blocklist: frozenset[str] = NO_BLOCKLIST, max_bytes: int = PROPERTIES_MAX_BYTES
) -> Occurrence:
    kind, key, flag = _who(obj, blocklist)
    name = _text(obj, "name")
    record = {"name": name, "time": _time(obj), "properties": _properties(obj, max_bytes)}
    return Occurrence(kind, key, flag, name, record)


def read_purchase(
    obj: Any, blocklist: frozenset[str] = NO_BLOCKLIST, max_bytes: int = PROPERTIES_MAX_BYTES
) -> Occurrence:
    kind, key, flag = _who(obj, blocklist)
    product = _text(obj, "product_id")
    if len(product) > MAX_STRING:
        raise invalid("product_id")
    currency = obj.get("currency")
    if type(currency) is not str or currency.upper() not in currencies():
        raise invalid("currency")
    price = obj.get("price")
    if type(price) not in (int, float):
        raise invalid("price")
    quantity = obj.get("quantity", 1)
    if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        raise invalid("quantity")
    record = {
        "product_id": product,
        "currency": currency.upper(),
        "price": price,
        "quantity": quantity,
        "time": _time(obj),
        "properties": _properties(obj, max_bytes),
    }
    return Occurrence(kind, key, flag, product, record)


def _who(obj: Any, blocklist: frozenset[str]) -> tuple[str, Any, bool]:
    if type(obj) is not dict:
        raise RejectRow(NOT_AN_OBJECT)
    kind, key = identify(obj, blocklist)
    return kind, key, update_only(obj, kind)


def _text(obj: dict, name: str) -> str:
    value = obj.get(name)
    if type(value) is not str or not value:
        raise invalid(name)
    return value


def _time(obj: dict) -> str:
    when = obj.get("time")
    parsed = parse_time(when) if type(when) is str else None
    if parsed is None:
        raise invalid("time")
    return parsed


def _properties(obj: dict, max_bytes: int) -> dict:
    properties = obj.get("properties", {})
    if type(properties) is not dict:
        raise invalid("properties")
    nested = False
    for key, value in properties.items():
        if not key or len(key) > MAX_STRING or key.startswith("$"):
            raise RejectRow(f"property key '{key[:40]}' is not valid")
        if key in RESERVED_PROPERTIES:
            raise RejectRow(f"property key '{key}' is reserved")
        if type(value) is str and len(value) > MAX_STRING:
            raise RejectRow(f"property '{key[:40]}' is longer than {MAX_STRING} characters")
        nested = nested or type(value) in (dict, list)
    if nested and len(orjson.dumps(properties)) > max_bytes:
        raise RejectRow(f"properties are larger than {max_bytes:,} bytes")
    return properties


class Occurrences:
    """Every event and purchase received, per user, in arrival order."""

    def __init__(self) -> None:
        self.events: dict[int, list[dict]] = {}
        self.purchases: dict[int, list[dict]] = {}

    def add(self, array: str, uid: int, record: dict) -> None:
        getattr(self, array).setdefault(uid, []).append(record)

    def of(self, array: str, uid: int) -> list[dict]:
        return list(getattr(self, array).get(uid, ()))

    def total(self, array: str) -> int:
        return sum(map(len, getattr(self, array).values()))
