"""The tag grammar of the Braze actions, in one place for the action, `check` and the LookML check.

- ``braze_id`` marks the field that identifies the user (exactly one field; exact spelling, as
  Looker's ``required_fields`` matches it).
- ``braze[<name>]`` sets attribute ``<name>``. The prefix matches in any case, as the reference
  hub's pattern does (``/(?<=braze\\[)(.*)(?=\\])/gi``), so ``BRAZE[region]`` sets ``region``; the
  name inside keeps its case (Braze attribute names are case-sensitive).
- Any other tag starting with "braze" (in any case) is malformed: ignored and reported.
"""

from __future__ import annotations

import re

from looker_braze.actions.braze.catalog.tags import is_catalog_tag

ID_TAG = "braze_id"
_ATTRIBUTE = re.compile(r"braze\[([^\[\]]+)\]", re.IGNORECASE)


def attribute_name(tag: str) -> str | None:
    """The attribute a ``braze[<name>]`` tag sets, or None for any other tag."""
    match = _ATTRIBUTE.fullmatch(tag)
    return match.group(1) if match else None


def is_malformed(tag: str) -> bool:
    """A tag meant for Braze (it starts with "braze") that the grammar cannot read; the tags of
    the other Braze actions' grammars are theirs."""
    return (
        tag.lower().startswith("braze")
        and tag != ID_TAG
        and attribute_name(tag) is None
        and not is_catalog_tag(tag)
    )
