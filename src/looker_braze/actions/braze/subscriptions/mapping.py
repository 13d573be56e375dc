"""From a Look's rows to (identifier, group, state): which fields, and what each row means.

The identifier is read as the flag action reads it (actions/braze/mapping.py: the same Unique
Key rules, phones made E.164 by braze/phones.py). A row's group and state come from its fields
tagged ``braze_subscription_group`` / ``braze_subscription_state`` when those cells are not
empty, else from the form; a row left with neither is rejected with the reason.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from looker_braze.actions.braze.mapping import identifier_field, identifier_of
from looker_braze.actions.braze.subscriptions.options import SubscriptionOptions
from looker_braze.actions.braze.subscriptions.tags import GROUP_TAG, STATE_TAG
from looker_braze.braze.subscriptions import group_id, subscription_state
from looker_braze.errors import FailRun, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import Field, Fields

NO_GROUP = f"no subscription group (empty {GROUP_TAG} cell and none in the form)"
NO_STATE = f"no subscription state (empty {STATE_TAG} cell and none in the form)"


class Subscription(NamedTuple):
    identifier: str
    group: str
    state: str


class SubscriptionMapper:
    def __init__(self, fields: Fields, options: SubscriptionOptions) -> None:
        if fields.is_pivoted:
            raise FailRun(
                "This Look is pivoted: the Braze Subscriptions action needs one row per user and "
                "group. Remove the pivot and send again."
            )
        self.id_field = identifier_field(fields).name
        group_field = _tagged_once(fields, GROUP_TAG)
        state_field = _tagged_once(fields, STATE_TAG)
        if group_field is None and options.group is None:
            raise FailRun(
                "No subscription group: choose one in the form (Subscription Group ID), or tag "
                f"the field that holds each row's group '{GROUP_TAG}'."
            )
        if state_field is None and options.state is None:
            raise FailRun(
                "No subscription state: choose subscribed or unsubscribed in the form, or tag "
                f"the field that holds each row's state '{STATE_TAG}'."
            )
        self.group_field = group_field.name if group_field else None
        self.state_field = state_field.name if state_field else None
        self._options = options
        # Rows come as the values of these fields, in this order.
        self.select = tuple(
            name for name in (self.id_field, self.group_field, self.state_field) if name
        )
        self._memo: dict[tuple[str, Any], str | RejectRow] = {}  # few distinct groups, states

    def subscription(self, row: Values | None) -> Subscription:
        """The row's user, group and state; RejectRow with the reason when it has none."""
        if row is None:
            raise RejectRow("row is not an object")
        identifier = identifier_of(self._options.key_kind, row[0])
        position = 1
        group = self._options.group
        if self.group_field is not None:
            group = self._cell(GROUP_TAG, row[position], group_id) or group
            position += 1
        state = self._options.state
        if self.state_field is not None:
            state = self._cell(STATE_TAG, row[position], subscription_state) or state
        if group is None:
            raise RejectRow(NO_GROUP)
        if state is None:
            raise RejectRow(NO_STATE)
        return Subscription(identifier, group, state)

    def _cell(self, tag: str, value: Any, check) -> str | None:
        """The cell's group or state; None when empty (the form's applies); RejectRow when
        invalid. Results are remembered: a Look repeats a handful of groups and states."""
        if value is None or (type(value) is str and not value.strip()):
            return None
        key = (tag, value)
        found = self._memo.get(key) if type(value) is str else None
        if found is None:
            try:
                found = check(value)
            except RejectRow as exc:
                found = exc
            if type(value) is str and len(self._memo) < 4096:
                self._memo[key] = found
        if isinstance(found, RejectRow):
            raise RejectRow(found.reason)
        return found


def _tagged_once(fields: Fields, tag: str) -> Field | None:
    tagged = [f for f in fields.fields if tag in f.tags]
    if len(tagged) > 1:
        names = ", ".join(f.name for f in tagged)
        raise FailRun(f"Several fields are tagged '{tag}' ({names}): tag at most one.")
    return tagged[0] if tagged else None
