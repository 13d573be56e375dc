"""What a generated Look looks like: the knobs, checked once, and the exact row counts they imply.

Shares are turned into exact counts up front (``Quotas``), so the truth about a Look is arithmetic
plus a cheap pass over the plan, never a count of rendered rows.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from looker_braze.sim.population import IDENTIFIER_KINDS

# Every braze[...] attribute field the generator can put in a Look, in field order.
ATTRIBUTES = (
    "first_name",
    "email",
    "country",
    "gender",
    "dob",
    "lifetime_value",
    "is_vip",
    "last_order_at",
    "loyalty_tier",
)
# Standard Braze attributes that can carry a planted invalid value.
INVALIDABLE = ("country", "gender", "dob", "email")
# phone(i) wraps at ten million users, so more would repeat phone numbers.
PHONE_USERS = 10_000_000
# The affine permutation of user numbers multiplies in int64; keep products far from overflow.
MAX_USERS = 2**31 - 1


@dataclass(frozen=True)
class LookSpec:
    """The knobs of one generated Look. Deterministic: the same spec gives the same bytes."""

    rows: int = 100
    seed: int = 0
    id_kind: str = "external_id"  # which population identifier the braze_id field holds
    # The Braze simulator's population, users 0..known_users-1; None: just the users the Look names.
    known_users: int | None = None
    unknown_share: float = 0.0  # share of distinct ids naming users Braze does not know
    duplicate_share: float = 0.0  # share of rows repeating an id seen elsewhere in the Look
    invalid_id_share: float = 0.0  # share of rows whose id is null, "" or blank
    invalid_attribute_share: float = 0.0  # share of rows with one invalid standard attribute
    null_share: float = 0.0  # share of attribute cells that are null
    attributes: tuple[str, ...] = ATTRIBUTES
    fields_first: bool = True  # Looker writes "fields" before "data"; parsers must not rely on it
    pivoted: bool = False  # pivot the measure on a channel: its cells become {pivot: cell}
    id_tags: int = 1  # fields tagged braze_id: 0 (none), 1, or 2 (ambiguous)
    malformed_tags: bool = False  # add fields tagged "braze[", "braze[]", "braze(region)"
    lite: bool = False  # json_detail_lite_stream: same shape, less metadata, no rendered values
    table_calculation: bool = True  # one table calculation column, as Looks often have
    title: str = "Braze audience"
    # The zone the query ran in: json_detail names it ("timezone"); its date-times are in it.
    timezone: str = "UTC"
    # The LIMIT of the query's SQL (json_detail shows it): a Look sent as "Results in Table"
    # has its row limit there. None: no LIMIT, as for All Results.
    sql_limit: int | None = None

    def __post_init__(self) -> None:
        if self.known_users is None and self.rows >= 0:
            object.__setattr__(self, "known_users", max(Quotas.of(self).known, 0))
        problems = _problems(self)
        if problems:
            raise ValueError("Invalid Look spec: " + "; ".join(problems))

    @property
    def format(self) -> str:
        return "json_detail_lite_stream" if self.lite else "json_detail"

    @property
    def invalidable(self) -> tuple[str, ...]:
        return tuple(a for a in INVALIDABLE if a in self.attribute_fields)

    @property
    def attribute_fields(self) -> tuple[str, ...]:
        # With email as the identifier, the email attribute would be the same column twice.
        return tuple(a for a in self.attributes if not (a == "email" and self.id_kind == "email"))

    @property
    def quotas(self) -> Quotas:
        return Quotas.of(self)


@dataclass(frozen=True)
class Quotas:
    """Exact row counts implied by a spec's shares."""

    rows: int
    invalid_ids: int
    duplicates: int
    fresh: int  # rows introducing an id for the first time (= distinct valid ids)
    unknown: int
    known: int
    bad_attributes: int

    @property
    def valid(self) -> int:
        return self.rows - self.invalid_ids

    @classmethod
    def of(cls, spec: LookSpec) -> Quotas:
        invalid = _share(spec.rows, spec.invalid_id_share)
        duplicates = _share(spec.rows, spec.duplicate_share)
        fresh = spec.rows - invalid - duplicates
        unknown = _share(fresh, spec.unknown_share)
        bad = _share(spec.rows - invalid, spec.invalid_attribute_share)
        return cls(spec.rows, invalid, duplicates, fresh, unknown, fresh - unknown, bad)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _share(total: int, share: float) -> int:
    return int(total * share + 0.5)


def _problems(spec: LookSpec) -> list[str]:
    problems = list(_knob_problems(spec))
    if problems:
        return problems
    return _quota_problems(spec, Quotas.of(spec))


def _knob_problems(spec: LookSpec) -> Iterator[str]:
    if spec.rows < 0:
        yield f"rows must be >= 0, not {spec.rows}"
    if spec.id_kind not in IDENTIFIER_KINDS:
        yield f"id_kind must be one of {', '.join(IDENTIFIER_KINDS)}, not {spec.id_kind!r}"
    if not 0 <= spec.known_users <= MAX_USERS:
        yield f"known_users must be between 0 and {MAX_USERS}"
    for name in ("unknown", "duplicate", "invalid_id", "invalid_attribute", "null"):
        value = getattr(spec, f"{name}_share")
        if not 0.0 <= value <= 1.0:
            yield f"{name}_share must be between 0 and 1, not {value}"
    unknown = sorted(set(spec.attributes) - set(ATTRIBUTES))
    if unknown:
        yield f"unknown attributes {unknown}; choose from {', '.join(ATTRIBUTES)}"
    if spec.id_tags not in (0, 1, 2):
        yield f"id_tags must be 0, 1 or 2, not {spec.id_tags}"
    if spec.timezone not in _zones():
        yield f"timezone must be an IANA zone name such as Europe/Paris, not {spec.timezone!r}"
    if spec.sql_limit is not None and spec.sql_limit < 1:
        yield f"sql_limit must be 1 or more, or None, not {spec.sql_limit}"


def _quota_problems(spec: LookSpec, q: Quotas) -> list[str]:
    problems = []
    if q.fresh < 0:
        problems.append("duplicate_share + invalid_id_share leave no rows for the ids themselves")
    elif q.duplicates and not q.fresh:
        problems.append("duplicate rows need at least one row with a first-time id")
    if q.known > spec.known_users:
        problems.append(
            f"{q.known} distinct known ids need known_users >= {q.known} "
            f"(is {spec.known_users}); raise known_users or unknown_share"
        )
    if spec.id_kind == "phone" and spec.known_users + q.unknown > PHONE_USERS:
        problems.append(f"phone ids repeat beyond {PHONE_USERS} users")
    if spec.known_users + q.unknown > MAX_USERS:
        problems.append(f"known_users + unknown ids must stay below {MAX_USERS}")
    if q.bad_attributes and not spec.invalidable:
        problems.append(f"invalid_attribute_share needs one of {', '.join(INVALIDABLE)}")
    return problems
