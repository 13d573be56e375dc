"""The simulated workspace's data: profiles stored by attribute, custom attribute types, array
membership counts for segments, event and purchase counts.

Storage is by column (attribute -> {user: value}) so that a million users flagged with one array
attribute cost one dict entry and one small tuple each. ArrayMembers keeps, per array attribute,
how many profiles include each value (what a Braze "includes value" segment counts) and one
shared copy of each value, so a label held by a million users is one string.

Array semantics (Braze's): values are unique; adding a present value moves it to the end; a full
array evicts its OLDEST value to make room; in one object, removals apply before additions.
A custom attribute's type is fixed by its first value: a value of another type is dropped (the
rest of the object applies; Braze answers success), and counted in the stats.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from looker_braze.sim.braze.events import Occurrence, Occurrences
from looker_braze.sim.braze.fields import STANDARD_FIELDS
from looker_braze.sim.braze.identities import Identities
from looker_braze.sim.braze.objects import CONTACT, FIELD, Plan
from looker_braze.sim.braze.values import ARRAY, INC, OBJECTS, REMOVE, SET

NOT_FOUND = None  # apply_attributes: no such user and none created


class Workspace:
    def __init__(self, array_cap: int) -> None:
        self.array_cap = array_cap
        self.identities = Identities()
        self.columns: dict[str, dict[int, Any]] = {}
        self.types: dict[str, str] = {}
        self.array_members: dict[str, ArrayMembers] = {}
        self.events: dict[int, dict[str, int]] = {}
        self.purchases: dict[int, dict[str, int]] = {}
        self.occurrences = Occurrences()  # every event and purchase, as received

    # -- writing -------------------------------------------------------------------------------

    def _user(self, kind: str, key: Any, update_only: bool) -> int | None:
        uid = self.identities.find(kind, key)
        if uid is None and not update_only and kind != "braze_id":
            uid = self.identities.create(kind, key)
        return uid

    def apply_attributes(self, plan: Plan) -> list[str] | None:
        """Apply a valid object; the values dropped (type mismatches), or None: no such user."""
        uid = self._user(plan.kind, plan.key, plan.update_only)
        if uid is None:
            return NOT_FOUND
        dropped = []
        types = self.types
        for name, op, vtype, payload in plan.ops:
            if op == ARRAY and types.get(name) == "array":
                self._edit_array(uid, name, payload)  # the hot path: kept first and direct
            elif op == FIELD:
                self._set(uid, name, payload)
            elif op == CONTACT:
                self.identities.contacts[name].set(uid, payload)
            else:
                problem = self._apply_custom(uid, name, op, vtype, payload, plan.merge_objects)
                if problem:
                    dropped.append(problem)
        return dropped

    def apply_event(self, occurrence: Occurrence, array: str) -> bool:
        """Record one event or purchase (``array``) on its user; False: no such user."""
        uid = self._user(occurrence.kind, occurrence.key, occurrence.update_only)
        if uid is None:
            return False
        counts = getattr(self, array).setdefault(uid, {})
        counts[occurrence.name] = counts.get(occurrence.name, 0) + 1
        self.occurrences.add(array, uid, occurrence.record)
        return True

    def _apply_custom(self, uid, name, op, vtype, payload, merge) -> str | None:
        if op == REMOVE:
            self._remove(uid, name)
            return None
        locked = self.types.setdefault(name, vtype)
        if op == ARRAY and locked == "array":
            self._edit_array(uid, name, payload)
            return None
        if vtype == "time" and locked == "string" and payload[1] is not None:
            vtype, payload = "string", payload[1]  # a date-looking text for a string attribute
        elif vtype == "time":
            payload = payload[0]
        if locked != vtype:
            return f"'{name}' holds {locked} values; a {vtype} value was dropped"
        if op == SET:
            self._set_custom(uid, name, vtype, payload, merge)
        elif op == INC:
            column = self.columns.setdefault(name, {})
            column[uid] = column.get(uid, 0) + payload
        elif op == OBJECTS:
            self._edit_objects(uid, name, payload)
        return None

    def _set(self, uid: int, name: str, value: Any) -> None:
        if value is None:
            self.columns.get(name, {}).pop(uid, None)
        else:
            self.columns.setdefault(name, {})[uid] = value

    def _remove(self, uid: int, name: str) -> None:
        old = self.columns.get(name, {}).pop(uid, None)
        if type(old) is tuple and self.types.get(name) == "array":
            members = self.array_members[name]
            for value in old:
                members.release(value)

    def _set_custom(self, uid, name, vtype, value, merge) -> None:
        if vtype == "array":
            self._remove(uid, name)
            self._edit_array(uid, name, (value, ()))
        elif vtype == "object" and merge:
            old = self.columns.get(name, {}).get(uid)
            self._set(uid, name, _merged(old, value) if isinstance(old, dict) else value)
        else:
            self._set(uid, name, value)

    def _edit_array(self, uid: int, name: str, edit: tuple) -> None:
        # Arrays are stored as tuples: a tuple of strings leaves the garbage collector's tracking,
        # so a million flagged users do not make every full collection slower.
        adds, removes = edit
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = {}
            self.array_members[name] = ArrayMembers()
        members = self.array_members[name]
        stored = column.get(uid, ())
        if (
            len(adds) == 1
            and not removes
            and adds[0] not in stored
            and len(stored) < self.array_cap
        ):
            column[uid] = (*stored, members.hold(adds[0]))  # the hub's usual edit, made cheap
            return
        if not stored and not adds:
            return
        values = list(stored)
        for value in removes:
            if value in values:
                values.remove(value)
                members.release(value)
        for value in adds:
            self._add_value(values, members, value)
        column[uid] = tuple(values)

    def _add_value(self, values: list, members: ArrayMembers, value: Any) -> None:
        if value in values:
            values.remove(value)  # re-adding moves the value to the end
            value = members.shared(value)
        else:
            value = members.hold(value)
            if len(values) >= self.array_cap:
                members.release(values.pop(0))  # full: the oldest value falls out
        values.append(value)

    def _edit_objects(self, uid: int, name: str, edits: list) -> None:
        column = self.columns.setdefault(name, {})
        items = list(column.get(uid) or ())
        for verb, edit in edits:
            if verb == "$add":
                items.append(edit)
                continue
            key, wanted, new = edit
            matches = [i for i, item in enumerate(items) if item.get(key) == wanted]
            for i in reversed(matches):
                if verb == "$remove":
                    del items[i]
                else:
                    items[i] = _merged(items[i], new)
        column[uid] = items

    # -- reading -------------------------------------------------------------------------------

    def profile(self, uid: int) -> dict:
        """One user as Braze's user export shows it: standard fields at the top level, custom
        attributes under ``custom_attributes``, event and purchase counts."""
        shown = self.identities.describe(uid)
        custom = {}
        for name, column in self.columns.items():
            if uid in column:
                (shown if name in STANDARD_FIELDS else custom)[name] = column[uid]
        shown["custom_attributes"] = custom
        shown["custom_events"] = _counted(self.events.get(uid, {}), "name")
        shown["purchases"] = _counted(self.purchases.get(uid, {}), "name")
        return shown

    def segment_count(self, attribute: str, value: Any) -> int:
        members = self.array_members.get(attribute)
        return members.counts.get(value, 0) if members else 0

    def segment_members(self, attribute: str, value: Any) -> Iterator[str]:
        if not self.segment_count(attribute, value):
            return
        for uid, values in self.columns[attribute].items():
            if value in values:
                yield self.identities.member_id(uid)


class ArrayMembers:
    """For one array attribute: how many profiles hold each value, and one shared copy of each
    value held (a copy per user of the request's string would cost ~70 bytes a user)."""

    __slots__ = ("_shared", "counts")

    def __init__(self) -> None:
        self.counts: dict[Any, int] = {}
        self._shared: dict[Any, Any] = {}

    def hold(self, value: Any) -> Any:
        """Count one more profile holding ``value``; the copy to store."""
        count = self.counts.get(value)
        if count is None:
            self.counts[value] = 1
            self._shared[value] = value
            return value
        self.counts[value] = count + 1
        return self._shared[value]

    def shared(self, value: Any) -> Any:
        return self._shared.get(value, value)

    def release(self, value: Any) -> None:
        left = self.counts[value] - 1
        if left:
            self.counts[value] = left
        else:  # nobody holds it: forget it, so ever-new values do not pile up
            del self.counts[value]
            del self._shared[value]


def _merged(old: dict, new: dict) -> dict:
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = _merged(merged[key], value)
        merged[key] = value
    return merged


def _counted(counts: dict[str, int], label: str) -> list[dict]:
    return [{label: name, "count": count} for name, count in counts.items()]
