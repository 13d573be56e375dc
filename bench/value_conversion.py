"""Micro-benchmark of the per-row hot paths this module's rules touch: RowMapper.build over rows
whose date-time column holds a new value on every row (no memo hit) or one of a few values (memo
hits), in UTC and in another zone; and RowMapper.identifier for email and phone Unique Keys.
Prints nanoseconds per row (best of 5).

    PYTHONPATH=src python bench/value_conversion.py [rows]
"""

from __future__ import annotations

import inspect
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.actions.braze.options import RunOptions
from looker_braze.braze.instances import Endpoint
from looker_braze.hub.cells import Projection
from looker_braze.hub.document import parse_fields

FIELDS = {
    "dimensions": [
        {"name": "u.id", "type": "string", "tags": ["braze_id"]},
        {"name": "u.last_order", "type": "date_time", "tags": ["braze[last_order_at]"]},
        {"name": "u.signup", "type": "date_date", "tags": ["braze[signup_date]"]},
    ],
    "measures": [],
}


def options(zone: str) -> RunOptions:
    fields = dict(
        endpoint=Endpoint("https://rest.iad-01.braze.com", "US-01"),
        api_key="k",
        key_kind="external_id",
        label="bench",
        array_attribute="looker_export",
        alias_label="looker",
        update_existing_only=True,
        dry_run=True,
    )
    if "time_zone" in inspect.signature(RunOptions).parameters:
        fields["time_zone"] = zone
    return RunOptions(**fields)


def rows(count: int, distinct: int) -> list[dict]:
    start = datetime(2024, 1, 1)
    return [
        {
            "u.id": {"value": f"user-{i}"},
            "u.last_order": {
                "value": (start + timedelta(seconds=i % distinct * 37)).isoformat(" ")
            },
            "u.signup": {"value": (start + timedelta(days=i % 300)).date().isoformat()},
        }
        for i in range(count)
    ]


def per_row_ns(zone: str, data: list[dict]) -> float:
    mapper = RowMapper(parse_fields(FIELDS), options(zone))
    notes = ValueNotes()
    build = mapper.build
    cells = Projection(mapper.select).rows(data)  # as the hub hands rows over
    began = time.perf_counter()
    for row in cells:
        build(row, row[-1], notes)
    return (time.perf_counter() - began) / len(data) * 1e9


def identifier_ns(kind: str, count: int) -> float:
    fields = parse_fields({"dimensions": [FIELDS["dimensions"][0]], "measures": []})
    mapper = RowMapper(fields, replace(options("UTC"), key_kind=kind))
    make = (lambda i: f"user{i}@example.com") if kind == "email" else (lambda i: f"+1555{i:07d}")
    data = Projection(mapper.select).rows([{"u.id": {"value": make(i)}} for i in range(count)])
    identify = mapper.identifier
    began = time.perf_counter()
    for row in data:
        identify(row)
    return (time.perf_counter() - began) / len(data) * 1e9


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    for label, distinct in (("unique date-times", count), ("100 distinct date-times", 100)):
        data = rows(count, distinct)
        for zone in ("UTC", "Europe/Paris"):
            best = min(per_row_ns(zone, data) for _ in range(5))
            print(f"{label:26} {zone:13} {best:7.0f} ns/row")
    for kind in ("email", "phone"):
        best = min(identifier_ns(kind, count) for _ in range(5))
        print(f"{kind + ' identifiers':26} {'':13} {best:7.0f} ns/row")


if __name__ == "__main__":
    main()
