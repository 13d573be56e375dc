"""How an audience member is written in the state store: "<identifier kind>:<identifier>", and
for an alias "user_alias:<alias label>\\x1f<alias name>". One grammar for the action that records
members and the export that reads them back.
"""

from __future__ import annotations

from typing import Any, NamedTuple

ALIAS = "user_alias"
_SEPARATOR = "\x1f"  # between alias label and alias name: a control character ids never hold


class MemberParts(NamedTuple):
    kind: str  # external_id, braze_id, email, phone or user_alias
    identifier: str  # the id, address or number; for an alias, its name
    alias_label: str | None = None


def member_key(kind: str, identifier: str, alias_label: str) -> str:
    if kind == ALIAS:
        return f"{ALIAS}:{alias_label}{_SEPARATOR}{identifier}"
    return f"{kind}:{identifier}"


def member_parts(member: str) -> MemberParts:
    kind, _, value = member.partition(":")
    if kind == ALIAS:
        label, _, name = value.partition(_SEPARATOR)
        return MemberParts(kind, name, label)
    return MemberParts(kind, value)


def identity_of(member: str) -> dict[str, Any]:
    """The identifier part of a users/track object for a stored member."""
    parts = member_parts(member)
    if parts.kind == ALIAS:
        return {ALIAS: {"alias_name": parts.identifier, "alias_label": parts.alias_label}}
    return {parts.kind: parts.identifier}
