"""From a Look's rows to Braze event or purchase objects, each with its key and its cost.

Which field plays which part, the tags say (tags.py); how the user is identified, the form's
Unique Key (the flag action's rules: mapping.IDENTIFIERS). Date-times are read in the Look's time
zone and sent in UTC with a Z (values.py); a day alone is midnight UTC, as Braze reads it. A row
that cannot be sent as Braze documents it is rejected with the reason (braze/events.py); null
property cells are left out.

The mapper reads rows as the hub hands them over: the values of the fields in ``select`` (the
parts' fields, then the properties', then the identifier's), so a cell is a tuple index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson

from looker_braze.actions.braze.events import tags
from looker_braze.actions.braze.events.options import EventOptions
from looker_braze.actions.braze.mapping import (
    IDENTIFIERS,
    identifier_field,
    identify_cell,
    look_zone,
)
from looker_braze.actions.braze.values import (
    DATE,
    Converter,
    converter_for,
    instant_converter,
    to_day,
    value_kind,
)
from looker_braze.braze import events as rules
from looker_braze.errors import DropValue, FailRun, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import Field, Fields

KEY_CHARS = 32  # 128 bits of SHA-256: no two events of a workspace share a key in practice


class EventMapper:
    def __init__(self, fields: Fields, options: EventOptions) -> None:
        if fields.is_pivoted:
            raise FailRun(
                "This Look is pivoted: the Braze Events action needs one row per event. Remove "
                "the pivot and send again."
            )
        self._options = options
        self._array = options.array
        self.ignored_tags = tuple(
            f"{f.name}: {tag}" for f in fields.fields for tag in f.tags if tags.is_malformed(tag)
        )
        single, properties = _tagged(fields)
        _require(single, options)
        zone = look_zone(options.time_zone)
        self._parts = [(tag, single[tag].name, _part(tag, single[tag], zone)) for tag in single]
        self._properties = [(name, f.name, _value(f, zone)) for name, f in properties.items()]
        self._key_problem = _key_problem(properties)
        self._identify = IDENTIFIERS[options.key_kind]
        self.select = (
            *(field for _, field, _ in self._parts),
            *(field for _, field, _ in self._properties),
            identifier_field(fields).name,
        )

    def build(self, row: Values | None) -> tuple[str, dict[str, Any], int]:
        """(key, object, data points) of one row; RejectRow says why it cannot be sent."""
        if row is None:
            raise RejectRow("row is not an object")
        identity = identify_cell(row[-1], self._identify)
        if self._key_problem:
            raise RejectRow(self._key_problem)
        parts = {
            tag: _cell(convert, row[i], tag) for i, (tag, _, convert) in enumerate(self._parts)
        }
        properties = self._properties_of(row, len(self._parts))
        rules.check_properties(properties, self._options.properties_max_bytes)
        obj = self._object(identity, parts, properties)
        return event_key(obj, self._array), obj, rules.data_points(self._array, properties)

    def _properties_of(self, row: Values, offset: int) -> dict[str, Any]:
        found = {}
        for i, (name, _, convert) in enumerate(self._properties, offset):
            value = row[i]
            if value is None:
                continue
            try:
                found[name] = convert(value)
            except DropValue as exc:
                raise RejectRow(f"property '{name[:40]}': {exc.reason}") from None
        return found

    def _object(self, identity: str, parts: dict, properties: dict) -> dict[str, Any]:
        options = self._options
        who: Any = identity
        if options.key_kind == "user_alias":
            who = {"alias_name": identity, "alias_label": options.alias_label}
        obj: dict[str, Any] = {
            options.key_kind: who,
            "_update_existing_only": options.update_existing_only,
        }
        if self._array == rules.EVENTS:
            obj["name"] = _or_default(parts.get(tags.EVENT_NAME), options.event_name, "event name")
        else:
            obj["product_id"] = _required(parts, tags.PRODUCT_ID, "product id")
            obj["currency"] = _or_default(parts.get(tags.CURRENCY), options.currency, "currency")
            obj["price"] = _required(parts, tags.PRICE, "price")
            if parts.get(tags.QUANTITY) is not None:
                obj["quantity"] = parts[tags.QUANTITY]
        obj["time"] = _required(parts, tags.TIME, "time")
        if properties:
            obj["properties"] = properties
        return obj


def event_key(obj: dict[str, Any], array: str) -> str:
    """The event's identity: who, what, when and every detail sent, so the same row of a Look
    sent again (a re-run, a retry) has the same key, and any change makes a new event.
    ``_update_existing_only`` is left out: it says how Braze treats the user, not the event."""
    identity = {k: v for k, v in obj.items() if k != "_update_existing_only"}
    if array == rules.PURCHASES:
        identity.setdefault("quantity", 1)
    text = orjson.dumps([array, identity], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(text).hexdigest()[:KEY_CHARS]


# ---------------------------------------------------------------- the Look's fields


def _tagged(fields: Fields) -> tuple[dict[str, Field], dict[str, Field]]:
    """The field of each part's tag, and of each property, refusing ambiguous tags."""
    single: dict[str, Field] = {}
    properties: dict[str, Field] = {}
    for f in fields.fields:
        for tag in f.tags:
            name = tags.property_name(tag)
            if tag in tags.SINGLE_TAGS:
                _claim(single, tag, f, tag)
            elif name is not None:
                _claim(properties, name, f, f"braze_property[{name}]")
    return single, properties


