"""An exported Looker audience beside the generated Currents of the shared fixture, so the
closed-loop models have members to report on: recorded through a real state store, its history
moved into the generated window (a store stamps changes with the time they happen), exported
with the real `audiences export` code."""

from __future__ import annotations

import datetime as dt
import tempfile

from looker_braze.audiences.export import export_membership
from looker_braze.currents.generate.users import make_users
from looker_braze.currents.warehouse import connect
from looker_braze.state import Sent, open_store

WORKSPACE = "https://rest.iad-01.braze.com#0123456789abcdef"
LABEL = "churn risk"
PHONE_LABEL = "by phone"
UNSEEN_PHONE = "+442071838750"  # a number no generated user has


def _ms(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp() * 1000)


def export_fixture_audience(
    warehouse_url, seed: int, users: int, start: dt.date, days: int
) -> None:
    """Every third generated user joins on the window's first third; a tenth of them leave in
    its second third; an alias audience (which Currents cannot be joined to) and a phone audience
    (every fifth user's number, as the generator writes it, and one number Currents never saw)
    beside it."""
    members = [f"external_id:user-{n:08d}" for n in range(0, users, 3)]
    phones = [f"phone:{p}" for p in make_users(seed, 0, users).phone[1::5]]
    leaving = members[::10]
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/s.db") as store:
        audience = store.audience_id(WORKSPACE, "looker_export", LABEL)
        store.record_sent(audience, WORKSPACE, [Sent(m, flagged=True) for m in members])
        store.remove_members(audience, leaving)
        aliases = store.audience_id(WORKSPACE, "looker_export", "by alias")
        store.record_sent(aliases, WORKSPACE, [Sent("user_alias:crm\x1fa-1", flagged=True)])
        by_phone = store.audience_id(WORKSPACE, "looker_export", PHONE_LABEL)
        unseen = Sent(f"phone:{UNSEEN_PHONE}", flagged=True)
        store.record_sent(by_phone, WORKSPACE, [*(Sent(p, flagged=True) for p in phones), unseen])
        joined, left = (
            start + dt.timedelta(days=days // 3),
            start + dt.timedelta(days=2 * days // 3),
        )
        store._conn.execute(
            "UPDATE audience_changes SET at_ms = CASE WHEN joined = 1 THEN ? ELSE ? END",
            (_ms(joined), _ms(left)),
        )
        with connect(warehouse_url) as warehouse:
            export_membership(store, warehouse)
