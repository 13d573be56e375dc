"""The events action end to end: Looker sender -> hub -> Braze simulator, real HTTP, a real
SQLite (or PostgreSQL) ledger. Exact payloads, exactly once under faults and re-runs, every row
accounted for, dry runs that send nothing."""

from __future__ import annotations

import orjson
import pytest

from looker_braze.sim.looker import LookerSender

from .conftest import running_braze, running_hub
from .events_looks import (
    EVENT_FIELDS,
    ID,
    NAME,
    PURCHASE_FIELDS,
    document,
    event_row,
    many_events,
    purchase_row,
)

pytestmark = pytest.mark.timeout(300)

EVENTS = {"braze_kind": "event", "braze_key": "external_id", "braze_update_existing_only": "no"}
PURCHASES = {**EVENTS, "braze_kind": "purchase"}


async def execute(hub, braze, look, form=EVENTS, **options):
    async with LookerSender(hub.url, token=hub.token) as looker:
        return await looker.execute(
            "braze_events", params=braze.params(), form_params=form, look=look, **options
        )


def events_of(braze, external_id: str) -> list[dict]:
    return braze.sim.occurrences("events", "external_id", external_id) or []


def purchases_of(braze, external_id: str) -> list[dict]:
    return braze.sim.occurrences("purchases", "external_id", external_id) or []


def every_event(braze) -> list[dict]:
    occurrences = braze.sim.workspace.occurrences
    return [event for events in occurrences.events.values() for event in events]


class Recorder:
    """Records every /users/track body the simulator receives (answers unchanged)."""

    def __init__(self, braze) -> None:
        self.bodies: list[dict] = []
        track = braze.sim.track

        def recording(payload, queued=False):
            self.bodies.append(payload)
            return track(payload, queued)

        braze.sim.track = recording


# ---------------------------------------------------------------- a small Look, exact payloads


async def test_small_look_sends_exact_event_payloads_once(hub, braze):
    recorder = Recorder(braze)
    rows = [
        event_row("u1", at="2025-01-31 10:00:00", plan="gold", score=0.82),
        event_row("u2", name="churned", at="2025-02-01 23:30:00", plan=None, score=3),
    ]
    result = await execute(hub, braze, document(EVENT_FIELDS, rows, timezone="Europe/Paris"))
    assert result.looker["success"] is True, result.looker["message"]
    assert recorder.bodies == [
        {
            "events": [
                {"external_id": "u1", "_update_existing_only": False, "name": "signed_up",
                 "time": "2025-01-31T09:00:00Z", "properties": {"plan": "gold", "score": 0.82}},
                {"external_id": "u2", "_update_existing_only": False, "name": "churned",
                 "time": "2025-02-01T22:30:00Z", "properties": {"score": 3}},
            ]
        }
    ]  # fmt: skip
    assert events_of(braze, "u1") == [
        {"name": "signed_up", "time": "2025-01-31T09:00:00.000Z",
         "properties": {"plan": "gold", "score": 0.82}}
    ]  # fmt: skip
    message = result.looker["message"]
    assert "Done: 2 events sent to Braze" in message and "2 data points (1 per event)" in message


async def test_small_look_sends_exact_purchase_payloads(hub, braze):
    recorder = Recorder(braze)
    rows = [
        purchase_row("u1", price=99, currency="usd", quantity=2),
        purchase_row("u2", product="Socks", price="4.5", currency=None, quantity=None, plan=None),
    ]
    form = {**PURCHASES, "braze_currency": "eur"}
    result = await execute(hub, braze, document(PURCHASE_FIELDS, rows), form=form)
    assert result.looker["success"] is True, result.looker["message"]
    assert recorder.bodies == [
        {
            "purchases": [
                {"external_id": "u1", "_update_existing_only": False, "product_id": "Annual Plan",
                 "currency": "USD", "price": 99.0, "quantity": 2, "time": "2025-01-31T10:00:00Z",
                 "properties": {"plan": "gold"}},
                {"external_id": "u2", "_update_existing_only": False, "product_id": "Socks",
                 "currency": "EUR", "price": 4.5, "time": "2025-01-31T10:00:00Z"},
            ]
        }
    ]  # fmt: skip
    assert [p["product_id"] for p in purchases_of(braze, "u1")] == ["Annual Plan"]
    # Each purchase costs 1, and its property 1 more: 3 data points, as the simulator bills.
    assert "3 data points" in result.looker["message"]
    assert braze.sim.stats()["data_points"] == 3


async def test_event_name_from_the_form_and_aliases(hub, braze):
    recorder = Recorder(braze)
    fields = [f for f in EVENT_FIELDS if f is not NAME]
    rows = [{k: v for k, v in event_row("anna").items() if k != "events.name"}]
    form = {**EVENTS, "braze_key": "user_alias", "braze_alias_label": "crm",
            "braze_event_name": "looker_segment_entered"}  # fmt: skip
    result = await execute(hub, braze, document(fields, rows), form=form)
    assert result.looker["success"] is True, result.looker["message"]
    sent = recorder.bodies[0]["events"][0]
    assert sent["user_alias"] == {"alias_name": "anna", "alias_label": "crm"}
    assert sent["name"] == "looker_segment_entered"


