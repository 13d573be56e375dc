"""The closed loop in the demo: a Look of "churn risk" users synced to Braze through the hub;
the hub's membership history exported to a DuckDB warehouse; Currents generated for those users
with a planted response (members open emails 20 points more often after joining, and each week
after joining convert a little more often); loaded; and the audience's response read back against
users never in it. Needs the [currents] extra."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import orjson

from looker_braze.demo.scenario import API_KEY
from looker_braze.extras import missing
from looker_braze.sim import population
from looker_braze.sim.looker import LookerSender

AUDIENCE = "churn_risk"
USERS = 4000  # generated Currents users; every other one is in the audience
PLANTED_LIFT = 0.2
PLANTED_CONVERSION_LIFT = 0.1  # a member-week after joining converts this much more often


def audience_look(users: range) -> bytes:
    fields = {"dimensions": [{"name": "users.external_id", "type": "string",
                              "tags": ["braze_id"]}], "measures": []}  # fmt: skip
    data = [{"users.external_id": {"value": population.external_id(i)}} for i in users]
    return orjson.dumps({"fields": fields, "data": data})


async def loop_scene(braze_url: str, hub_url: str, token: str, folder: Path) -> list[str]:
    """Printable lines: the sync, then how the audience responded in the generated Currents."""
    if missing("currents"):
        return ["Closed loop skipped: it needs the [currents] extra."]
    params = {"braze_api_key": API_KEY, "braze_api_endpoint": braze_url}
    form = {"braze_key": "external_id", "braze_segment": AUDIENCE, "braze_mode": "sync"}
    async with LookerSender(hub_url, token=token) as looker:
        result = await looker.execute(
            "braze", params=params, form_params=form, look=audience_look(range(0, USERS, 2))
        )
    answer = (result.looker or {}).get("message", result.body_text[:200])
    lines = [f"Closed loop: the '{AUDIENCE}' Look synced. {answer}"]
    return lines + await asyncio.to_thread(_respond, folder)


def _respond(folder: Path) -> list[str]:
    from looker_braze.audiences.export import export_membership
    from looker_braze.currents.generate import generate
    from looker_braze.currents.generate.audience import plant_from_warehouse
    from looker_braze.currents.load import load
    from looker_braze.currents.models import run
    from looker_braze.currents.warehouse import connect
    from looker_braze.state import open_store

    db = folder / "currents.duckdb"
    with (
        open_store(f"sqlite:///{folder}/state.sqlite3", abandon_stale=False) as store,
        connect(db) as warehouse,
    ):
        exported = export_membership(store, warehouse)
        plant = plant_from_warehouse(
            warehouse, AUDIENCE, PLANTED_LIFT, conversion_lift=PLANTED_CONVERSION_LIFT
        )
    start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=14)
    config = {"seed": 7, "users": USERS, "days": 28, "start_date": start.isoformat(),
              "audience": plant.model_dump()}  # fmt: skip
    generated = generate(folder / "currents", config)
    load(folder / "currents", db)
    with connect(db) as warehouse:
        rows = run(warehouse, "audience_summary", {}).records()
    [row] = [r for r in rows if r["audience"] == AUDIENCE]
    return [
        f"  exported {exported.changes:,} membership changes; generated {generated.events:,} "
        f"Currents events for {USERS:,} users, the members' email opens planted "
        f"{PLANTED_LIFT * 100:.0f} points higher after joining; loaded into {db.name}.",
        f"  audience_summary: {row['spells_in_currents']:,} members found in Currents; "
        f"engagement {_pct(row['engagement_rate_before'])} before joining, "
        f"{_pct(row['engagement_rate_after'])} after, {_pct(row['outsider_engagement_rate'])} "
        f"for users never in it: {_points(row['lift_over_outsiders'])} over them (email and "
        "push deliveries together; the plant is on email).",
        f"  every channel, a member-week after joining: reached "
        f"{_pct(row['reached_of_members_after'])}, engaged {_pct(row['engaged_of_reached_after'])}"
        f" of those reached, converted {_pct(row['converted_of_members_after'])} (before joining "
        f"{_pct(row['converted_of_members_before'])}, users never in it "
        f"{_pct(row['outsider_converted_of_members'])}: "
        f"{_points(row['converted_lift_over_outsiders'])}).",
    ]


def _pct(value) -> str:
    return "n/a" if value is None else f"{float(value):.1%}"


def _points(value) -> str:
    return "no lift measured" if value is None else f"{float(value) * 100:+.1f} points"
