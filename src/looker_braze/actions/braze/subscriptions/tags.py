"""The tags of the braze_subscriptions action, in one place for the action and `check`.

- ``braze_id`` (the flag action's tag, actions/braze/tags.py) marks the user's identifier.
- ``braze_subscription_group`` marks a field holding a subscription group id (a UUID), and
  ``braze_subscription_state`` one holding ``subscribed`` or ``unsubscribed`` (any case). Each is
  optional: a row's non-empty cell overrides the group or state chosen in the form, an empty
  cell takes the form's. Exact spelling, as ``braze_id``.
"""

from __future__ import annotations

ACTION = "braze_subscriptions"
GROUP_TAG = "braze_subscription_group"
STATE_TAG = "braze_subscription_state"
TAGS = (GROUP_TAG, STATE_TAG)  # beside braze_id; imports nothing, see __init__.py
