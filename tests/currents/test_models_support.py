"""Helpers (no tests) for the model tests: Currents tables built by hand, following the
contract (one table per event type, upper-case columns, TIME in epoch seconds), on DuckDB or
PostgreSQL, so expected results can be worked out on paper."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from looker_braze.currents.schemas import fields, sql_type, table_name
from looker_braze.currents.warehouse import Warehouse

NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def epoch(text: str, zone: dt.tzinfo = UTC) -> int:
    """'2024-01-07 22:00' in ``zone`` -> UTC epoch seconds."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=zone).timestamp())


def create_tables(warehouse: Warehouse, events: Mapping[str, Iterable[Mapping]]) -> None:
    """One table per event type with every column of its schema; rows given as dicts with
    lower-case Avro field names (missing fields are NULL, ids are made up when absent)."""
    for event_type, rows in events.items():
        columns = fields(event_type)
        table = table_name(event_type)
        definition = ", ".join(
            f'"{c.name.upper()}" {sql_type(c.type, warehouse.dialect)}' for c in columns
        )
        warehouse.execute(f'CREATE TABLE "{table}" ({definition})')
        marker = "%s" if warehouse.dialect == "postgres" else "?"
        names = ", ".join(f'"{c.name.upper()}"' for c in columns)
        insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join([marker] * len(columns))})'
        for number, row in enumerate(rows):
            values = {"id": f"{table}-{number}", **row}
            warehouse.execute(insert, [values.get(c.name) for c in columns])
    warehouse.commit()


def message(
    campaign: str | None = None,
    variation: str | None = None,
    canvas: str | None = None,
    step: str | None = None,
    send_id: str | None = None,
) -> dict:
    """The message columns of a campaign message (campaign + variation) or canvas step."""
    ids: dict = {"send_id": send_id}
    if campaign:
        ids.update(
            campaign_id=f"id-{campaign}", campaign_name=campaign, message_variation_id=variation
        )
    if canvas:
        ids.update(
            canvas_id=f"id-{canvas}",
            canvas_name=canvas,
            canvas_variation_id="cv",
            canvas_step_id=step,
        )
    return ids


def email(address: str, time: int, **ids) -> dict:
    return {"user_id": f"u-{address}", "email_address": address, "time": time, **ids}


def push(user: str, time: int, **ids) -> dict:
    return {"user_id": user, "app_id": "app", "platform": "ios", "time": time, **ids}


def session(user: str, time: int, app: str = "app") -> dict:
    return {"user_id": user, "app_id": app, "session_id": f"s-{user}-{time}", "time": time}


SEND, DELIVERY, OPEN, CLICK = (
    f"users.messages.email.{n}" for n in ("Send", "Delivery", "Open", "Click")
)
BOUNCE, SOFT, SPAM, UNSUB = (
    f"users.messages.email.{n}" for n in ("Bounce", "SoftBounce", "MarkAsSpam", "Unsubscribe")
)
PUSH_SEND, PUSH_BOUNCE, PUSH_OPEN = (
    f"users.messages.pushnotification.{n}" for n in ("Send", "Bounce", "Open")
)
FIRST, START = "users.behaviors.app.FirstSession", "users.behaviors.app.SessionStart"


