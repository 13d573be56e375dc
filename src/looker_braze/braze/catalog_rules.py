"""Braze's rules for catalogs and catalog items, in one place for the catalog action, its client
and the simulator (shared/spec/braze-activation.md §3.2, §3.3; sources [S14]-[S19]).

Each check names the problem with Braze's own error id (the id the bulk item endpoints answer
with) and a sentence a Looker user can act on, so the hub can refuse a row before sending it with
the reason Braze would have given, and the simulator answers what Braze answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

MAX_ITEMS = 50  # items per bulk request [S14]-[S16]
MAX_ID_CHARS = 250  # an item id, a catalog name, a field name [S14][S17]
MAX_VALUE_CHARS = 5_000  # one item value [S14]
MAX_NESTING = 50  # levels of an object value [S14]
MAX_FIELDS = 500  # fields of one catalog [S17]
MAX_DESCRIPTION = 250  # a catalog's description [S17]
MAX_BYTES = 4_000_000  # a request body ("most endpoints", [S2]): counted in decimal MB to be safe
ID_FIELD = "id"  # the first field of every catalog, of type string [S17]
FIELD_TYPES = ("string", "number", "boolean", "time", "geo", "object", "array")  # [S17][S26]
# The API key permission of each request, by method and what it addresses [S14]-[S18].
PERMISSIONS = {
    ("GET", "catalogs"): "catalogs.get",
    ("POST", "catalogs"): "catalogs.create",
    ("DELETE", "catalog"): "catalogs.delete",
    ("POST", "items"): "catalogs.add_items",
    ("PATCH", "items"): "catalogs.update_items",
    ("PUT", "items"): "catalogs.replace_items",
    ("DELETE", "items"): "catalogs.delete_items",
}
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_FORBIDDEN_KEY_CHARS = (".", "$")


class Problem(NamedTuple):
    error_id: str  # Braze's error id, e.g. "invalid-ids"
    message: str  # what to fix, for the run's answer


def name_problem(name: Any, what: str = "catalog name") -> Problem | None:
    """A catalog or field name: letters, digits, - and _, at most 250 characters."""
    too_large = "catalog-name-too-large" if what == "catalog name" else "field-names-too-large"
    invalid = "invalid-catalog-name" if what == "catalog name" else "invalid-field-names"
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return Problem(invalid, f"a {what} may hold only letters, digits, - and _")
    if len(name) > MAX_ID_CHARS:
        return Problem(too_large, f"a {what} is longer than {MAX_ID_CHARS} characters")
    return None


def item_id_problem(item_id: Any, not_text: str = "ids-not-strings") -> Problem | None:
    """An item id. ``not_text``: PUT spells that error id "ids-not-string" [S16]."""
    if item_id is None or item_id == "":
        return Problem("items-missing-ids", "empty item id")
    if not isinstance(item_id, str):
        return Problem(not_text, "item id is not text")
    if len(item_id) > MAX_ID_CHARS:
        return Problem("ids-too-large", f"item id longer than {MAX_ID_CHARS} characters")
    if not _NAME.fullmatch(item_id):
        return Problem("invalid-ids", "item id holds other than letters, digits, - and _")
    return None


def value_problem(value: Any) -> Problem | None:
    """One item value: text of at most 5,000 characters, objects whose keys hold neither '.' nor
    '$', nested at most 50 levels."""
    for problem in _value_problems(value, 1):
        return problem
    return None


def _value_problems(value: Any, depth: int) -> Iterator[Problem]:
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            yield Problem("items-too-large", f"a value longer than {MAX_VALUE_CHARS:,} characters")
        return
    if not isinstance(value, dict | list):
        return
    if depth > MAX_NESTING:
        yield Problem(
            "too-deep-nesting-in-value-object", f"an object is nested deeper than {MAX_NESTING}"
        )
        return
    if isinstance(value, dict):
        for key in value:
            if any(char in str(key) for char in _FORBIDDEN_KEY_CHARS):
                yield Problem("invalid-keys-in-value-object", "an object key holds '.' or '$'")
                return
    for inner in value.values() if isinstance(value, dict) else value:
        yield from _value_problems(inner, depth + 1)
