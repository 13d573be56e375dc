"""Braze's catalog endpoints, simulated (shared/spec/braze-activation.md §3):

    GET    /catalogs                      200 {"catalogs": [...], "message": "success"}
    POST   /catalogs                      201, one catalog whose first field is "id" (string)
    DELETE /catalogs/{name}               200
    POST | PATCH | PUT | DELETE /catalogs/{name}/items
                                          202 {"message": "success"}, at most 50 items
Inspection (no key): GET /sim/catalogs, GET /sim/catalogs/{name}/items. HTTP: catalog_http.py.

A bulk request is checked whole before anything is applied: any problem answers 400
{"message": "Invalid Request", "errors": [{"id", "message", "parameters": ["id"],
"parameter_values": [item ids]}]} and applies nothing (that Braze applies none of a refused
request is UNCONFIRMED; it is the cautious reading of a 400). catalog-not-found answers 404 by
default (``catalog_not_found_status``: the docs show the body under 400, which status Braze
really uses is UNCONFIRMED). Writes apply at once: Braze processes them asynchronously, and a
client must not rely on reading them back at once anyway. The item endpoints share one rate limit
(16,000 requests a minute), catalog management another (50 a minute) [S14]-[S18]; both answer 429
with the configured rate-limit headers. Faults (latency, dropped connections, 5xx, redirects)
apply as on /users/track: the endpoint shares TrackEndpoint's outer layers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from looker_braze.braze.catalog_rules import (
    FIELD_TYPES,
    ID_FIELD,
    MAX_DESCRIPTION,
    MAX_FIELDS,
    MAX_ITEMS,
    Problem,
    item_id_problem,
    name_problem,
    value_problem,
)
from looker_braze.sim.braze.limits import FixedWindowLimiter

INVALID = "Invalid Request"
ITEMS, MANAGEMENT = "items", "management"
Answer = tuple[int, dict]


@dataclass
class SimCatalog:
    name: str
    description: str
    fields: dict[str, str]  # name -> type, "id" first
    items: dict[str, dict] = field(default_factory=dict)
    updated_at: str = ""

    def listing(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "fields": [{"name": n, "type": t} for n, t in self.fields.items()],
            "num_items": len(self.items),
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class Written:
    """One bulk item request the simulator accepted, as the tests inspect it."""

    method: str
    catalog: str
    items: list


class Catalogs:
    """The workspace's catalogs and their items."""

    def __init__(self) -> None:
        self.catalogs: dict[str, SimCatalog] = {}
        self.written: list[Written] = []  # accepted bulk item requests, in order
        self.refused: Counter[str] = Counter()  # error id -> items refused
        self.not_found_status = 404
        self._limiters: dict[str, FixedWindowLimiter] = {}

    def configure(self, live: dict[str, Any]) -> None:
        seconds = live["catalog_limit_seconds"]
        self._limiters = {
            ITEMS: FixedWindowLimiter(live["catalog_items_limit"], seconds),
            MANAGEMENT: FixedWindowLimiter(live["catalog_management_limit"], seconds),
        }
        self.not_found_status = live["catalog_not_found_status"]

    def admit(self, family: str):
        return self._limiters[family].take()

    # -- catalog management --------------------------------------------------------------------

    def listing(self) -> Answer:
        catalogs = [catalog.listing() for catalog in self.catalogs.values()]
        return 200, {"catalogs": catalogs, "message": "success"}

    def create(self, payload: Any) -> Answer:
        raw = payload.get("catalogs") if isinstance(payload, dict) else None
        if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], dict):
            return _invalid([Problem("catalog-array-invalid", "send exactly one catalog")])
        spec = raw[0]
        problems = _catalog_problems(spec, self.catalogs)
        if problems:
            return _invalid(problems)
        fields = {f["name"]: f["type"] for f in spec["fields"]}
        catalog = SimCatalog(spec["name"], spec.get("description") or "", fields, updated_at=_now())
        self.catalogs[catalog.name] = catalog
        return 201, {"catalogs": [catalog.listing()], "message": "success"}

    def delete(self, name: str) -> Answer:
        if self.catalogs.pop(name, None) is None:
            return self._not_found()
        return 200, {"message": "success"}

    # -- items ---------------------------------------------------------------------------------

    def items(self, method: str, name: str, payload: Any) -> Answer:
        catalog = self.catalogs.get(name)
        if catalog is None:
            return self._not_found()
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return _invalid([Problem("item-array-invalid", "items must be a list of objects")])
        if len(items) > MAX_ITEMS:
            return _invalid(
                [Problem("request-includes-too-many-items", f"more than {MAX_ITEMS} items")]
            )
        refused = _item_problems(method, catalog, items)
        if refused:
            for (error_id, _), ids in refused.items():
                self.refused[error_id] += len(ids)
            return 400, {"message": INVALID, "errors": _errors(refused)}
        _apply(method, catalog, items)
        self.written.append(Written(method, name, items))
        return 202, {"message": "success"}

    def _not_found(self) -> Answer:
        error = Problem("catalog-not-found", "Could not find catalog")
        return self.not_found_status, {"message": INVALID, "errors": _errors({error: []})}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _invalid(problems: list[Problem]) -> Answer:
    return 400, {"message": INVALID, "errors": _errors({problem: [] for problem in problems})}