# ---------------------------------------------------------------- re-runs and dry runs


async def test_rerunning_the_same_schedule_sends_no_duplicate(hub, braze):
    rows = [event_row(f"u{i}", score=i) for i in range(5)]
    first = await execute(hub, braze, document(EVENT_FIELDS, rows))
    assert first.looker["success"] is True
    more = [*rows, event_row("u9", at="2025-03-01 00:00:00")]
    again = await execute(hub, braze, document(EVENT_FIELDS, more))
    assert again.looker["success"] is True, again.looker["message"]
    assert "Done: 1 event sent" in again.looker["message"]
    assert "5 sent by an earlier run, not sent again" in again.looker["message"]
    assert len(every_event(braze)) == 6  # Braze stores every event it gets: none came twice


async def test_dry_run_lists_payloads_and_sends_nothing(hub, braze):
    rows = [event_row(f"u{i}") for i in range(12)]
    await execute(hub, braze, document(EVENT_FIELDS, rows[:2]))  # two already sent
    before = braze.sim.stats()["objects_received"]
    result = await execute(
        hub, braze, document(EVENT_FIELDS, rows), {**EVENTS, "braze_dry_run": "yes"}
    )
    message = result.looker["message"]
    assert message.startswith("Dry run, nothing sent: 10 events would be sent.")
    assert "2 sent by an earlier run" in message and "10 data points" in message
    listed = orjson.loads(message.rpartition("First objects: ")[2])
    assert [obj["external_id"] for obj in listed] == [f"u{i}" for i in range(2, 12)]
    assert braze.sim.stats()["objects_received"] == before
    # The dry run reserved nothing: the real send sends the ten.
    result = await execute(hub, braze, document(EVENT_FIELDS, rows))
    assert "Done: 10 events sent" in result.looker["message"]


# ---------------------------------------------------------------- invalid rows


async def test_each_invalid_row_is_rejected_with_its_reason(hub, braze):
    long = "x" * 256
    rows = [
        event_row("ok"),
        event_row(None),
        event_row("no-time", at=None),
        event_row("bad-time", at="yesterday"),
        event_row("long-plan", plan=long),
        event_row("no-name", name=None),
        event_row("ok"),  # the same event again: one event
    ]
    result = await execute(hub, braze, document(EVENT_FIELDS, rows))
    message = result.looker["message"]
    assert "Rows read: 7: 1 sent; 1 identical rows sent once; 5 invalid (" in message
    assert (await _history(hub))[0].rejections == {
        "empty identifier": 1,
        "no time": 1,
        "time: not a date or time": 1,
        "property 'plan' longer than 255 characters": 1,
        "no event name": 1,
    }
    assert len(every_event(braze)) == 1


async def test_purchase_rules_are_checked_per_row(hub, braze):
    rows = [
        purchase_row("ok"),
        purchase_row("q0", quantity=0),
        purchase_row("q101", quantity=101),
        purchase_row("qhalf", quantity=1.5),
        purchase_row("xyz", currency="XYZ"),
        purchase_row("price", price="cheap"),
        purchase_row("long", product="p" * 256),
    ]
    result = await execute(hub, braze, document(PURCHASE_FIELDS, rows), form=PURCHASES)
    assert "Rows read: 7: 1 sent; 6 invalid" in result.looker["message"]
    record = (await _history(hub))[0]
    assert record.rejections == {
        "quantity is not a whole number from 1 to 100": 3,
        "currency is not an ISO-4217 code (e.g. USD)": 1,
        "price is not a number": 1,
        "product id longer than 255 characters": 1,
    }


async def test_reserved_and_dollar_property_names_reject_rows(hub, braze):
    fields = [ID, NAME, *EVENT_FIELDS[2:3],
              {"name": "e.t", "type": "string", "tags": ["braze_property[time]"]}]  # fmt: skip
    rows = [{"users.id": "u1", "events.name": "x", "events.at_time": "2025-01-01 00:00:00",
             "e.t": "now"}]  # fmt: skip
    result = await execute(hub, braze, document(fields, rows))
    assert "property name 'time' is reserved by Braze" in result.looker["message"]
    assert every_event(braze) == []


async def test_a_look_without_a_time_fails_before_sending(hub, braze):
    fields = [ID, NAME]
    result = await execute(hub, braze, document(fields, [{"users.id": "u1", "events.name": "x"}]))
    assert result.looker["success"] is False
    assert "tag 'braze_time'" in result.looker["message"]
    assert braze.sim.stats()["objects_received"] == 0


