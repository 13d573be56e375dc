"""Who is who in the simulated workspace, and how a user is found.

Users are numbers. Seeded users 0..population-1 carry the shared population's identifiers
(population.py), which are computed, never stored: finding ``user-00000042`` parses the number
back and checks it renders to the same text. That keeps a million seeded users at a few bytes each
(the one stored index, braze ids of seeded users, is a sorted numpy array built on first use).
Users created by ``/users/track`` get numbers from CREATED_BASE upwards and stored identifiers.

Email and phone are lookup keys as well as profile fields: ContactIndex keeps, per kind, the
values set through the API; a seeded user's computed email holds until one is set for it. When
several profiles share a value, the most recently set one is found, as Braze prioritises the most
recently updated profile. Phones are kept and found as Braze stores them, by their digits
(fields.phone_digits): a user set with +17241234567 is found by (724) 123-4567 too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import numpy as np

from looker_braze.sim import population
from looker_braze.sim.braze.fields import phone_digits

CREATED_BASE = 1 << 40
_HEX_ID = re.compile(r"[0-9a-f]{24}")


def seeded_parser(render: Callable[[int], str]) -> Callable[[str], int | None]:
    """The inverse of a population identifier of the form PREFIX + number + SUFFIX.

    The frame is learnt from population.py itself. When the number is plainly zero-padded to a
    fixed width (checked on samples), the digits are checked for that form; otherwise every
    answer is rendered again. Either way a changed format there can make lookups miss (tests
    catch that) but never find the wrong user.
    """
    samples = {n: render(n) for n in (0, 7, 42, 10_000_003, 123_456_789, 987_654_321)}
    prefix = _common_prefix(list(samples.values()))
    suffix = _common_prefix([text[::-1] for text in samples.values()])[::-1]
    start, end = len(prefix), -len(suffix) or None
    width = len(samples[0][start:end])
    padded = all(text[start:end] == f"{n:0{width}d}" for n, text in samples.items())

    # Slices and == rather than startswith/endswith: this runs for every object received.
    def parse(text: str) -> int | None:
        digits = text[start:end]
        if text[:start] != prefix or (end and text[end:] != suffix):
            return None
        if not digits.isdigit() or len(digits) > 18:  # int() of thousands of digits raises
            return None
        if padded:
            canonical = len(digits) == width or (len(digits) > width and digits[0] != "0")
            return int(digits) if canonical else None
        number = int(digits)
        return number if render(number) == text else None

    return parse


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)  # the sorted extremes differ soonest
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


seeded_external_id = seeded_parser(population.external_id)
seeded_alias_name = seeded_parser(population.alias_name)
seeded_email = seeded_parser(population.email)


def seeded_phone_digits(i: int) -> str:
    """A seeded user's phone as Braze stores it (population.py writes E.164)."""
    return phone_digits(population.phone(i)) or ""


seeded_phone = seeded_parser(seeded_phone_digits)  # phones repeat: the lowest number is found


class ContactIndex:
    """Email or phone values set through the API, both ways, over the computed seeded ones."""

    def __init__(
        self, seeded_value: Callable[[int], str], seeded_lookup: Callable[[str], int | None]
    ):
        self._seeded_value = seeded_value
        self._seeded_lookup = seeded_lookup
        self._users_by_value: dict[str, list[int]] = {}
        self._value_of_user: dict[int, str | None] = {}

    def value_of(self, uid: int, seeded: int) -> str | None:
        if uid in self._value_of_user:
            return self._value_of_user[uid]
        return self._seeded_value(uid) if uid < seeded else None

    def find(self, value: str, seeded: int) -> int | None:
        users = self._users_by_value.get(value)
        if users:
            return users[-1]
        uid = self._seeded_lookup(value)
        if uid is not None and uid < seeded and uid not in self._value_of_user:
            return uid
        return None

    def all(self, value: str, seeded: int) -> list[int]:
        """Every profile that has ``value`` (set through the API, or a seeded one's own)."""
        users = list(self._users_by_value.get(value, ()))
        uid = self._seeded_lookup(value)
        if uid is not None and uid < seeded and uid not in self._value_of_user:
            users.insert(0, uid)
        return users

    def set(self, uid: int, value: str | None) -> None:
        old = self._value_of_user.get(uid)
        if old is not None:
            users = self._users_by_value[old]
            users.remove(uid)
            if not users:
                del self._users_by_value[old]
        self._value_of_user[uid] = value
        if value is not None:
            self._users_by_value.setdefault(value, []).append(uid)


