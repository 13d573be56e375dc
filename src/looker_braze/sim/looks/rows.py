"""Render planned blocks into json_detail rows (field name -> cell), with unformatted values as
Looker sends them: numbers as JSON numbers, yesno as "Yes"/"No", dates "2024-01-31", times
"2024-01-31 13:45:00", nulls as null. As in Looker's output, a cell is `{"value": ...}`, plus
`"rendered"` where the field has a value format (money, 2-decimal ratios) and the Look is not lite.

Why JSON text is assembled here instead of orjson.dumps of row dicts: measured on a million rows,
building a dict per cell (and the garbage collector walking them) took about as long as all the
rest together. So each column becomes a list of `"name":{cell}` text fragments: cells of
few-valued columns come from tables encoded once with orjson (which does all escaping); the other
values are ids, digits, dates and numbers from this module and the population, all plain ASCII
with nothing to escape, formatted directly. Values are drawn per block with numpy, all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache

import numpy as np
import orjson

from looker_braze.sim import population
from looker_braze.sim.looks import fields as F
from looker_braze.sim.looks.plan import INVALID_IDS, PlanBlock, block_rng
from looker_braze.sim.looks.spec import LookSpec

FIRST_NAMES = (
    "Ada", "Grace", "Linus", "Zoë", "José", "Łukasz", "Aiko", "Noor", "Olu", "D'Angelo",
    'Sam "Sunny"', "Marie-Claire", "Björk", "Søren", "Chidi", "美咲", "Ravi", "Ingrid", "Tomás",
    "Yara",
)  # fmt: skip
COUNTRIES = (
    "US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "AU", "NG",
    "MX", "ES", "IT", "NL", "SE", "KR", "ZA", "AR", "PL", "ID",
)  # fmt: skip
GENDERS = ("M", "F", "O", "N", "P")
TIERS = ("bronze", "silver", "gold", "platinum")
REGIONS = ("north", "south", "east", "west")
NICKNAMES = tuple(name.lower() for name in FIRST_NAMES)
# Planted invalid values of standard attributes, BAD_VARIANTS of each.
BAD_VALUES = {
    "country": ("Narnia", "XX1", "Atlantis"),
    "gender": ("X", "robot", "Q"),
    "dob": ("not-a-date", "1990-02-30", "31/31/1990"),
    "email": ("nope", "no-at-sign.example.com", "a@"),
}
DOB_START, DOB_DAYS = date(1940, 1, 1), 24_000
ORDER_START, ORDER_DAYS = date(2023, 1, 1), 2 * 365


@cache
def _days(start: date, count: int) -> tuple[str, ...]:
    return tuple((start + timedelta(days=d)).isoformat() for d in range(count))


@cache
def _times_of_day() -> tuple[str, ...]:
    # 86,400 short strings built once: formatting a time per cell costs more than the lookup.
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))


class Draws:
    """Every random value one block needs, drawn in a fixed order whatever the spec's fields."""

    def __init__(self, spec: LookSpec, block: PlanBlock) -> None:
        rng, n = block_rng(spec, block.start, 1), len(block)
        self.first_name = rng.integers(0, len(FIRST_NAMES), n)
        self.country = rng.integers(0, len(COUNTRIES), n)
        self.gender = rng.integers(0, len(GENDERS), n)
        self.tier = rng.integers(0, len(TIERS), n)
        self.region = rng.integers(0, len(REGIONS), n)
        self.dob = rng.integers(0, DOB_DAYS, n).tolist()
        # Money in whole cents (below $10,000), split into (dollars, cents): formatted from
        # tables, never as floats.
        ltv_cents = np.minimum(np.round(rng.gamma(2.0, 150.0, n) * 100), MAX_CENTS)
        ltv_cents = ltv_cents.astype(np.int64)
        self.lifetime_value = _split_cents(ltv_cents)
        self.is_vip = (rng.random(n) < 0.15).tolist()
        self.order_day = rng.integers(0, ORDER_DAYS, n).tolist()
        self.order_second = rng.integers(0, 86_400, n).tolist()
        self.orders = rng.integers(0, 40, (n, len(F.PIVOT_VALUES)))
        totals = self.orders.sum(axis=1)
        self.order_total = totals.tolist()
        self.ltv_per_order = _split_cents(np.round(ltv_cents / np.maximum(totals, 1)))
        self.stray_user = rng.integers(0, max(spec.known_users, 1), n).tolist()


