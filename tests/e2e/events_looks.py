"""Hand-made Looks for the events action: json_detail documents whose rows are events or
purchases, with the payloads a hub must send for them."""

from __future__ import annotations

import orjson

ID = {"name": "users.id", "type": "string", "tags": ["braze_id"]}
NAME = {"name": "events.name", "type": "string", "tags": ["braze_event_name"]}
AT = {"name": "events.at_time", "type": "date_time", "tags": ["braze_time"]}
PLAN = {"name": "events.plan", "type": "string", "tags": ["braze_property[plan]"]}
SCORE = {
    "name": "events.score",
    "type": "number",
    "is_numeric": True,
    "tags": ["braze_property[score]"],
}
PRODUCT = {"name": "orders.product", "type": "string", "tags": ["braze_product_id"]}
PRICE = {"name": "orders.price", "type": "number", "is_numeric": True, "tags": ["braze_price"]}
CURRENCY = {"name": "orders.currency", "type": "string", "tags": ["braze_currency"]}
QUANTITY = {
    "name": "orders.quantity",
    "type": "number",
    "is_numeric": True,
    "tags": ["braze_quantity"],
}
EVENT_FIELDS = (ID, NAME, AT, PLAN, SCORE)
PURCHASE_FIELDS = (ID, PRODUCT, PRICE, CURRENCY, QUANTITY, AT, PLAN)


def document(fields, rows, timezone: str | None = None) -> bytes:
    """A json_detail document: ``rows`` are dicts of field name -> value."""
    head = {"timezone": timezone} if timezone else {}  # before the rows, as Looker writes it
    return orjson.dumps(
        {
            **head,
            "fields": {"dimensions": list(fields), "measures": [], "pivots": []},
            "data": [{name: {"value": value} for name, value in row.items()} for row in rows],
        }
    )


def event_row(user, name="signed_up", at="2025-01-31 10:00:00", plan="gold", score=1):
    return {"users.id": user, "events.name": name, "events.at_time": at,
            "events.plan": plan, "events.score": score}  # fmt: skip


def purchase_row(user, product="Annual Plan", price=99, currency="usd", quantity=1,
                 at="2025-01-31 10:00:00", plan="gold"):  # fmt: skip
    return {"users.id": user, "orders.product": product, "orders.price": price,
            "orders.currency": currency, "orders.quantity": quantity, "events.at_time": at,
            "events.plan": plan}  # fmt: skip


def many_events(count: int, users: int = 1000) -> bytes:
    """``count`` distinct events of population users 0..users-1 (population external ids)."""
    from looker_braze.sim import population

    rows = [
        event_row(
            population.external_id(i % users),
            name=f"viewed_{i % 7}",
            at=f"2025-01-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00",
            score=i,
        )
        for i in range(count)
    ]
    return document(EVENT_FIELDS, rows)