def scenario() -> dict[str, list[dict]]:
    """A small world whose every model result is worked out in test_models_semantics.py.

    Email: campaign Spring, variation V1 (send_id S1) to a, b, c, d on Tue 2024-01-02: c hard
    bounces, d soft bounces; a opens twice and clicks. Variation V2 (no send_id) to a on Tue
    2024-01-09, opened. Canvas Welcome step ST1 to a and e on Wed 2024-01-03: a opens (plus one
    open carrying no variation/step), e reports spam and unsubscribes.
    Push: PushA (PV1, send_id P1) to u1, u2, u3 on 2024-01-02, u3 bounces, u1 opens; PushB (PV2,
    no send_id) to u1 on 2024-01-04, opened twice.
    Sessions (New York): u1 first 2024-01-01 10:00, u2 first 2024-01-01 23:30 (already Jan 2
    in UTC), u3 first 2024-01-02 09:00; later sessions below.
    """
    spring1 = message("Spring", "V1", send_id="S1")
    spring2 = message("Spring", "V2")
    welcome = message(canvas="Welcome", step="ST1")
    t = epoch
    return {
        SEND: [email(a, t("2024-01-02 15:00"), **spring1) for a in ("a@x", "b@x", "c@x", "d@x")]
        + [email("a@x", t("2024-01-09 15:00"), **spring2)]
        + [email(a, t("2024-01-03 12:00"), **welcome) for a in ("a@x", "e@x")],
        DELIVERY: [
            email("a@x", t("2024-01-02 15:01"), sending_ip="10.0.0.1", **spring1),
            email("b@x", t("2024-01-02 15:01"), sending_ip="10.0.0.1", **spring1),
            email("a@x", t("2024-01-09 15:01"), sending_ip="10.0.0.2", **spring2),
            email("a@x", t("2024-01-03 12:01"), sending_ip="10.0.0.2", **welcome),
            email("e@x", t("2024-01-03 12:01"), sending_ip="10.0.0.2", **welcome),
        ],
        OPEN: [
            email("a@x", t("2024-01-02 16:00"), **spring1),
            email("a@x", t("2024-01-02 18:00"), **spring1),
            email("a@x", t("2024-01-09 20:00"), **spring2),
            email("a@x", t("2024-01-03 13:00"), **welcome),
            email("a@x", t("2024-01-03 14:00"), canvas_id="id-Welcome", canvas_name="Welcome"),
        ],
        CLICK: [email("a@x", t("2024-01-02 16:05"), **spring1)],
        BOUNCE: [email("c@x", t("2024-01-02 15:02"), sending_ip="10.0.0.1", **spring1)],
        SOFT: [email("d@x", t("2024-01-02 15:02"), sending_ip="10.0.0.3", **spring1)],
        SPAM: [email("e@x", t("2024-01-03 13:00"), **welcome)],
        UNSUB: [email("e@x", t("2024-01-03 13:05"), **welcome)],
        PUSH_SEND: [
            push(u, t("2024-01-02 14:00"), **message("PushA", "PV1", send_id="P1"))
            for u in ("u1", "u2", "u3")
        ]
        + [push("u1", t("2024-01-04 14:00"), **message("PushB", "PV2"))],
        PUSH_BOUNCE: [push("u3", t("2024-01-02 14:01"), **message("PushA", "PV1", send_id="P1"))],
        PUSH_OPEN: [
            push("u1", t("2024-01-02 15:00"), **message("PushA", "PV1", send_id="P1")),
            push("u1", t("2024-01-04 16:00"), **message("PushB", "PV2")),
            push("u1", t("2024-01-04 17:00"), **message("PushB", "PV2")),
        ],
        FIRST: [
            session("u1", t("2024-01-01 10:00", NEW_YORK)),
            session("u2", t("2024-01-01 23:30", NEW_YORK)),
            session("u3", t("2024-01-02 09:00", NEW_YORK)),
        ],
        START: [
            session("u1", t("2024-01-01 10:00", NEW_YORK)),
            session("u1", t("2024-01-02 12:00", NEW_YORK)),
            session("u1", t("2024-01-04 12:00", NEW_YORK)),
            session("u1", t("2024-01-15 12:00", NEW_YORK)),
            session("u2", t("2024-01-02 20:00", NEW_YORK)),
            session("u3", t("2024-01-03 09:00", NEW_YORK)),
            session("u3", t("2024-01-09 09:00", NEW_YORK)),
        ],
    }


def failures_world() -> dict[str, list[dict]]:
    """A world for counting failures the block's way (see test_models_semantics.py).
    Campaign Spring (V1, V2) and canvas Welcome (ST1), in New York days. c is sent V1 on Tue
    Jan 2 and V2 on Thu Jan 4 and hard-bounces both (from one IP). a unsubscribes from V1 (Tue)
    and again from V2 (Wed); b from V1 (Tue) and from Welcome (Wed); one Spring unsubscribe on
    Thu carries no address."""
    v1, v2 = message("Spring", "V1"), message("Spring", "V2")
    welcome, t, ip = message(canvas="Welcome", step="ST1"), epoch, "10.0.0.9"
    return {
        SEND: [
            email("a@x", t("2024-01-02 15:00"), **v1),
            email("b@x", t("2024-01-02 15:00"), **v1),
            email("c@x", t("2024-01-02 15:00"), **v1),
            email("a@x", t("2024-01-03 15:00"), **v2),
            email("c@x", t("2024-01-04 15:00"), **v2),
            email("b@x", t("2024-01-03 12:00"), **welcome),
        ],
        BOUNCE: [
            email("c@x", t("2024-01-02 15:02"), sending_ip=ip, **v1),
            email("c@x", t("2024-01-04 15:02"), sending_ip=ip, **v2),
        ],
        UNSUB: [
            email("a@x", t("2024-01-02 16:00"), **v1),
            email("a@x", t("2024-01-03 16:00"), **v2),
            email("b@x", t("2024-01-02 16:00"), **v1),
            email("b@x", t("2024-01-03 13:00"), **welcome),
            {**email("a@x", t("2024-01-04 16:00"), **v1), "email_address": None},
        ],
    }
