"""The tag grammar of the events action (``braze_events``), in one place for the action and
`check`.

- ``braze_id`` marks the user's identifier, as for the flag action (tags.py's ID_TAG);
- ``braze_event_name`` the event's name (else the form's Event Name), ``braze_time`` when it
  happened, ``braze_property[<name>]`` a property (name kept as written: Braze's are
  case-sensitive; the prefix matches in any case, as ``braze[...]`` does);
- purchases: ``braze_product_id``, ``braze_price``, ``braze_currency`` (else the form's
  Currency), ``braze_quantity`` (else 1).
The flag action's ``braze[<attribute>]`` tags are left alone (a Look may serve both actions); any
other tag starting with "braze" is malformed: ignored and reported.
"""

from __future__ import annotations

import re

from looker_braze.actions.braze.tags import ID_TAG, attribute_name

EVENT_NAME = "braze_event_name"
TIME = "braze_time"
PRODUCT_ID = "braze_product_id"
PRICE = "braze_price"
CURRENCY = "braze_currency"
QUANTITY = "braze_quantity"
SINGLE_TAGS = (EVENT_NAME, TIME, PRODUCT_ID, PRICE, CURRENCY, QUANTITY)
PURCHASE_TAGS = (PRODUCT_ID, PRICE, CURRENCY, QUANTITY)
_PROPERTY = re.compile(r"braze_property\[([^\[\]]+)\]", re.IGNORECASE)


def property_name(tag: str) -> str | None:
    """The property a ``braze_property[<name>]`` tag sets, or None for any other tag."""
    match = _PROPERTY.fullmatch(tag)
    return match.group(1) if match else None


def is_malformed(tag: str) -> bool:
    """A tag meant for Braze that neither this grammar nor the flag action's can read."""
    if not tag.lower().startswith("braze") or tag == ID_TAG or tag in SINGLE_TAGS:
        return False
    return property_name(tag) is None and attribute_name(tag) is None