MAX_CENTS = 999_999
_HUNDREDTHS = tuple(f"{h:02d}" for h in range(100))
_THOUSANDS = tuple(f"{u:,}" for u in range(MAX_CENTS // 100 + 1))  # "1,234"


def _split_cents(cents: np.ndarray) -> tuple[list[int], list[int]]:
    units, hundredths = np.divmod(cents.astype(np.int64), 100)
    return units.tolist(), hundredths.tolist()


def _encoded(texts: list[str]) -> list[bytes]:
    # One encode for the whole column (JSON text never holds a raw NUL to split on): encoding
    # fragment by fragment costs more, and joining str rows that mix in wide characters costs
    # more still than joining bytes.
    return "\0".join(texts).encode().split(b"\0") if texts else []


class Column:
    """Writes the `"name":{cell}` fragments (UTF-8) of one field, each led by its separator."""

    def __init__(self, name: str, lite: bool, lead: str = ",") -> None:
        self.name = name
        self.prefix = lead + orjson.dumps(name).decode() + ":"
        self.lite = lite
        self.null = (self.prefix + '{"value":null}').encode()
        self._tables: dict[int, tuple[tuple, list[bytes]]] = {}

    def any(self, value) -> bytes:
        """A cell for any value, escaped by orjson: for tables and rare values."""
        return self.null if value is None else self.prefix.encode() + orjson.dumps({"value": value})

    def plain(self, values: list[str]) -> list[bytes]:
        """Cells of strings that need no JSON escaping (ids, dates, times)."""
        p = self.prefix
        return _encoded([f'{p}{{"value":"{v}"}}' for v in values])

    def numbers(self, values: list) -> list[bytes]:
        p = self.prefix
        return _encoded([f'{p}{{"value":{v!r}}}' for v in values])

    def decimals(self, values: tuple[list[int], list[int]], symbol: str = "") -> list[bytes]:
        """2-decimal numbers given as (units, hundredths), rendered as Looker formats them
        (`"$1,234.50"`) unless lite. Formatting integers from a table beats float formatting."""
        p, units, hundredths = self.prefix, values[0], values[1]
        pairs, cents, thousands = zip(units, hundredths, strict=True), _HUNDREDTHS, _THOUSANDS
        if self.lite:
            return _encoded([f'{p}{{"value":{u}.{cents[h]}}}' for u, h in pairs])
        return _encoded(
            [
                f'{p}{{"value":{u}.{cents[h]},"rendered":"{symbol}{thousands[u]}.{cents[h]}"}}'
                for u, h in pairs
            ]
        )

    def table(self, values: tuple[str, ...]) -> list[bytes]:
        """Cells for every value of a few-valued column, encoded once per renderer."""
        key = id(values)
        if key not in self._tables:  # the tuple is kept alongside, so its id stays unique
            self._tables[key] = (values, [self.any(v) for v in values])
        return self._tables[key][1]


class RowRenderer:
    """Turns plan blocks of one spec into json_detail row text."""

    def __init__(self, spec: LookSpec) -> None:
        self.spec = spec
        self.identifier = _identifier_function(spec.id_kind)
        self.alt_identifier = _identifier_function(_alt_kind(spec.id_kind))
        self.columns = {c.name: c for c in _object_columns(self.names, spec.lite)}

    @property
    def names(self) -> list[str]:
        names = [f.name for f in F.dimensions(self.spec)] + [F.MEASURE_FIELD]
        return names + ([F.TABLE_CALCULATION] if self.spec.table_calculation else [])

    def rows_json(self, block: PlanBlock) -> bytes:
        """The block's rows as JSON objects separated by commas (no brackets)."""
        columns = self._columns(block, Draws(self.spec, block))
        # Interleave the columns by slice assignment (a C loop) instead of joining row by row.
        width = len(columns) + 1
        flat = [b"},"] * (len(block) * width)
        for offset, cells in enumerate(columns):
            flat[offset::width] = cells
        return b"".join(flat)[:-1]

    def rows(self, block: PlanBlock) -> list[dict]:
        """The block's rows as Python data (parsed back from the same text)."""
        return orjson.loads(b"[" + self.rows_json(block) + b"]")

    def _columns(self, block: PlanBlock, draws: Draws) -> list[list[bytes]]:
        dims = F.dimensions(self.spec)
        columns = [self._ids(dims[0].name, block, self.identifier, invalid_too=True)]
        if self.spec.id_tags == 2:
            columns.append(self._ids(F.ALT_ID_FIELD, block, self.alt_identifier, invalid_too=False))
        for index, attribute in enumerate(self.spec.attribute_fields):
            columns.append(self._attribute(attribute, index, block, draws))
        if self.spec.malformed_tags:
            columns += self._malformed(draws)
        columns.append(self._measure(draws))
        if self.spec.table_calculation:
            columns.append(self._calculation(draws))
        return columns

    def _ids(self, name: str, block: PlanBlock, identify, invalid_too: bool) -> list[bytes]:
        column = self.columns[name]
        cells = column.plain([identify(u) if u >= 0 else "" for u in block.user.tolist()])
        invalid = [column.any(v) if invalid_too else column.null for v in INVALID_IDS]
        for row in np.flatnonzero(block.user < 0).tolist():
            cells[row] = invalid[block.invalid_id[row]]
        return cells

    def _attribute(self, attribute: str, index: int, block: PlanBlock, draws: Draws):
        column = self.columns[F.ATTRIBUTE_FIELDS[attribute].name]
        cells = _ATTRIBUTE_CELLS[attribute](self, column, block, draws)
        for row in np.flatnonzero(block.nulls[:, index]).tolist():
            cells[row] = column.null
        if attribute in self.spec.invalidable:
            planted = block.bad_attribute == self.spec.invalidable.index(attribute)
            for row in np.flatnonzero(planted).tolist():
                cells[row] = column.any(BAD_VALUES[attribute][block.bad_variant[row]])
        return cells

    def _pick(self, column: Column, values: tuple[str, ...], indexes) -> list[bytes]:
        table = column.table(values)
        return [table[i] for i in (indexes.tolist() if hasattr(indexes, "tolist") else indexes)]

    def _emails(self, column: Column, block: PlanBlock, draws: Draws) -> list[bytes]:
        users = zip(block.user.tolist(), draws.stray_user, strict=True)
        return column.plain([population.email(u if u >= 0 else s) for u, s in users])

    def _yesno(self, column: Column, values: list[bool]) -> list[bytes]:
        yes, no = column.any("Yes"), column.any("No")
        return [yes if v else no for v in values]

    def _order_times(self, column: Column, draws: Draws) -> list[bytes]:
        days, times = _days(ORDER_START, ORDER_DAYS), _times_of_day()
        pairs = zip(draws.order_day, draws.order_second, strict=True)
        return column.plain([f"{days[d]} {times[s]}" for d, s in pairs])

    def _malformed(self, draws: Draws) -> list[list[bytes]]:
        nickname, segment, region = (self.columns[name] for name in F.MALFORMED_TAGS)
        return [
            self._pick(nickname, NICKNAMES, draws.first_name),
            self._pick(segment, TIERS, draws.tier),
            self._pick(region, REGIONS, draws.region),
        ]

    def _measure(self, draws: Draws) -> list[bytes]:
        column = self.columns[F.MEASURE_FIELD]
        if not self.spec.pivoted:
            return column.numbers(draws.order_total)
        pivots = _object_columns(F.PIVOT_VALUES, self.spec.lite)
        per_pivot = [p.numbers(n) for p, n in zip(pivots, draws.orders.T.tolist(), strict=True)]
        prefix = column.prefix.encode()
        return [prefix + b"".join(cells) + b"}" for cells in zip(*per_pivot, strict=True)]

    def _calculation(self, draws: Draws) -> list[bytes]:
        column = self.columns[F.TABLE_CALCULATION]
        cells = column.decimals(draws.ltv_per_order)
        for row in np.flatnonzero(draws.orders.sum(axis=1) == 0).tolist():
            cells[row] = column.null  # no orders: the ratio is undefined, Looker shows null
        return cells


_ATTRIBUTE_CELLS = {
    "first_name": lambda r, c, b, d: r._pick(c, FIRST_NAMES, d.first_name),
    "email": lambda r, c, b, d: r._emails(c, b, d),
    "country": lambda r, c, b, d: r._pick(c, COUNTRIES, d.country),
    "gender": lambda r, c, b, d: r._pick(c, GENDERS, d.gender),
    "dob": lambda r, c, b, d: r._pick(c, _days(DOB_START, DOB_DAYS), d.dob),
    "lifetime_value": lambda r, c, b, d: c.decimals(d.lifetime_value, "$"),
    "is_vip": lambda r, c, b, d: r._yesno(c, d.is_vip),
    "last_order_at": lambda r, c, b, d: r._order_times(c, d),
    "loyalty_tier": lambda r, c, b, d: r._pick(c, TIERS, d.tier),
}


def _object_columns(names, lite: bool) -> list[Column]:
    """Columns of one JSON object: the first cell opens it, the others follow a comma."""
    return [Column(name, lite, "," if i else "{") for i, name in enumerate(names)]


def _alt_kind(kind: str) -> str:
    return "external_id" if kind == "email" else "email"


def _identifier_function(kind: str) -> Callable[[int], str]:
    # The population's own functions, looked up once: this runs for every row.
    name = "alias_name" if kind == "user_alias" else kind
    return getattr(population, name)
