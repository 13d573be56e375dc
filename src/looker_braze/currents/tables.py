"""Every raw table the models read: Braze's Currents tables (one per event type, schemas.py) and
the one looker-braze writes beside them, the audience membership (membership.py). Staging models
are the only SQL that reads them; the compiler and the dbt package stand in for one that is not
there yet (an empty table with its columns)."""

from __future__ import annotations

from looker_braze.currents import membership
from looker_braze.currents.schemas import TABLES, Field, fields

RAW_TABLES: frozenset[str] = frozenset(TABLES) | {membership.MEMBERSHIP}


def raw_fields(table: str) -> tuple[Field, ...]:
    """The columns of raw table ``table`` (upper-case name), as the models may read them."""
    if table == membership.MEMBERSHIP:
        return membership.FIELDS
    return fields(TABLES[table])
