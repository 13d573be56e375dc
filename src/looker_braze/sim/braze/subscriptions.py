"""Subscription groups as Braze keeps them: states per group and user, set through
``POST /v2/subscription/status/set`` (and v1 ``POST /subscription/status/set``), read through
``GET /subscription/status/get``.

Written from Braze's documentation as restated in shared/spec/braze-activation.md §2.1-§2.4
([S6] v2, [S6b] v1, [S11a] status/get), independently of the product's rules:
- v2: ``subscription_groups`` entries, each a group, ``subscribed`` or ``unsubscribed``, and one
  of ``external_ids``, ``emails``, ``phones`` (at most 50 each; phones in E.164). ``emails`` and
  ``phones`` never in one request; with them, email groups and SMS groups need separate requests,
  which follows here from v1's rule that email groups take emails and SMS groups phones (an entry
  of the other channel refuses the request).
- v1: one group a request, ``external_id`` (array), ``email`` (string or array) or ``phone``;
  email and phone together answer the documented "Either an email address or a phone number
  should be provided, but not both."
- an email or phone updates every profile that has it; one no profile has is kept as an orphan
  state for 30 days, which a profile created with it in that window inherits (read here lazily:
  a profile without a state of its own shows the orphan state of its email or phone);
- ``use_double_opt_in_logic`` with ``subscribed`` on an SMS group starts the double opt-in flow
  instead of subscribing (a prompt, at most one per user a day); without a profile nothing
  happens;
- v1 and v2 share one rate limit (5,000 a minute on Braze; ``subscription_rate_limit_*``).
UNCONFIRMED, so settings or plain choices here: the cap on entries per request
(``max_subscription_groups``), the status and text of each refusal (400, whole request refused,
nothing applied), v2's success answer (v1's 201 {"message": "success"}), and what an unknown
external id does (nothing: Braze keeps orphan states only for emails and phones).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from looker_braze.sim.braze.fields import phone_digits
from looker_braze.sim.braze.identities import Identities
from looker_braze.sim.braze.limits import FixedWindowLimiter

V2_SET_PATH = "/v2/subscription/status/set"
V1_SET_PATH = "/subscription/status/set"
GET_PATH = "/subscription/status/get"
MAX_IDS = 50
ORPHAN_SECONDS = 30 * 24 * 3600.0
DOUBLE_OPT_IN_SECONDS = 24 * 3600.0  # at most one prompt a user a day
STATES = ("subscribed", "unsubscribed")
ARRAYS = ("external_ids", "emails", "phones")
SHOWN = {"subscribed": "Subscribed", "unsubscribed": "Unsubscribed"}
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# Braze's documented texts ([S12] for the cap, [S6b] for email and phone together); the rest
# are this simulator's wording (UNCONFIRMED).
TOO_MANY_IDS = "The max number of ids per request was exceeded"
EMAIL_AND_PHONE = "Either an email address or a phone number should be provided, but not both."

Answer = tuple[int, dict]


class Refused(Exception):
    """The whole request is refused with this message (400): nothing is applied."""


@dataclass(frozen=True)
class Change:
    group: str
    state: str
    kind: str  # external_id, email or phone
    values: tuple[str, ...]
    double_opt_in: bool


@dataclass
class SubscriptionStats:
    requests: int = 0
    refused: Counter = field(default_factory=Counter)  # message -> requests
    entries: int = 0
    identifiers: int = 0
    max_entries_in_request: int = 0
    states_set: int = 0  # (group, profile) states written
    orphans_set: int = 0  # (group, email or phone) states kept without a profile
    unknown_users: int = 0  # external ids no profile has: nothing done
    double_opt_in_prompts: int = 0
    double_opt_in_skipped: int = 0  # no profile: the state is not updated (Braze's docs)

    def snapshot(self) -> dict:
        figures = dict(vars(self))
        figures["refused"] = dict(self.refused)
        return figures


def subscription_limiter(live: dict[str, Any]) -> FixedWindowLimiter | None:
    requests = live["subscription_rate_limit_requests"]
    if not requests:
        return None
    return FixedWindowLimiter(requests, live["subscription_rate_limit_seconds"])


class SubscriptionStore:
    def __init__(
        self,
        identities: Identities,
        groups: dict[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.identities = identities
        self.groups = dict(groups)  # id -> channel
        self._clock = clock
        self.states: dict[tuple[str, int], str] = {}
        self.orphans: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._prompted: dict[int, float] = {}
        self.stats = SubscriptionStats()

    # -- setting -------------------------------------------------------------------------------

    def set_v2(self, payload: Any, max_groups: int | None) -> Answer:
        try:
            changes = self._v2_changes(payload, max_groups)
        except Refused as exc:
            return self._refuse(str(exc))
        return self._apply(changes)

    def set_v1(self, payload: Any) -> Answer:
        try:
            changes = [self._v1_change(payload)]
        except Refused as exc:
            return self._refuse(str(exc))
        return self._apply(changes)

    def _refuse(self, message: str) -> Answer:
        self.stats.requests += 1
        self.stats.refused[message] += 1
        return 400, {"message": message}

    def _v2_changes(self, payload: Any, max_groups: int | None) -> list[Change]:
        entries = payload.get("subscription_groups") if type(payload) is dict else None
        if type(entries) is not list or not entries:
            raise Refused("subscription_groups must be a non-empty array of groups")
        if max_groups is not None and len(entries) > max_groups:
            raise Refused(
                f"Too many subscription groups in one request ({len(entries)}; at most "
                f"{max_groups})"
            )
        changes = [self._entry(entry) for entry in entries]
        kinds = {change.kind for change in changes}
        if {"email", "phone"} <= kinds:
            raise Refused(EMAIL_AND_PHONE)
        self.stats.max_entries_in_request = max(self.stats.max_entries_in_request, len(changes))
        return changes

    def _entry(self, entry: Any) -> Change:
        if type(entry) is not dict:
            raise Refused("each subscription group must be an object")
        arrays = [name for name in ARRAYS if name in entry]
        if len(arrays) != 1:
            raise Refused(
                "each subscription group needs exactly one of external_ids, emails or phones"
            )
        values = entry[arrays[0]]
        if type(values) is not list or not all(type(v) is str for v in values) or not values:
            raise Refused(f"The value provided for the {arrays[0]} field is not a valid ID array.")
        kind = arrays[0][:-1]  # external_ids -> external_id, emails -> email ...
        return self._change(
            entry.get("subscription_group_id"),
            entry.get("subscription_state"),
            kind,
            values,
            entry.get("use_double_opt_in_logic", False),
        )

    def _v1_change(self, payload: Any) -> Change:
        if type(payload) is not dict:
            raise Refused("The request body must be a JSON object")
        if "email" in payload and "phone" in payload:
            raise Refused(EMAIL_AND_PHONE)
        given = [name for name in ("external_id", "email", "phone") if name in payload]
        if len(given) != 1:
            raise Refused("Provide one of external_id, email or phone")
        values = payload[given[0]]
        if given[0] == "email" and type(values) is str:
            values = [values]  # v1 takes one email as a string too
        if type(values) is not list or not all(type(v) is str for v in values) or not values:
            raise Refused(f"The value provided for the {given[0]} field is not a valid ID array.")
        return self._change(
            payload.get("subscription_group_id"),
            payload.get("subscription_state"),
            given[0],
            values,
            payload.get("use_double_opt_in_logic", False),
        )

    def _change(self, group, state, kind: str, values: list[str], double_opt_in) -> Change:
        if type(group) is not str or group not in self.groups:
            raise Refused(f"Invalid subscription_group_id: {str(group)[:60]!r} is not a group")
        if state not in STATES:
            raise Refused("subscription_state must be 'subscribed' or 'unsubscribed'")
        if len(values) > MAX_IDS:
            raise Refused(TOO_MANY_IDS)
        if type(double_opt_in) is not bool:
            raise Refused("use_double_opt_in_logic must be true or false")
        channel = self.groups[group]
        if kind == "email" and channel != "email":
            raise Refused(f"Emails cannot be subscribed to the SMS group {group}")
        if kind == "phone" and channel != "sms":
            raise Refused(f"Phones cannot be subscribed to the email group {group}")
        if kind == "phone":
            bad = next((v for v in values if not _E164.fullmatch(v)), None)
            if bad is not None:
                raise Refused(f"Phone numbers must be in E.164 format: {bad[:30]!r} is not")
        return Change(group, state, kind, tuple(values), double_opt_in and channel == "sms")

    def _apply(self, changes: list[Change]) -> Answer:
        stats = self.stats
        stats.requests += 1
        for change in changes:
            stats.entries += 1
            stats.identifiers += len(change.values)
            for value in change.values:
                self._set(change, value)
        return 201, {"message": "success"}

    def _set(self, change: Change, value: str) -> None:
        users = self._profiles(change.kind, value)
        if change.double_opt_in and change.state == "subscribed":
            self._prompt(users)
            return
        if not users:
            if change.kind == "external_id":
                self.stats.unknown_users += 1
            else:
                key = _contact_key(change.kind, value)
                self.orphans[(change.group, change.kind, key)] = (change.state, self._clock())
                self.stats.orphans_set += 1
            return
        for uid in users:
            self.states[(change.group, uid)] = change.state
        self.stats.states_set += len(users)

    def _prompt(self, users: list[int]) -> None:
        if not users:
            self.stats.double_opt_in_skipped += 1
            return
        now = self._clock()
        for uid in users:
            if now - self._prompted.get(uid, -DOUBLE_OPT_IN_SECONDS) >= DOUBLE_OPT_IN_SECONDS:
                self._prompted[uid] = now
                self.stats.double_opt_in_prompts += 1

    def _profiles(self, kind: str, value: str) -> list[int]:
        identities = self.identities
        if kind == "external_id":
            uid = identities.find("external_id", value)
            return [] if uid is None else [uid]
        return identities.contacts[kind].all(_contact_key(kind, value), identities.seeded)

    # -- reading -------------------------------------------------------------------------------

    def state(self, group: str, kind: str, value: str) -> str | None:
        """The state of the user found by ``value`` (the most recent profile of an email or
        phone), or the orphan state of an email or phone no profile has; None: no state."""
        if kind == "external_id":
            uid = self.identities.find("external_id", value)
        else:
            uid = self.identities.find(kind, value)
        if uid is not None:
            own = self.states.get((group, uid))
            if own is not None:
                return own
            return self._inherited(group, uid)
        if kind == "external_id":
            return None
        return self._orphan(group, kind, _contact_key(kind, value))

    def _inherited(self, group: str, uid: int) -> str | None:
        for kind in ("email", "phone"):
            value = self.identities.contacts[kind].value_of(uid, self.identities.seeded)
            if value is not None:
                found = self._orphan(group, kind, value)
                if found is not None:
                    return found
        return None

    def _orphan(self, group: str, kind: str, key: str) -> str | None:
        found = self.orphans.get((group, kind, key))
        if found is None or self._clock() - found[1] > ORPHAN_SECONDS:
            return None
        return found[0]

    def status_get(self, group: str | None, params: dict[str, list[str]]) -> Answer:
        """GET /subscription/status/get: {"status": {id: Subscribed|Unsubscribed|Unknown}}."""
        if group is None or group not in self.groups:
            return 400, {"message": "subscription_group_id is missing or not a group"}
        external = params.get("external_id[]", []) + params.get("external_id", [])
        emails, phones = params.get("email", []), params.get("phone", [])
        if external:
            kind, values = "external_id", external  # the others are then ignored [S11a]
        elif emails and phones:
            return 400, {"message": EMAIL_AND_PHONE}
        elif emails or phones:
            kind, values = ("email", emails) if emails else ("phone", phones)
        else:
            return 400, {"message": "give external_id[], email or phone"}
        if len(values) > MAX_IDS:
            return 400, {"message": TOO_MANY_IDS}
        status = {
            value: SHOWN.get(self.state(group, kind, value) or "", "Unknown") for value in values
        }
        return 201, {"status": status, "message": "success"}

    def summary(self, group: str) -> dict:
        """Inspection: how many profiles and orphans hold each state in ``group``."""
        counts = Counter(state for (g, _), state in self.states.items() if g == group)
        orphans = Counter(state for (g, _, _), (state, _) in self.orphans.items() if g == group)
        return {
            "group": group,
            "channel": self.groups.get(group),
            "subscribed": counts["subscribed"],
            "unsubscribed": counts["unsubscribed"],
            "orphans": dict(orphans),
        }


def _contact_key(kind: str, value: str) -> str:
    """How the workspace indexes an email (as given) or a phone (its digits)."""
    return (phone_digits(value) or value) if kind == "phone" else value