def _errors(refused: dict[Problem, list[str]]) -> list[dict]:
    return [
        {"id": error_id, "message": message, "parameters": [ID_FIELD], "parameter_values": ids}
        for (error_id, message), ids in refused.items()
    ]


def _catalog_problems(spec: dict, existing: dict) -> list[Problem]:
    problems = [p for p in (name_problem(spec.get("name")),) if p]
    if not problems and spec["name"] in existing:
        problems.append(Problem("catalog-name-already-exists", "Catalog name already exists"))
    if len(str(spec.get("description") or "")) > MAX_DESCRIPTION:
        problems.append(Problem("description-too-long", "Description is too long"))
    fields = spec.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, dict) for f in fields):
        return [*problems, Problem("id-not-first-column", "The first field must be id")]
    if fields[0].get("name") != ID_FIELD or fields[0].get("type") != "string":
        problems.append(Problem("id-not-first-column", "The first field must be id, a string"))
    if len(fields) > MAX_FIELDS:
        problems.append(Problem("too-many-fields", f"More than {MAX_FIELDS} fields"))
    names = [f.get("name") for f in fields]
    problems += dict.fromkeys(p for n in names if (p := name_problem(n, "field name")))
    if len(set(map(str, names))) != len(names):
        problems.append(Problem("field-names-not-unique", "Field names are not unique"))
    if any(f.get("type") not in FIELD_TYPES for f in fields):
        problems.append(Problem("invalid-field-types", "A field type is not supported"))
    return problems


def _item_problems(method: str, catalog: SimCatalog, items: list[dict]) -> dict:
    """(error id, message) -> the ids of the items with that problem."""
    refused: dict[Problem, list[str]] = {}
    seen: Counter = Counter(str(item.get(ID_FIELD)) for item in items)
    not_text = "ids-not-string" if method == "PUT" else "ids-not-strings"
    for item in items:
        item_id = item.get(ID_FIELD)
        problem = item_id_problem(item_id, not_text)
        if problem is None and seen[item_id] > 1:
            problem = Problem("ids-not-unique", "Item IDs are not unique")
        if problem is None and method != "DELETE":
            problem = _fields_problem(catalog, item)
        if problem is not None:
            refused.setdefault(problem, []).append(str(item_id))
    return refused


def _fields_problem(catalog: SimCatalog, item: dict) -> Problem | None:
    for name, value in item.items():
        if name == ID_FIELD:
            continue
        kind = catalog.fields.get(name)
        if kind is None:
            return Problem("invalid-fields", "Some of the fields given do not exist in the catalog")
        problem = value_problem(value)
        if problem is not None:
            return problem
        if value is not None and not _coerces(kind, value):
            return Problem("unable-to-coerce-value", f"A value could not be coerced to {kind}")
    return None


def _coerces(kind: str, value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str) or number
    if kind == "number":
        return number
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "time":
        return isinstance(value, str) and _is_iso(value)
    if kind == "geo":
        return (
            isinstance(value, list) and len(value) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value
            ) and -180 <= value[0] <= 180 and -90 <= value[1] <= 90
        )  # fmt: skip
    return isinstance(value, dict if kind == "object" else list)


def _is_iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _apply(method: str, catalog: SimCatalog, items: list[dict]) -> None:
    stored = catalog.items
    for item in items:
        item_id = item[ID_FIELD]
        values = {k: v for k, v in item.items() if k != ID_FIELD}
        if method == "DELETE":
            stored.pop(item_id, None)
        elif method == "PATCH":
            if item_id in stored:  # PATCH edits existing items only [S15]
                stored[item_id].update(values)
        elif method == "POST" and item_id in stored:
            continue  # an existing item is left as it is (what Braze does is UNCONFIRMED)
        else:  # PUT replaces the item, creating it if missing [S16]
            stored[item_id] = {name: values.get(name) for name in catalog.fields if name != "id"}
    catalog.updated_at = _now()