class _SeededBrazeIds:
    """Braze id -> seeded user number, as a sorted array: 32 bytes a user instead of ~150."""

    def __init__(self, count: int) -> None:
        ids = np.array([population.braze_id(i) for i in range(count)], dtype="S24")
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def find(self, braze_id: str) -> int | None:
        if not _HEX_ID.fullmatch(braze_id):
            return None
        key = braze_id.encode()
        position = int(np.searchsorted(self._sorted, key))
        if position < len(self._sorted) and self._sorted[position] == key:
            return int(self._order[position])
        return None


class _Created:
    __slots__ = ("alias", "braze_id", "external_id")

    def __init__(self, external_id: str | None, braze_id: str, alias: tuple[str, str] | None):
        self.external_id = external_id
        self.braze_id = braze_id
        self.alias = alias


class Identities:
    """Finding, creating and describing users by any of Braze's identifiers."""

    def __init__(self) -> None:
        self.seeded = 0
        self._created: dict[int, _Created] = {}
        self._by_external_id: dict[str, int] = {}
        self._by_braze_id: dict[str, int] = {}
        self._by_alias: dict[tuple[str, str], int] = {}
        self._seeded_braze_ids: _SeededBrazeIds | None = None
        self.contacts = {
            "email": ContactIndex(population.email, seeded_email),
            "phone": ContactIndex(seeded_phone_digits, seeded_phone),
        }
        self._finders = {
            "external_id": self._find_external_id,
            "braze_id": self._find_braze_id,
            "user_alias": self._find_alias,
            "email": lambda value: self.contacts["email"].find(value, self.seeded),
            "phone": self._find_phone,
        }

    def seed(self, count: int) -> range:
        """Add ``count`` population users; their numbers."""
        added = range(self.seeded, self.seeded + count)
        self.seeded += count
        self._seeded_braze_ids = None  # rebuilt on the next braze id lookup
        return added

    def count(self) -> int:
        return self.seeded + len(self._created)

    def find(self, kind: str, key) -> int | None:
        if kind == "external_id":  # by far the most frequent
            return self._find_external_id(key)
        return self._finders[kind](key)

    def create(self, kind: str, key) -> int:
        """A new profile found by ``key`` from now on (never by braze_id: Braze assigns those)."""
        uid = CREATED_BASE + len(self._created)
        braze_id = hashlib.blake2b(
            uid.to_bytes(8, "big"), digest_size=12, person=b"sim"
        ).hexdigest()
        record = _Created(key if kind == "external_id" else None, braze_id, None)
        self._created[uid] = record
        self._by_braze_id[braze_id] = uid
        if kind == "external_id":
            self._by_external_id[key] = uid
        elif kind == "user_alias":
            record.alias = key
            self._by_alias[key] = uid
        else:
            self.contacts[kind].set(uid, key)
        return uid

    def describe(self, uid: int) -> dict:
        """The identifiers of one user, shaped like Braze's user export."""
        if uid < self.seeded:
            ids = {
                "external_id": population.external_id(uid),
                "braze_id": population.braze_id(uid),
                "user_aliases": [_alias(population.alias_name(uid), population.ALIAS_LABEL)],
            }
        else:
            record = self._created[uid]
            ids = {"external_id": record.external_id, "braze_id": record.braze_id}
            ids["user_aliases"] = [_alias(*record.alias)] if record.alias else []
        for kind, contacts in self.contacts.items():
            ids[kind] = contacts.value_of(uid, self.seeded)
        return {key: value for key, value in ids.items() if value is not None}

    def member_id(self, uid: int) -> str:
        """What a segment export names a user by: external id, else braze id."""
        if uid < self.seeded:
            return population.external_id(uid)
        record = self._created[uid]
        return record.external_id or record.braze_id

    def _find_external_id(self, external_id: str) -> int | None:
        uid = self._by_external_id.get(external_id)
        if uid is None:
            uid = seeded_external_id(external_id)
            if uid is not None and uid >= self.seeded:
                return None
        return uid

    def _find_braze_id(self, braze_id: str) -> int | None:
        uid = self._by_braze_id.get(braze_id)
        if uid is None and self.seeded:
            if self._seeded_braze_ids is None:
                self._seeded_braze_ids = _SeededBrazeIds(self.seeded)
            uid = self._seeded_braze_ids.find(braze_id)
        return uid

    def _find_phone(self, phone: str) -> int | None:
        digits = phone_digits(phone) if type(phone) is str else None
        return None if digits is None else self.contacts["phone"].find(digits, self.seeded)

    def _find_alias(self, alias: tuple[str, str]) -> int | None:
        uid = self._by_alias.get(alias)
        if uid is None and alias[1] == population.ALIAS_LABEL:
            uid = seeded_alias_name(alias[0])
            if uid is not None and uid >= self.seeded:
                return None
        return uid


def _alias(name: str, label: str) -> dict:
    return {"alias_name": name, "alias_label": label}
