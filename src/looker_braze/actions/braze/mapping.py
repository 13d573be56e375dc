"""From a Look's fields and rows to Braze attribute objects.

The one field tagged ``braze_id`` identifies the user (how, the form's Unique Key says); each
field tagged ``braze[<name>]`` sets attribute ``<name>`` (the grammar is tags.py's). Null cells are
left out: sent as null they would erase the attribute in Braze. Tags the hub cannot use
(malformed, or a name longer than Braze takes) are left out and listed in ``ignored_tags`` for the
answer. Date-times are read in the Look's time zone (``RunOptions.time_zone``, values.py says how).

The mapper reads rows as the hub hands them over: the values of the fields in ``select`` (the
tagged attributes' fields in column order, then the identifier's), so a cell is a tuple index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any

from looker_braze.actions.braze.objects import Head, ObjectBuilder
from looker_braze.actions.braze.options import RunOptions
from looker_braze.actions.braze.tags import ID_TAG, attribute_name, is_malformed
from looker_braze.actions.braze.values import (
    TIME,
    Converter,
    converter_for,
    ready_types,
    value_kind,
)
from looker_braze.braze.attributes import (
    IDENTIFIER_NAMES,
    MAX_STRING,
    STANDARD,
    UNBILLED,
    attribute_name_fits,
    standard_check,
)
from looker_braze.braze.emails import normalise_email
from looker_braze.braze.phones import normalise_phone
from looker_braze.braze.time_zones import iana_zone
from looker_braze.errors import DropValue, FailRun, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import Field, Fields

_BRAZE_ID = re.compile(r"[0-9a-f]{24}")


@dataclass(frozen=True)
class AttributeColumn:
    attribute: str
    field: str
    prepare: Converter  # Looker value -> Braze value, DropValue when it cannot be sent
    ready: frozenset[type]  # types of Looker values that are sent as they are
    billable: bool


@dataclass
class ValueNotes:
    """Values left out or changed, by attribute and reason, for the run's message."""

    dropped: Counter = field(default_factory=Counter)
    truncated: Counter = field(default_factory=Counter)


class RowMapper:
    def __init__(self, fields: Fields, options: RunOptions) -> None:
        if fields.is_pivoted:
            raise FailRun(
                "This Look is pivoted: the Braze action needs one row per user. Remove the pivot "
                "and send again."
            )
        self.id_field = identifier_field(fields).name
        self.columns = _attribute_columns(fields, options)
        self.ignored_tags = ignored_tags(fields)
        self._identify_text = IDENTIFIERS[options.key_kind]
        # Rows come with the attributes' fields in column order, then the identifier's.
        self.select = (*(c.field for c in self.columns), self.id_field)
        head = Head(
            identity_key=options.key_kind,
            alias_label=options.alias_label,
            update_existing_only=options.update_existing_only,
            array_attribute=options.array_attribute,
            label=options.label,
        )
        self._objects = ObjectBuilder(head, self.columns)

    def identifier(self, row: Values | None) -> str:
        """The user's identifier in this row; RejectRow when it is missing or invalid."""
        if row is None:
            raise RejectRow("row is not an object")
        return identify_cell(row[-1], self._identify_text)

    def build_many(
        self, rows: Sequence[Values], identifiers: Sequence[str], notes: ValueNotes
    ) -> list[tuple[dict[str, Any], int]]:
        """(attribute object, data points) for each row, whose identifier is given."""
        return self._objects.build(rows, identifiers, notes)

    def build(self, row: Values, identifier: str, notes: ValueNotes) -> tuple[dict[str, Any], int]:
        """One row's object and data points (check's row-by-row tally)."""
        return self._objects.build((row,), (identifier,), notes)[0]


def identify_cell(value: Any, identify_text: Callable[[str], str]) -> str:
    """The identifier in a cell, by the Unique Key's rule (one of IDENTIFIERS); RejectRow when it
    is missing or invalid."""
    if type(value) is str:  # the usual case, kept short: it runs for every row
        text = value.strip()  # CHAR columns pad with spaces
        if not text:
            raise RejectRow("empty identifier")
        return identify_text(text)
    if value is None:
        raise RejectRow("empty identifier")
    return identify_text(_text(value))


def identifier_field(
    fields: Fields, tag: str = ID_TAG, holds: str = "the user's identifier"
) -> Field:
    """The one field tagged ``tag`` (braze_id: the user's identifier; other actions name what
    theirs ``holds``); FailRun saying how to fix a Look without or with several."""
    tagged = [f for f in fields.fields if tag in f.tags]
    if not tagged:
        raise FailRun(
            f"No field of this Look is tagged '{tag}'. In LookML, add tags: [\"{tag}\"] to "
            f"the dimension that holds {holds}, and include it in the Look."
        )
    if len(tagged) > 1:
        names = ", ".join(f.name for f in tagged)
        raise FailRun(f"Several fields are tagged '{tag}' ({names}): tag exactly one.")
    return tagged[0]


