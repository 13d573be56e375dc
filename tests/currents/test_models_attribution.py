"""Property test: the SQL that attributes opens and clicks to deliveries (pressure views) does
exactly what its comment says, checked against a plain Python reading of that rule on random
timelines."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.currents.models import bound_values
from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.compiler import compile_sql
from looker_braze.currents.schemas import table_name
from looker_braze.currents.warehouse import Warehouse
from tests.currents.test_models_support import CLICK, DELIVERY, OPEN, create_tables

ADDRESSES = ["a@x", "b@x"]
MESSAGES = [
    {"message_variation_id": "v1"},
    {"message_variation_id": "v2"},
    {"canvas_step_id": "s1"},
    {},
]  # {} = an event that names no message
SEND_IDS = [None, "send-1", "send-2"]

event = st.fixed_dictionaries(
    {
        "email_address": st.sampled_from(ADDRESSES),
        "message": st.sampled_from(MESSAGES),
        "send_id": st.sampled_from(SEND_IDS),
        "time": st.integers(0, 50),
    }
)


def _rows(events: list[dict], prefix: str) -> list[dict]:
    return [
        {
            "id": f"{prefix}{n}",
            "user_id": "u",
            "email_address": e["email_address"],
            "send_id": e["send_id"],
            "time": e["time"],
            **e["message"],
        }
        for n, e in enumerate(events)
    ]


def _key(row: dict) -> tuple | None:
    message = row.get("message_variation_id") or row.get("canvas_step_id")
    return None if message is None else (row["email_address"], message, row["send_id"] or "")


def reference(deliveries: list[dict], engagements: dict[str, list[dict]]) -> dict[str, tuple]:
    """{delivery id: (opened, clicked)} by the rule: latest delivery of the same message to the
    same address at or before the event, else the earliest one."""
    flags = {d["id"]: [0, 0] for d in deliveries}
    for slot, events in enumerate((engagements["open"], engagements["click"])):
        for e in events:
            same = [d for d in deliveries if _key(d) is not None and _key(d) == _key(e)]
            if not same:
                continue
            before = [d["time"] for d in same if d["time"] <= e["time"]]
            chosen = max(before) if before else min(d["time"] for d in same)
            for d in same:
                if d["time"] == chosen:
                    flags[d["id"]][slot] = 1
    return {k: tuple(v) for k, v in flags.items()}


@settings(max_examples=60, deadline=None)
@given(
    deliveries=st.lists(event, max_size=8),
    opens=st.lists(event, max_size=8),
    clicks=st.lists(event, max_size=5),
)
def test_attribution_follows_the_documented_rule(deliveries, opens, clicks):
    rows = {DELIVERY: _rows(deliveries, "d"), OPEN: _rows(opens, "o"), CLICK: _rows(clicks, "c")}
    warehouse = Warehouse("duckdb", duckdb.connect(":memory:"))
    warehouse.execute("SET TimeZone = 'UTC'")
    create_tables(warehouse, rows)
    sql = compile_sql(
        "email_engaged_deliveries",
        "duckdb",
        ValueBinder(bound_values("email_cadence_by_rank")),
        tables=[table_name(event_type) for event_type in rows],
    )
    _, result = warehouse.query(f"SELECT delivery_id, opened, clicked FROM ({sql}) AS t")
    warehouse.close()
    got = {delivery_id: (opened, clicked) for delivery_id, opened, clicked in result}
    assert got == reference(rows[DELIVERY], {"open": rows[OPEN], "click": rows[CLICK]})
