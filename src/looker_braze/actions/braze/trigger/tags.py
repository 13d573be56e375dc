"""The tag grammar of braze_trigger, for the action and `check`.

- ``braze_id`` marks the recipient's identifier field (the flag action's tag, tags.py).
- ``braze_trigger[<name>]`` makes the field's value the recipient's property ``<name>``: in a
  campaign's ``trigger_properties`` ({{api_trigger_properties.${name}}}), in a Canvas's
  ``context`` ({{context.${name}}}). The prefix matches in any case, as ``braze[...]`` does; the
  name keeps its case (Liquid keys are case-sensitive).
"""

from __future__ import annotations

import re

PROPERTY_TAG = "braze_trigger[<name>]"
_PROPERTY = re.compile(r"braze_trigger\[([^\[\]]+)\]", re.IGNORECASE)


def property_name(tag: str) -> str | None:
    """The property a ``braze_trigger[<name>]`` tag sets, or None for any other tag."""
    match = _PROPERTY.fullmatch(tag)
    return match.group(1).strip() or None if match else None


def is_trigger_tag(tag: str) -> bool:
    """A tag meant for this action (well formed or not)."""
    return tag.lower().startswith("braze_trigger")
