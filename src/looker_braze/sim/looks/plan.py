"""The structure of a generated Look, decided block by block: which row is a first-time id, a
duplicate or an invalid id, which user each row names, where invalid attributes and nulls go.

Why blocks: each block of rows is planned from its own seeded generator and from exact running
quotas that are pure arithmetic on the row position, so any block can be planned without the
ones before it, memory stays constant, and the truth is a cheap pass over the plan with no rows
rendered. Counts are exact (largest-remainder spreading over positions), order within a block is
random.

User numbering: first-time ids are numbered by ordinal j = 0..fresh-1 in order of appearance.
Ordinal j names an unknown user when floor(U*(j+1)/F) > floor(U*j/F) (U unknown of F fresh, spread
evenly), else a known one; known and unknown indexes go through an affine permutation, so known
users are 0..N-1 scrambled and unknown users are N.. scrambled. A duplicate row names the user of
a random ordinal, which is a pure function again: no table of seen ids is ever kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from looker_braze.sim.looks.spec import LookSpec, Quotas

BLOCK_ROWS = 4096
FRESH, DUPLICATE, INVALID = 0, 1, 2
# What an invalid identifier cell holds: null, empty, blank.
INVALID_IDS = (None, "", "   ", "\t ")
BAD_VARIANTS = 3  # planted invalid values per attribute (see rows.BAD_VALUES)


@dataclass
class PlanBlock:
    start: int
    category: np.ndarray  # FRESH | DUPLICATE | INVALID per row
    user: np.ndarray  # population number, -1 for invalid-id rows
    unknown: np.ndarray  # the user is not in the Braze population
    invalid_id: np.ndarray  # index into INVALID_IDS, -1 for valid rows
    bad_attribute: np.ndarray  # index into spec.invalidable, -1 for none
    bad_variant: np.ndarray  # which planted invalid value
    nulls: np.ndarray  # (rows, attribute_fields) null mask, planted cells excluded

    def __len__(self) -> int:
        return len(self.category)


class Affine:
    """A bijection on 0..m-1 (k -> a*k + c mod m with gcd(a, m) = 1) that scrambles numbering."""

    def __init__(self, seed: int, m: int) -> None:
        self.m = max(m, 1)
        a = (seed * 2654435761 + 40503) % self.m or 1
        while math.gcd(a, self.m) != 1:
            a = a + 1 if a + 1 < self.m else 1
        self.a, self.c = a, (seed * 97 + 13) % self.m

    def __call__(self, k: np.ndarray) -> np.ndarray:
        return (self.a * k + self.c) % self.m


class UserMap:
    """First-time id ordinal -> (population user number, unknown to Braze?)."""

    def __init__(self, spec: LookSpec, q: Quotas) -> None:
        self.fresh, self.unknown_ids, self.known_users = q.fresh, q.unknown, spec.known_users
        self.known = Affine(spec.seed, spec.known_users)
        self.unknown = Affine(spec.seed + 1, q.unknown)

    def __call__(self, ordinal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        before = self.unknown_ids * ordinal // max(self.fresh, 1)
        is_unknown = self.unknown_ids * (ordinal + 1) // max(self.fresh, 1) > before
        users = np.where(
            is_unknown, self.known_users + self.unknown(before), self.known(ordinal - before)
        )
        return users, is_unknown


class Quota:
    """Spreads ``count`` items over ``out_of`` slots: how many fall before slot ``x``."""

    def __init__(self, count: int, out_of: int) -> None:
        self.count, self.out_of = count, max(out_of, 1)

    def before(self, x: int) -> int:
        return self.count * x // self.out_of


def plan_blocks(spec: LookSpec) -> Iterator[PlanBlock]:
    planner = _Planner(spec)
    for start in range(0, spec.rows, BLOCK_ROWS):
        yield planner.block(start, min(start + BLOCK_ROWS, spec.rows))


def block_rng(spec: LookSpec, start: int, stream: int) -> np.random.Generator:
    """The generator for one block and purpose (0 structure, 1 values), independent of others."""
    return np.random.default_rng([spec.seed % 2**64, start, stream])


class _Planner:
    def __init__(self, spec: LookSpec) -> None:
        q = spec.quotas
        self.spec, self.q = spec, q
        self.invalid = Quota(q.invalid_ids, q.rows)
        self.duplicates = Quota(q.duplicates, q.valid)
        self.bad = Quota(q.bad_attributes, q.valid)
        self.users = UserMap(spec, q)
        invalidable_columns = [spec.attribute_fields.index(a) for a in spec.invalidable]
        self.invalidable_columns = np.array(invalidable_columns, dtype=np.int64)

    def valid_before(self, x: int) -> int:
        return x - self.invalid.before(x)

    def quota(self, quota: Quota, s: int, e: int) -> int:
        return quota.before(self.valid_before(e)) - quota.before(self.valid_before(s))

    def block(self, s: int, e: int) -> PlanBlock:
        rng = block_rng(self.spec, s, 0)
        category = self._categories(rng, s, e)
        valid = category != INVALID
        user, unknown = self._users(rng, category, s)
        invalid_id = np.full(len(category), -1, dtype=np.int8)
        invalid_id[~valid] = rng.integers(0, len(INVALID_IDS), int((~valid).sum()))
        bad, variant = self._bad_attributes(rng, valid, s, e)
        nulls = self._nulls(rng, bad)
        return PlanBlock(s, category, user, unknown, invalid_id, bad, variant, nulls)

    def _categories(self, rng: np.random.Generator, s: int, e: int) -> np.ndarray:
        invalid = self.invalid.before(e) - self.invalid.before(s)
        duplicates = self.quota(self.duplicates, s, e)
        category = np.full(e - s, FRESH, dtype=np.int8)
        category[:invalid] = INVALID
        category[invalid : invalid + duplicates] = DUPLICATE
        rng.shuffle(category)
        return category

    def _users(self, rng: np.random.Generator, category: np.ndarray, s: int):
        ordinal = np.full(len(category), -1, dtype=np.int64)
        fresh = category == FRESH
        fresh_before = self.valid_before(s) - self.duplicates.before(self.valid_before(s))
        ordinal[fresh] = fresh_before + np.arange(int(fresh.sum()), dtype=np.int64)
        duplicate = category == DUPLICATE
        ordinal[duplicate] = rng.integers(0, max(self.q.fresh, 1), int(duplicate.sum()))
        user = np.full(len(category), -1, dtype=np.int64)
        unknown = np.zeros(len(category), dtype=bool)
        valid = category != INVALID
        user[valid], unknown[valid] = self.users(ordinal[valid])
        return user, unknown

    def _bad_attributes(self, rng: np.random.Generator, valid: np.ndarray, s: int, e: int):
        bad = np.full(len(valid), -1, dtype=np.int8)
        count = self.quota(self.bad, s, e)
        if count:
            rows = rng.choice(np.flatnonzero(valid), count, replace=False)
            bad[rows] = rng.integers(0, len(self.spec.invalidable), count)
        return bad, rng.integers(0, BAD_VARIANTS, len(valid)).astype(np.int8)

    def _nulls(self, rng: np.random.Generator, bad: np.ndarray) -> np.ndarray:
        shape = (len(bad), len(self.spec.attribute_fields))
        if self.spec.null_share <= 0:
            return np.zeros(shape, dtype=bool)
        nulls = rng.random(shape) < self.spec.null_share
        planted = np.flatnonzero(bad >= 0)
        nulls[planted, self.invalidable_columns[bad[planted]]] = False
        return nulls
