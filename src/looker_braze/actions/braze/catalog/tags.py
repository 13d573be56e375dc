"""The catalog action's tag grammar, in one place for the action and `check`.

- ``braze_catalog_id`` marks the field that holds each item's id (exactly one field; exact
  spelling, as Looker's ``required_fields`` matches it).
- ``braze_catalog[<field>]`` sets the item's field ``<field>``. The prefix matches in any case, as
  the flag action's ``braze[...]`` does; the field name keeps its case (Braze's field names are
  case-sensitive).
- Any other tag starting with "braze_catalog" (in any case) is malformed: ignored and reported.
"""

from __future__ import annotations

import re

ID_TAG = "braze_catalog_id"
PREFIX = "braze_catalog"
_FIELD = re.compile(r"braze_catalog\[([^\[\]]+)\]", re.IGNORECASE)


def field_name(tag: str) -> str | None:
    """The catalog field a ``braze_catalog[<field>]`` tag sets, or None for any other tag."""
    match = _FIELD.fullmatch(tag)
    return match.group(1) if match else None


def is_catalog_tag(tag: str) -> bool:
    """A tag of this grammar, well formed or not (the flag action leaves them alone)."""
    return tag.lower().startswith(PREFIX)


def is_malformed(tag: str) -> bool:
    return is_catalog_tag(tag) and tag != ID_TAG and field_name(tag) is None