async def test_braze_rejections_are_mapped_back_by_index(hub, braze):
    """The simulator refuses what the hub lets through (an identifier on its blocklist): each
    rejected object is traced back to its row by input_array + index, and released."""
    braze.sim.config.blocklisted_external_ids = frozenset({"blocked"})
    rows = [event_row("a"), event_row("blocked"), event_row("b")]
    result = await execute(hub, braze, document(EVENT_FIELDS, rows))
    assert (
        "2 sent; 1 rejected by Braze (provided external_id is blacklisted"
        in result.looker["message"]
    )
    braze.sim.config.blocklisted_external_ids = frozenset()
    again = await execute(hub, braze, document(EVENT_FIELDS, rows))  # fixed in Braze: sent now
    assert "1 sent; 2 sent by an earlier run" in again.looker["message"]


async def _history(hub):
    from looker_braze.state import open_store

    with open_store(hub.settings.state_url, abandon_stale=False) as store:
        return store.runs(limit=5)


# ---------------------------------------------------------------- exactly once under faults


@pytest.mark.timeout(600)
async def test_large_look_exactly_once_under_rate_limits_errors_and_lost_answers():
    """3,000 events, Braze answering 429s and 5xx, dropping connections before reading requests
    and after applying them (lost answers). A run stops at the first request whose fate is
    unknown and holds its events; re-running the schedule sends the rest. No event ever reaches
    Braze twice, and every event is in Braze or reported held."""
    count = 3000
    look = many_events(count, users=500)
    with running_braze(users=500, rate_limit_requests=20, rate_limit_seconds=1.0) as braze:
        braze.sim.set_faults(error_rate=0.04, drop_rate=0.02, lost_answer_rate=0.02)
        with running_hub(braze.url, retry_deadline_seconds=60) as hub:
            results = []
            for _ in range(40):  # the schedule, run again and again
                result = await execute(hub, braze, look)
                results.append(result.looker["message"])
                assert _distinct(braze), "an event reached Braze twice"
                sent, pending = _ledger(hub)
                if sent + pending == count:  # nothing left that may be sent blindly
                    break
            received = len(every_event(braze))
            # Braze has every event the ledger says it accepted, and of the held ones only
            # those whose answer was lost: none twice, none missing without being reported.
            assert sent <= received <= sent + pending, results[-3:]
            assert pending > 0 and braze.sim.stats()["rate_limited_requests"] > 0
            # Settled: another run sends nothing and reports what it holds.
            result = await execute(hub, braze, look)
            assert f"{sent:,} sent by an earlier run" in result.looker["message"]
            assert f"{pending:,} held" in result.looker["message"]
            assert result.looker["success"] is False
            assert len(every_event(braze)) == received
            # Releasing the held events (after "checking in Braze") sends them again: those
            # whose answer was lost arrive twice, the price the release's warning names.
            braze.sim.set_faults(error_rate=0, drop_rate=0, lost_answer_rate=0)
            assert _release_unknown(hub) == pending
            result = await execute(hub, braze, look)
            assert f"Done: {pending:,} event" in result.looker["message"], result.looker
            assert len(every_event(braze)) == received + pending
            assert len({_key(e) for e in every_event(braze)}) == count
            assert _ledger(hub) == (count, 0)


def _ledger(hub) -> tuple[int, int]:
    """(sent, pending) events in the hub's ledger."""
    from looker_braze.state import open_store

    count = "SELECT status, count(*) FROM sent_events GROUP BY status"
    with (
        open_store(hub.settings.state_url, abandon_stale=False) as store,
        store.transaction("count") as conn,
    ):
        rows = dict(conn.execute(count))
    return rows.get("sent", 0), rows.get("pending", 0)


def _release_unknown(hub) -> int:
    from looker_braze.state import events as ledger
    from looker_braze.state import open_store

    with open_store(hub.settings.state_url, abandon_stale=False) as store:
        return ledger.release_unknown(store)


def _key(event: dict) -> bytes:
    return orjson.dumps(event, option=orjson.OPT_SORT_KEYS)


def _distinct(braze) -> bool:
    keys = [_key(event) for event in every_event(braze)]
    return len(keys) == len(set(keys))


async def test_exactly_once_with_the_ledger_on_postgresql(pg_schema):
    """The same guarantee with the state store on PostgreSQL (several hub replicas share it):
    two hubs sending the same Look at once never send an event twice."""
    import asyncio

    url, schema = pg_schema
    state = f"{url}?schema={schema}"
    rows = [event_row(f"u{i}", score=i) for i in range(300)]
    look = document(EVENT_FIELDS, rows)
    with (
        running_braze() as braze,
        running_hub(braze.url, state_url=state) as one,
        running_hub(braze.url, state_url=state) as two,
    ):
        first, second = await asyncio.gather(execute(one, braze, look), execute(two, braze, look))
        again = await execute(one, braze, look)
        events = every_event(braze)
    assert len(events) == 300 and _distinct_events(events)
    assert "300 sent by an earlier run, not sent again" in again.looker["message"]
    # Each event went with one of the two sends; the other saw it sent or being sent.
    assert first.looker["success"] and second.looker["success"], (first.looker, second.looker)


def _distinct_events(events: list[dict]) -> bool:
    return len({_key(event) for event in events}) == len(events)
