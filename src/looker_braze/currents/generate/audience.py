"""Plant a Looker audience's response in generated Currents: read the audience's members (and
when each joined) from the membership table `looker-braze audiences export` wrote, so the
generator's users who are members engage, convert and unsubscribe more after joining
(config.AudiencePlant)."""

from __future__ import annotations

from looker_braze.currents.generate.config import AudiencePlant
from looker_braze.currents.membership import MEMBERSHIP
from looker_braze.currents.warehouse import Warehouse, q
from looker_braze.errors import FailRun
from looker_braze.state.members import ALIAS


def plant_from_warehouse(
    warehouse: Warehouse,
    label: str,
    open_lift: float,
    conversion_lift: float = 0.0,
    unsubscribe_lift: float = 0.0,
) -> AudiencePlant:
    """The members of audience ``label`` and their first join (a member who left and came back
    is planted from the first join: the generator has one join per user), by any identifier
    the generator's users share with the simulator's (all but aliases)."""
    if MEMBERSHIP not in warehouse.tables():
        raise FailRun(
            f"{MEMBERSHIP} is not in the warehouse: run `looker-braze audiences export --db ...` "
            "into it first."
        )
    mark = "?" if warehouse.dialect == "duckdb" else "%s"
    _, rows = warehouse.query(
        f"SELECT {q('IDENTIFIER')}, MIN({q('JOINED_TIME')}) FROM {q(MEMBERSHIP)}"
        f" WHERE {q('LABEL')} = {mark} AND {q('IDENTIFIER_KIND')} <> {mark}"
        f" GROUP BY {q('IDENTIFIER')}",
        (label, ALIAS),
    )
    warehouse.commit()
    if not rows:
        raise FailRun(
            f"audience {label!r} has no members in {MEMBERSHIP} but aliases, which generated "
            "Currents cannot name"
        )
    return AudiencePlant(
        label=label,
        joined={member: int(t) for member, t in rows},
        open_lift=open_lift,
        conversion_lift=conversion_lift,
        unsubscribe_lift=unsubscribe_lift,
    )
