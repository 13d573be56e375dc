"""Property test: on any event set shaped as Braze sends it, every rate of every model lies in
[0, 1], machine events in or out.

Shape (Braze's guarantees and its samples): each email open, click, spam report and
unsubscribe follows a delivery of its message to its address, each delivery or bounce follows a
send; a push is opened only if it did not bounce, possibly more than once (repeat opens: a rate
of open events over deliveries passes 100%, so the push open rate counts (user, message) pairs);
every message event carries
both a message_variation_id and a canvas_step_id (as in Braze's samples, which made the blocks'
unique counts 200%); rows may arrive twice with the same id (at-least-once delivery); opens may
be machine opens and clicks suspected bot clicks. SMS, WhatsApp, RCS and LINE: each read, click
and inbound message follows a delivery of its message to its user (on LINE, which reports no
delivery, a send). Ratios that may pass 1 by definition
(opens_per_send: repeat opens) are not rates and are not checked."""

from __future__ import annotations

from functools import cache

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from looker_braze.currents.models import MODELS, accepted_params, bound_values
from looker_braze.currents.models.binding import ValueBinder
from looker_braze.currents.models.compiler import compile_sql
from looker_braze.currents.schemas import EVENT_TYPES, table_name
from looker_braze.currents.warehouse import Warehouse
from tests.currents.test_models_support import create_tables

EMAIL = "users.messages.email."
PUSH = "users.messages.pushnotification."
SESSION = "users.behaviors.app."
DAY = 86_400
START = 1_704_067_200  # 2024-01-01 00:00 UTC
MESSAGES = [
    {"campaign_id": "c1", "campaign_name": "Spring", "message_variation_id": "v1"},
    {"campaign_id": "c2", "campaign_name": "Summer", "message_variation_id": "v2"},
    {"canvas_id": "k1", "canvas_name": "Onboarding", "canvas_step_id": "s1"},
]

email_outcome = st.fixed_dictionaries(
    {
        "address": st.sampled_from(["a@x", "b@x", "c@x"]),
        "message": st.integers(0, len(MESSAGES) - 1),
        "day": st.integers(0, 20),
        "fate": st.sampled_from(["delivered", "bounced", "soft", "lost"]),
        "opens": st.lists(st.booleans(), max_size=3),  # True = a machine open
        "clicks": st.lists(st.booleans(), max_size=2),  # True = a suspected bot click
        "spam": st.booleans(),
        "unsubscribe": st.booleans(),
        "duplicate": st.booleans(),
    }
)
push_outcome = st.fixed_dictionaries(
    {
        "user": st.sampled_from(["u1", "u2"]),
        "message": st.integers(0, len(MESSAGES) - 1),
        "day": st.integers(0, 20),
        "bounced": st.booleans(),
        "opens": st.integers(0, 3),
        "platform": st.sampled_from(["ios", "android"]),
    }
)
# SMS, WhatsApp, RCS and LINE: a send, then what its channel reports (a rejection, a failure or
# a delivery; LINE reports none), and after a delivery reads, clicks (True = a suspected bot
# click) and an inbound message with its subscription action.
messaging_outcome = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["sms", "whatsapp", "rcs", "line"]),
        "user": st.sampled_from(["u1", "u2"]),
        "message": st.integers(0, len(MESSAGES) - 1),
        "day": st.integers(0, 20),
        "fate": st.sampled_from(["delivered", "rejected", "failed"]),
        "read": st.booleans(),
        "clicks": st.lists(st.booleans(), max_size=2),
        "inbound": st.sampled_from([None, "None", "Unsubscribed", "Subscribed"]),
        "duplicate": st.booleans(),
    }
)
session = st.fixed_dictionaries(
    {"user": st.sampled_from(["u1", "u2"]), "days": st.lists(st.integers(0, 40), max_size=5)}
)


def _message(index: int) -> dict:
    # Braze's samples fill both ids on every message event
    ids = {"message_variation_id": f"var-{index}", "canvas_step_id": f"step-{index}"}
    return {**ids, **MESSAGES[index]}


