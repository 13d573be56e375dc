"""The tags of the braze_subscriptions action, in one place for the action and `check`.

- ``braze_id`` (the flag action's tag, actions/braze/tags.py) marks the user's identifier.
- ``braze_subscription_group`` marks a field holding a subscription group id (a UUID), and
  ``braze_subscription_state`` one holding ``subscribed`` or ``unsubscribed`` (any case). Each is
  optional: a row's non-empty cell overrides the group or state chosen in the form, an empty
  cell takes the form's. Exact spelling, as ``braze_id``.
"""

from __future__ import annotations

from looker_braze.actions.braze.tags import ID_TAG

GROUP_TAG = "braze_subscription_group"
STATE_TAG = "braze_subscription_state"
TAGS = (ID_TAG, GROUP_TAG, STATE_TAG)


def is_subscription_tag(tag: str) -> bool:
    return tag in (GROUP_TAG, STATE_TAG)
