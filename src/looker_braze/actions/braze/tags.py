"""The tag grammar of the Braze actions, in one place for the action, `check` and the LookML check.

- ``braze_id`` marks the field that identifies the user (exactly one field; exact spelling, as
  Looker's ``required_fields`` matches it).
- ``braze[<name>]`` sets attribute ``<name>``. The prefix matches in any case, as the reference
  hub's pattern does (``/(?<=braze\\[)(.*)(?=\\])/gi``), so ``BRAZE[region]`` sets ``region``; the
  name inside keeps its case (Braze attribute names are case-sensitive).
- Tags another Braze action reads (``OTHER_ACTIONS``: a Look may be sent to several actions)
  are not this action's: ignored, and not malformed.
- Any other tag starting with "braze" (in any case) is malformed: ignored and reported.
"""

from __future__ import annotations

import re

from looker_braze.actions.braze.subscriptions import tags as subscription_tags

ID_TAG = "braze_id"
# tag -> the action that reads it
OTHER_ACTIONS = dict.fromkeys(subscription_tags.TAGS, subscription_tags.ACTION)
_ATTRIBUTE = re.compile(r"braze\[([^\[\]]+)\]", re.IGNORECASE)


def attribute_name(tag: str) -> str | None:
    """The attribute a ``braze[<name>]`` tag sets, or None for any other tag."""
    match = _ATTRIBUTE.fullmatch(tag)
    return match.group(1) if match else None


def is_malformed(tag: str) -> bool:
    """A tag meant for Braze (it starts with "braze") that the grammar cannot read."""
    return (
        tag.lower().startswith("braze")
        and tag != ID_TAG
        and tag not in OTHER_ACTIONS
        and attribute_name(tag) is None
    )
