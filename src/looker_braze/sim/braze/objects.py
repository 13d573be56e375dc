"""Reading one object of a ``/users/track`` request into a plan, or rejecting it.

Nothing is applied here, so a rejected object leaves no trace. Identifier rules:
- primary identifiers: external_id, braze_id, user_alias (alias_name AND alias_label);
  more than one in an object rejects it;
- without a primary, email (else phone) finds the user; with one, they are plain attributes;
- ``_update_existing_only`` defaults to false for external_id, email and phone (a missing user is
  created) and true for user_alias (send false to create an alias-only profile); braze_id never
  creates a user. A missing user under update-only is not an error: Braze reports nothing.
- an external id on the workspace's blocklist rejects the object (BLOCKLISTED, Braze's text);
- email and phone find users as Braze stores them (fields.py: a phone by its digits).
Data points: one per attribute (null too), one per value in an array add/remove, identifiers
and subscription states free.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from looker_braze.errors import RejectRow
from looker_braze.sim.braze.fields import (
    CONTACT_FIELDS,
    FREE_FIELDS,
    STANDARD_FIELDS,
    UNCHANGED,
)
from looker_braze.sim.braze.values import (
    ARRAY,
    OBJECTS,
    custom_operation,
    dict_operation,
    invalid,
)

# Field operations besides values.py's custom ones.
FIELD, CONTACT = 10, 11

MISSING_IDENTIFIER = (
    "one of 'external_id', 'braze_id', 'user_alias', 'email' or 'phone' is required"
)
SEVERAL_PRIMARIES = "only one of 'external_id', 'braze_id' or 'user_alias' may be given"
BAD_ALIAS = "'user_alias' needs both 'alias_name' and 'alias_label' as strings"
NOT_AN_OBJECT = "the object is not valid: a JSON object was expected"
BLOCKLISTED = "provided external_id is blacklisted and disallowed"  # Braze's words
NO_BLOCKLIST: frozenset[str] = frozenset()
CONTROL_KEYS = frozenset(
    {
        "external_id",
        "braze_id",
        "user_alias",
        "_update_existing_only",
        "push_token_import",
        "_merge_objects",
    }
)
_UPDATE_ONLY_BY_DEFAULT = frozenset({"braze_id", "user_alias"})


class Plan(NamedTuple):
    """What one valid object asks for."""

    kind: str  # the identifier that finds the user
    key: Any  # its value (a (name, label) tuple for user_alias)
    update_only: bool
    ops: list  # (attribute, operation, type, payload)
    data_points: int
    merge_objects: bool = False


def plan_attributes(obj: Any, blocklist: frozenset[str] = NO_BLOCKLIST) -> Plan:
    """The plan of one attributes object; raises RejectRow with Braze's error text."""
    if type(obj) is not dict:
        raise RejectRow(NOT_AN_OBJECT)
    kind, key = identify(obj, blocklist)
    ops = []
    points = 0
    # This runs for every object received, hence one loop with the data point rule inline.
    for name, value in obj.items():
        if name in CONTROL_KEYS or name == kind:
            continue
        if name in STANDARD_FIELDS:
            stored = STANDARD_FIELDS[name](name, value)
            if stored is not UNCHANGED:
                ops.append((name, CONTACT if name in CONTACT_FIELDS else FIELD, None, stored))
            points += name not in FREE_FIELDS
            continue
        op = dict_operation(name, value) if type(value) is dict else custom_operation(name, value)
        ops.append(op)
        code = op[1]
        if code == ARRAY:
            points += len(op[3][0]) + len(op[3][1])
        else:
            points += len(op[3]) if code == OBJECTS else 1
    merge = obj.get("_merge_objects", False)
    if type(merge) is not bool:
        raise invalid("_merge_objects")
    # tuple.__new__ builds the named tuple in C: Plan(...) costs more than the whole lookup.
    return _new_plan(Plan, (kind, key, update_only(obj, kind), ops, points, merge))


_new_plan = tuple.__new__


def identify(obj: dict, blocklist: frozenset[str] = NO_BLOCKLIST) -> tuple[str, Any]:
    """(kind, value) of the identifier that finds the user of ``obj``."""
    has_external_id = "external_id" in obj
    if has_external_id + ("braze_id" in obj) + ("user_alias" in obj) > 1:
        raise RejectRow(SEVERAL_PRIMARIES)
    if has_external_id:
        external_id = obj["external_id"]
        if type(external_id) is not str or not external_id:
            raise invalid("external_id")
        if blocklist and external_id in blocklist:
            raise RejectRow(BLOCKLISTED)
        return "external_id", external_id
    if "braze_id" in obj:
        return "braze_id", _identifier(obj, "braze_id")
    if "user_alias" in obj:
        return "user_alias", _alias(obj["user_alias"])
    for kind in ("email", "phone"):
        if obj.get(kind) is not None:
            return kind, STANDARD_FIELDS[kind](kind, obj[kind])
    raise RejectRow(MISSING_IDENTIFIER)


def _identifier(obj: dict, kind: str) -> str:
    value = obj[kind]
    if type(value) is not str or not value:
        raise invalid(kind)
    return value


def _alias(alias: Any) -> tuple[str, str]:
    if type(alias) is not dict:
        raise RejectRow(BAD_ALIAS)
    name, label = alias.get("alias_name"), alias.get("alias_label")
    if type(name) is not str or type(label) is not str or not name or not label:
        raise RejectRow(BAD_ALIAS)
    return name, label


def update_only(obj: dict, kind: str) -> bool:
    flag = obj.get("_update_existing_only")
    if type(flag) is bool:
        return flag
    if flag is None:
        return kind in _UPDATE_ONLY_BY_DEFAULT
    raise invalid("_update_existing_only")