def _email_rows(outcomes: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {
        EMAIL + e: []
        for e in (
            "Send",
            "Delivery",
            "Open",
            "Click",
            "Bounce",
            "SoftBounce",
            "MarkAsSpam",
            "Unsubscribe",
        )
    }

    def add(event: str, n: int, o: dict, offset: int, **extra) -> None:
        row = {
            "id": f"{event}-{n}-{offset}",
            "user_id": o["address"],
            "email_address": o["address"],
            "time": START + o["day"] * DAY + offset * 60,
            **_message(o["message"]),
            **extra,
        }
        rows[EMAIL + event].append(row)
        if o["duplicate"]:
            rows[EMAIL + event].append(dict(row))

    for n, o in enumerate(outcomes):
        add("Send", n, o, 0)
        if o["fate"] == "bounced":
            add("Bounce", n, o, 1, sending_ip="10.0.0.1")
        elif o["fate"] == "soft":
            add("SoftBounce", n, o, 1, sending_ip="10.0.0.2")
        if o["fate"] != "delivered":
            continue
        add("Delivery", n, o, 1, sending_ip="10.0.0.1")
        for k, machine in enumerate(o["opens"]):
            add("Open", n, o, 2 + k, machine_open="true" if machine else None)
        if o["opens"]:
            for k, bot in enumerate(o["clicks"]):
                add("Click", n, o, 10 + k, is_suspected_bot_click=bot)
        if o["spam"]:
            add("MarkAsSpam", n, o, 20)
        if o["unsubscribe"]:
            add("Unsubscribe", n, o, 21)
    return rows


def _push_rows(outcomes: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {PUSH + e: [] for e in ("Send", "Bounce", "Open")}
    for n, o in enumerate(outcomes):
        base = {
            "user_id": o["user"],
            "app_id": "app",
            "platform": o["platform"],
            "time": START + o["day"] * DAY,
            **_message(o["message"]),
        }
        rows[PUSH + "Send"].append({**base, "id": f"ps-{n}"})
        if o["bounced"]:
            rows[PUSH + "Bounce"].append({**base, "id": f"pb-{n}", "time": base["time"] + 1})
            continue
        for k in range(o["opens"]):
            rows[PUSH + "Open"].append({**base, "id": f"po-{n}-{k}", "time": base["time"] + 60 + k})
    return rows


_MESSAGING_EVENTS = {
    "sms": ("Send", "CarrierSend", "Rejection", "Delivery", "DeliveryFailure", "ShortLinkClick"),
    "whatsapp": ("Send", "Delivery", "Failure", "Read", "Click"),
    "rcs": ("Send", "Rejection", "Delivery", "Read", "Click"),
    "line": ("Send", "Click"),
}


def _messaging_rows(outcomes: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {
        f"users.messages.{c}.{e}": []
        for c, events in _MESSAGING_EVENTS.items()
        for e in (*events, "InboundReceive")
    }

    def add(o: dict, n: int, event: str, offset: int, **extra) -> None:
        row = {
            "id": f"{o['channel']}-{event}-{n}-{offset}",
            "user_id": o["user"],
            "to_phone_number": f"+1{o['user']}",
            "user_phone_number": f"+1{o['user']}",
            "native_line_id": o["user"],
            "time": START + o["day"] * DAY + offset * 60,
            **_message(o["message"]),
            **extra,
        }
        table = rows[f"users.messages.{o['channel']}.{event}"]
        table.append(row)
        if o["duplicate"]:
            table.append(dict(row))

    for n, o in enumerate(outcomes):
        channel, events = o["channel"], _MESSAGING_EVENTS[o["channel"]]
        add(o, n, "Send", 0)
        fate = o["fate"] if channel != "line" else "delivered"  # LINE reports no outcome
        if channel == "sms" and fate != "rejected":
            add(o, n, "CarrierSend", 1)
        failure = "DeliveryFailure" if channel == "sms" else "Failure"
        if fate == "rejected" and "Rejection" in events:
            add(o, n, "Rejection", 2)
        elif fate != "delivered" and failure in events:
            add(o, n, failure, 2)
        if fate != "delivered":
            continue
        if channel != "line":
            add(o, n, "Delivery", 2)
        if o["read"] and "Read" in events:
            add(o, n, "Read", 3)
        click = "ShortLinkClick" if channel == "sms" else "Click"
        for k, bot in enumerate(o["clicks"]):
            add(o, n, click, 4 + k, is_suspected_bot_click=bot)
        if o["inbound"]:
            add(o, n, "InboundReceive", 10, action=o["inbound"], message_body="hi")
    return rows


def _session_rows(users: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {SESSION + "FirstSession": [], SESSION + "SessionStart": []}
    for n, u in enumerate(users):
        if not u["days"]:
            continue
        first = min(u["days"])
        base = {"user_id": f"{u['user']}-{n}", "app_id": "app", "session_id": "s"}
        rows[SESSION + "FirstSession"].append({**base, "id": f"f-{n}", "time": START + first * DAY})
        for k, day in enumerate(u["days"]):
            rows[SESSION + "SessionStart"].append(
                {**base, "id": f"s-{n}-{k}", "time": START + day * DAY}
            )
    return rows


@cache
def _sql(model: str, machine: int) -> str:
    given = {"machine_events": "include"} if machine else {}
    if "machine_events" not in accepted_params(model):
        given = {}
    values = bound_values(model, given)
    tables = [table_name(t) for t in EVENT_TYPES]
    return compile_sql(model, "duckdb", ValueBinder(values), tables=tables)


def _create_with_bot_column(warehouse: Warehouse, rows: dict) -> None:
    create_tables(warehouse, {t: [] for t in EVENT_TYPES if t not in rows})
    create_tables(warehouse, rows)
    clicks = rows[EMAIL + "Click"]
    # IS_SUSPECTED_BOT_CLICK: a field of later schemas (Braze's samples have it)
    warehouse.execute(
        'ALTER TABLE "USERS_MESSAGES_EMAIL_CLICK" ADD COLUMN IF NOT EXISTS '
        '"IS_SUSPECTED_BOT_CLICK" BOOLEAN'
    )
    for c in clicks:
        if c.get("is_suspected_bot_click"):
            warehouse.execute(
                'UPDATE "USERS_MESSAGES_EMAIL_CLICK" SET "IS_SUSPECTED_BOT_CLICK" = TRUE '
                'WHERE "ID" = ?',
                [c["id"]],
            )


@settings(max_examples=20, deadline=None)
@given(
    emails=st.lists(email_outcome, max_size=8),
    pushes=st.lists(push_outcome, max_size=6),
    sessions=st.lists(session, max_size=4),
    messages=st.lists(messaging_outcome, max_size=8),
)
def test_every_rate_of_every_model_is_between_0_and_1(emails, pushes, sessions, messages):
    warehouse = Warehouse("duckdb", duckdb.connect(":memory:"))
    warehouse.execute("SET TimeZone = 'UTC'")
    _create_with_bot_column(
        warehouse,
        {
            **_email_rows(emails),
            **_push_rows(pushes),
            **_session_rows(sessions),
            **_messaging_rows(messages),
        },
    )
    try:
        for model in MODELS:
            for machine in (0, 1):
                columns, rows = warehouse.query(_sql(model, machine))
                for row in rows:
                    for column, value in zip(columns, row, strict=True):
                        if column.endswith("_rate") and value is not None:
                            assert 0 <= value <= 1, (model, machine, column, value)
    finally:
        warehouse.close()


# --- In-product surfaces, webhooks and live activities ---------------------------------------
# Shape: a content card is seen only after it was sent, any surface is clicked or dismissed
# only once seen (and may be seen, clicked or dismissed more than once); a webhook fails only
# after it was sent, may fail again after a retry, and Braze gives it up at most once; a live
# activity update may have an outcome. Rows may arrive twice.

SURFACE_FAMILIES = ("inappmessage", "contentcard", "banner")
surface_outcome = st.fixed_dictionaries(
    {
        "family": st.sampled_from(SURFACE_FAMILIES),
        "user": st.sampled_from(["u1", "u2"]),
        "message": st.integers(0, len(MESSAGES) - 1),
        "day": st.integers(0, 20),
        "impressions": st.integers(0, 3),
        "clicks": st.integers(0, 2),
        "dismissals": st.integers(0, 2),
        "aborted": st.booleans(),
        "duplicate": st.booleans(),
    }
)
webhook_outcome = st.fixed_dictionaries(
    {
        "user": st.sampled_from(["u1", "u2"]),
        "message": st.integers(0, len(MESSAGES) - 1),
        "day": st.integers(0, 20),
        "failures": st.integers(0, 3),
        "given_up": st.booleans(),
        "aborted": st.booleans(),
        "duplicate": st.booleans(),
    }
)
live_update = st.fixed_dictionaries(
    {
        "activity": st.sampled_from(["a1", "a2", "a3"]),
        "day": st.integers(0, 20),
        "outcome": st.sampled_from(["Success", "Failure", None]),
    }
)


def _surface_rows(surfaces: list[dict], hooks: list[dict], live: list[dict]) -> dict:
    rows: dict[str, list[dict]] = {}

    def add(event_type: str, n: int, o: dict, offset: int, **extra) -> None:
        row = {
            "id": f"{event_type}-{n}-{offset}",
            "user_id": o.get("user", "u1"),
            "app_id": "app",
            "time": START + o["day"] * DAY + offset * 60,
            **_message(o["message"]),
            **extra,
        }
        copies = 2 if o.get("duplicate") else 1
        rows.setdefault(event_type, []).extend(dict(row) for _ in range(copies))

    for n, o in enumerate(surfaces):
        name = f"users.messages.{o['family']}."
        if o["family"] == "contentcard":
            add(name + "Send", n, o, 0, content_card_id=f"card-{n}")
        for k in range(o["impressions"]):
            add(name + "Impression", n, o, 1 + k, content_card_id=f"card-{n}")
        if o["impressions"]:
            for k in range(o["clicks"]):
                add(name + "Click", n, o, 10 + k, content_card_id=f"card-{n}")
            if o["family"] != "inappmessage":
                for k in range(o["dismissals"]):
                    add(name + "Dismiss", n, o, 20 + k, content_card_id=f"card-{n}")
        if o["aborted"]:
            add(name + "Abort", n, o, 30)
    hook = "users.messages.webhook."
    for n, o in enumerate(hooks):
        add(hook + "Send", n, o, 0)
        for k in range(o["failures"]):
            last = k == o["failures"] - 1
            terminal = last and o["given_up"]
            add(hook + "Failure", n, o, 1 + 2 * k, is_terminal=terminal, http_status_code=503)
            if not terminal:
                add(hook + "Retry", n, o, 2 + 2 * k)
        if o["aborted"]:
            add(hook + "Abort", n, o, 30)
    for n, u in enumerate(live):
        base = {"day": u["day"], "message": 0, "activity_id": u["activity"]}
        add("users.messages.liveactivity.Send", n, base, 0, activity_id=u["activity"])
        if u["outcome"]:
            outcome = {"activity_id": u["activity"], "live_activity_event_outcome": u["outcome"]}
            add("users.messages.liveactivity.Outcome", n, base, 1, **outcome)
    return rows


SURFACE_MODELS = [
    m
    for m in MODELS
    if m.startswith(("in_app", "content_card", "banner", "webhook", "feature_flag", "live_"))
]


@settings(max_examples=25, deadline=None)
@given(
    surfaces=st.lists(surface_outcome, max_size=8),
    hooks=st.lists(webhook_outcome, max_size=5),
    live=st.lists(live_update, max_size=5),
)
def test_every_surface_rate_is_between_0_and_1(surfaces, hooks, live):
    warehouse = Warehouse("duckdb", duckdb.connect(":memory:"))
    warehouse.execute("SET TimeZone = 'UTC'")
    rows = _surface_rows(surfaces, hooks, live)
    create_tables(warehouse, {t: [] for t in EVENT_TYPES if t not in rows})
    create_tables(warehouse, rows)
    try:
        for model in SURFACE_MODELS:
            columns, found = warehouse.query(_sql(model, 0))
            for row in found:
                for column, value in zip(columns, row, strict=True):
                    if column.endswith("_rate") and value is not None:
                        assert 0 <= value <= 1, (model, column, value)
    finally:
        warehouse.close()