def _claim(found: dict[str, Field], name: str, f: Field, tag: str) -> None:
    before = found.get(name)
    if before is not None and before.name != f.name:
        raise FailRun(f"Two fields are tagged {tag} ({before.name} and {f.name}): tag only one.")
    found[name] = f


def _require(single: dict[str, Field], options: EventOptions) -> None:
    missing = []
    if tags.TIME not in single:
        missing.append(f"'{tags.TIME}' on the field that says when each {options.noun} happened")
    if options.array == rules.EVENTS and tags.EVENT_NAME not in single and not options.event_name:
        missing.append(f"'{tags.EVENT_NAME}' on the event's name (or type an Event Name)")
    if options.array == rules.PURCHASES:
        for tag in (tags.PRODUCT_ID, tags.PRICE):
            if tag not in single:
                missing.append(f"'{tag}'")
        if tags.CURRENCY not in single and not options.currency:
            missing.append(f"'{tags.CURRENCY}' (or choose a Currency in the form)")
    if missing:
        raise FailRun(f"This Look cannot be sent as {options.noun}s: tag {'; '.join(missing)}.")


def _key_problem(properties: dict[str, Field]) -> str | None:
    """Why the properties' names cannot be sent (the same for every row), or None."""
    for name in properties:
        try:
            rules.check_property_key(name)
        except RejectRow as exc:
            return exc.reason
    return None


_PARTS: dict[str, Callable[[Any], Any]] = {
    tags.EVENT_NAME: rules.event_name,
    tags.PRODUCT_ID: rules.product_id,
    tags.PRICE: rules.price,
    tags.CURRENCY: rules.currency_code,
    tags.QUANTITY: rules.quantity,
}


def _part(tag: str, f: Field, zone) -> Converter:
    if tag != tags.TIME:
        return _PARTS[tag]
    if value_kind(f) == DATE:
        return _midnight
    return instant_converter(zone)


def _midnight(value: Any) -> str:
    return f"{to_day(value)}T00:00:00Z"


def _value(f: Field, zone) -> Converter:
    """A property's converter, as the flag action's attributes: a point in time in UTC."""
    return converter_for(f, zone)


def _cell(convert: Converter, value: Any, tag: str) -> Any:
    """A part's value; None for an empty cell (the row may take the form's default)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        converted = convert(value)
    except DropValue as exc:
        raise RejectRow(f"{_WHAT[tag]}: {exc.reason}") from None
    if tag == tags.TIME and len(converted) == 10:  # a day alone: Braze reads midnight UTC
        converted += "T00:00:00Z"
    return converted


_WHAT = {tags.TIME: "time", tags.EVENT_NAME: "event name", tags.PRODUCT_ID: "product id",
         tags.PRICE: "price", tags.CURRENCY: "currency", tags.QUANTITY: "quantity"}  # fmt: skip


def _required(parts: dict, tag: str, what: str) -> Any:
    value = parts.get(tag)
    if value is None:
        raise RejectRow(f"no {what}")
    return value


def _or_default(value: Any, default: Any, what: str) -> Any:
    if value is None:
        value = default
    if value is None:
        raise RejectRow(f"no {what}")
    return value