def _attribute_columns(fields: Fields, options: RunOptions) -> tuple[AttributeColumn, ...]:
    reserved = IDENTIFIER_NAMES | {options.array_attribute, options.key_kind}
    columns: dict[str, AttributeColumn] = {}
    for f in fields.fields:
        for tag in f.tags:
            name = usable_attribute_name(tag)
            if name is None:
                continue
            if name in reserved:
                raise FailRun(
                    f"Field {f.name} is tagged braze[{name}], but '{name}' is the identifier or "
                    "the "
                    "export attribute of this send: remove the tag or choose another name."
                )
            if name in columns and columns[name].field == f.name:
                continue  # the same tag twice on one field says nothing new
            if name in columns:
                raise FailRun(
                    f"Two fields are tagged braze[{name}] ({columns[name].field} and {f.name}): "
                    "tag only one."
                )
            convert = _converter(f, name, options)
            columns[name] = AttributeColumn(
                attribute=name,
                field=f.name,
                prepare=_preparer(name, convert),
                ready=ready_types(convert, standard_check(name)),
                billable=name not in UNBILLED,
            )
    return tuple(columns.values())


def _converter(f: Field, name: str, options: RunOptions) -> Converter:
    if value_kind(f) != TIME:
        return converter_for(f)
    standard = STANDARD.get(name)
    if standard is not None and standard.calendar_date:
        return converter_for(f, None)  # the day the Look names (dob), not the UTC one
    return converter_for(f, look_zone(options.time_zone))


def look_zone(name: str | None) -> tzinfo:
    """The Look's time zone; FailRun when its name is not an IANA zone. Asked only for a Look
    with date-times to send, so that a Look without them sends whatever the zone."""
    zone = iana_zone(name) if name else UTC  # no zone given: Looker's default, UTC
    if zone is None:
        raise FailRun(
            f"The Look's time zone '{name}' is not an IANA time zone name (e.g. America/New_York),"
            " so its date-times cannot be read: set the Look's time zone in Looker, or remove the "
            "braze[...] tags from its date-time fields."
        )
    return zone


def _preparer(name: str, convert: Converter) -> Converter:
    check = standard_check(name)
    return convert if check is None else lambda value: check(convert(value))


def usable_attribute_name(tag: str) -> str | None:
    """The attribute a ``braze[<name>]`` tag sets, or None: not such a tag, or a name Braze
    does not take (longer than 255 characters)."""
    name = attribute_name(tag)
    return name if name is not None and attribute_name_fits(name) else None


def malformed_tags(fields: Fields) -> tuple[tuple[Field, str], ...]:
    """(field, tag) of every tag meant for Braze that the grammar cannot read."""
    return tuple((f, tag) for f in fields.fields for tag in f.tags if is_malformed(tag))


def long_name_tags(fields: Fields) -> tuple[tuple[Field, str], ...]:
    """(field, tag) of every ``braze[<name>]`` tag whose name is too long for Braze."""
    return tuple(
        (f, tag)
        for f in fields.fields
        for tag in f.tags
        if attribute_name(tag) is not None and usable_attribute_name(tag) is None
    )


def ignored_tags(fields: Fields) -> tuple[str, ...]:
    """What the answer lists as ignored: "field: tag", long names shortened."""
    malformed = [f"{f.name}: {tag}" for f, tag in malformed_tags(fields)]
    long = [
        f"{f.name}: {tag[:40]}...] (attribute name over {MAX_STRING} characters)"
        for f, tag in long_name_tags(fields)
    ]
    return tuple(malformed + long)


# ---------------------------------------------------------------- identifiers by kind


def _text(value: Any) -> str:
    """A non-text identifier cell as text (Looker numbers ids when the column is numeric)."""
    if isinstance(value, bool):
        raise RejectRow("identifier is a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict | list):
        raise RejectRow("identifier is not a single value")
    return str(value).strip()


def _plain(text: str) -> str:
    if not text:
        raise RejectRow("empty identifier")
    if "\x00" in text:  # neither Braze nor the state store can keep it
        raise RejectRow("identifier contains a NUL character")
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:  # a lone surrogate: legal in JSON text, not in UTF-8
            raise RejectRow("identifier is not valid Unicode text") from None
    return text


def _braze_id(text: str) -> str:
    text = text.lower()
    if not _BRAZE_ID.fullmatch(text):
        raise RejectRow("not a Braze id (24 hex characters)")
    return text


def _email(text: str) -> str:
    try:
        return normalise_email(_plain(text))
    except DropValue as exc:
        raise RejectRow(f"invalid email: {exc.reason}") from None


def _phone(text: str) -> str:
    try:
        return normalise_phone(_plain(text))
    except DropValue as exc:
        raise RejectRow(f"invalid phone: {exc.reason}") from None


def identifier_of(key_kind: str, value: Any) -> str:
    """The identifier a cell holds, for a Unique Key kind; RejectRow when missing or invalid."""
    return identify_cell(value, IDENTIFIERS[key_kind])


# Each takes the identifier as stripped text.
IDENTIFIERS: dict[str, Callable[[str], str]] = {
    "external_id": _plain,
    "braze_id": _braze_id,
    "user_alias": _plain,
    "email": _email,
    "phone": _phone,
}
