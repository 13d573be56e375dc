"""The tag grammar of the Braze actions, in one place for the action, `check` and the LookML check.

- ``braze_id`` marks the field that identifies the user (exactly one field; exact spelling, as
  Looker's ``required_fields`` matches it).
- ``braze[<name>]`` sets attribute ``<name>``. The prefix matches in any case, as the reference
  hub's pattern does (``/(?<=braze\\[)(.*)(?=\\])/gi``), so ``BRAZE[region]`` sets ``region``; the
  name inside keeps its case (Braze attribute names are case-sensitive).
- Any other tag starting with "braze" (in any case) is malformed: ignored and reported; except
  the tags of the other Braze actions, whose own modules read them (a Look may be sent to
  several actions): braze_subscriptions' (``OTHER_ACTIONS``), braze_trigger's and
  braze_catalog's (trigger/tags.py, catalog/tags.py).
"""

from __future__ import annotations

import re

from looker_braze.actions.braze.catalog.tags import is_catalog_tag
from looker_braze.actions.braze.subscriptions import tags as subscription_tags
from looker_braze.actions.braze.trigger.tags import is_trigger_tag

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
    if not tag.lower().startswith("braze") or tag == ID_TAG:
        return False
    if tag in OTHER_ACTIONS or is_trigger_tag(tag) or is_catalog_tag(tag):
        return False
    return attribute_name(tag) is None
