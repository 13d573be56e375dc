"""From a Look's rows to Braze recipient objects.

The field tagged ``braze_id`` names the user (the Unique Key says how: identifier_of, the flag
action's rule); each field tagged ``braze_trigger[<name>]`` gives property ``<name>``, converted by
the field's Looker type as the flag action converts attributes (values.py). Null cells are left
out. A recipient whose properties exceed Braze's 50 KB is rejected with that reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from looker_braze.actions.braze.mapping import identifier_field, identifier_of, look_zone
from looker_braze.actions.braze.trigger.options import TriggerOptions
from looker_braze.actions.braze.trigger.tags import is_trigger_tag, property_name
from looker_braze.actions.braze.values import TIME, Converter, converter_for, value_kind
from looker_braze.braze.triggers import MAX_PROPERTIES_BYTES, properties_size, recipient
from looker_braze.errors import DropValue, FailRun, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import Fields


@dataclass(frozen=True)
class PropertyColumn:
    name: str
    field: str
    prepare: Converter


@dataclass(frozen=True)
class Recipient:
    key: str  # how the state store names the user: "<kind>:<identifier>"
    shown: str  # how the dry run lists the user
    obj: dict[str, Any]  # the recipient object, as Braze receives it


class RecipientMapper:
    def __init__(self, fields: Fields, options: TriggerOptions, time_zone: str | None) -> None:
        if fields.is_pivoted:
            raise FailRun(
                "This Look is pivoted: a trigger needs one row per user. Remove the pivot and "
                "send again."
            )
        self.id_field = identifier_field(fields).name
        self.columns = _property_columns(fields, time_zone)
        self.ignored_tags = tuple(
            f"{f.name}: {tag}"
            for f in fields.fields
            for tag in f.tags
            if is_trigger_tag(tag) and property_name(tag) is None
        )
        self.select = (*(c.field for c in self.columns), self.id_field)
        self._options = options
        self.dropped: Counter = Counter()  # (property, reason) -> values left out

    def recipient(self, row: Values | None) -> Recipient:
        """The row's recipient; RejectRow when its identifier or properties cannot be sent."""
        if row is None:
            raise RejectRow("row is not an object")
        options = self._options
        identifier = identifier_of(options.key_kind, row[-1])
        obj = recipient(
            options.key_kind,
            identifier,
            alias_label=options.alias_label,
            prioritization=options.prioritization,
        )
        properties = self._properties(row)
        if properties:
            if properties_size(properties) > MAX_PROPERTIES_BYTES:
                raise RejectRow(f"properties over {MAX_PROPERTIES_BYTES // 1024} KB")
            obj[options.target.properties_field] = properties
        return Recipient(_ledger_key(options, identifier), identifier, obj)

    def _properties(self, row: Values) -> dict[str, Any]:
        properties = {}
        for column, value in zip(self.columns, row, strict=False):
            if value is None:
                continue
            try:
                properties[column.name] = column.prepare(value)
            except DropValue as exc:
                self.dropped[(column.name, exc.reason)] += 1
        return properties


def _property_columns(fields: Fields, time_zone: str | None) -> tuple[PropertyColumn, ...]:
    columns: dict[str, PropertyColumn] = {}
    for f in fields.fields:
        for tag in f.tags:
            name = property_name(tag)
            if name is None or (name in columns and columns[name].field == f.name):
                continue
            if name in columns:
                raise FailRun(
                    f"Two fields are tagged braze_trigger[{name}] ({columns[name].field} and "
                    f"{f.name}): tag only one."
                )
            # Date-times are read in the Look's zone and sent in UTC, as attributes are.
            convert = converter_for(f, look_zone(time_zone)) if value_kind(f) == TIME else None
            columns[name] = PropertyColumn(name, f.name, convert or converter_for(f))
    return tuple(columns.values())


def _ledger_key(options: TriggerOptions, identifier: str) -> str:
    """How the state store names a recipient: an alias with its label; an email in lower case
    (sent as the Look has it, but one address whatever its case, so a Look that changes the
    case of an address never messages its user twice)."""
    if options.key_kind == "user_alias":
        return f"user_alias:{options.alias_label}|{identifier}"
    if options.key_kind == "email":
        return f"email:{identifier.lower()}"
    return f"{options.key_kind}:{identifier}"
