"""`looker-braze audiences export`: the membership history into the warehouse, incrementally.

The warehouse table holds one row per spell: a member joined an audience at JOINED_AT and left
at LEFT_AT (NULL while still in). Each export reads the state store's log after the last entry
the warehouse has (LOOKER_BRAZE_AUDIENCE_EXPORTS keeps it) and, per chunk, in one warehouse
transaction: opens the spells of joins, closes the spells of leaves (those opened in this chunk
in memory, those of earlier exports by an UPDATE), and records how far it got. A crash between
chunks loses nothing and writes nothing twice: the next export resumes after the last commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from looker_braze.currents.membership import FIELDS, MEMBERSHIP, SPELL_COLUMNS, SPELL_KEY
from looker_braze.currents.warehouse import Warehouse, q
from looker_braze.state import MembershipChange, StateStore
from looker_braze.state.members import member_parts

EXPORTS = "LOOKER_BRAZE_AUDIENCE_EXPORTS"
CHUNK = 50_000  # history entries per warehouse transaction: bounded memory, few round trips

_KEY, _SPELL = SPELL_KEY, SPELL_COLUMNS
# Column kinds, by name: *_AT timestamps, *_SEQ and *_TIME integers, the rest text.
_SQL_TYPES = {
    "duckdb": {"time": "TIMESTAMPTZ", "int": "BIGINT", "text": "VARCHAR"},
    "postgres": {"time": "timestamptz", "int": "bigint", "text": "text"},
}


@dataclass
class ExportReport:
    changes: int = 0  # history entries read
    spells_opened: int = 0  # rows written
    spells_closed: int = 0  # of those or earlier ones, closed by a leave
    last_seq: int = 0


def export_membership(store: StateStore, warehouse: Warehouse, chunk: int = CHUNK) -> ExportReport:
    _create_tables(warehouse)
    report = ExportReport(last_seq=_last_seq(warehouse))
    for changes in _chunks(store, report.last_seq, chunk):
        opened, closing = _spells(changes)
        with warehouse.transaction():
            _insert(warehouse, opened)
            _close_earlier(warehouse, closing)
            mark = "?" if warehouse.dialect == "duckdb" else "%s"
            warehouse.execute(
                f"INSERT INTO {q(EXPORTS)} VALUES ({mark}, {mark}, {mark})",
                (changes[-1].seq, changes[-1].at, len(changes)),
            )
        report.changes += len(changes)
        report.spells_opened += len(opened)
        report.spells_closed += len(closing) + sum(1 for s in opened if s[7] is not None)
        report.last_seq = changes[-1].seq
    return report


def _chunks(store: StateStore, after: int, size: int) -> Iterator[list[MembershipChange]]:
    while changes := store.membership_changes(after, size):
        yield changes
        after = changes[-1].seq


def _spells(changes: list[MembershipChange]) -> tuple[list[tuple], list[tuple]]:
    """(spells opened in these changes, with their end when it is among them too;
    (key, left_at, left_seq) of leaves that end spells of earlier exports)."""
    opened: list[list] = []
    open_here: dict[tuple, int] = {}  # key -> index in opened of its open spell
    closing: list[tuple] = []
    for change in changes:
        key = _key(change)
        epoch = int(change.at.timestamp())
        if change.joined:
            open_here[key] = len(opened)
            opened.append([*key, change.at, None, change.seq, None, epoch, None])
        elif key in open_here:
            spell = opened[open_here.pop(key)]
            spell[7], spell[9], spell[11] = change.at, change.seq, epoch
        else:
            closing.append((*key, change.at, change.seq, epoch))
    return [tuple(spell) for spell in opened], closing


def _key(change: MembershipChange) -> tuple:
    parts = member_parts(change.member)
    return (change.workspace, change.attribute, change.label, parts.kind, parts.identifier,
            parts.alias_label or "")  # fmt: skip


def _create_tables(warehouse: Warehouse) -> None:
    types = _types(warehouse, _SPELL)
    spells = ", ".join(
        f"{q(f.name)} {types[f.name]}{'' if f.nullable else ' NOT NULL'}" for f in FIELDS
    )
    warehouse.execute(f"CREATE TABLE IF NOT EXISTS {q(MEMBERSHIP)} ({spells})")
    exports = _types(warehouse, ("LAST_SEQ", "EXPORTED_AT"))
    warehouse.execute(
        f"CREATE TABLE IF NOT EXISTS {q(EXPORTS)} ({q('LAST_SEQ')} {exports['LAST_SEQ']} NOT NULL,"
        f" {q('EXPORTED_AT')} {exports['EXPORTED_AT']} NOT NULL, {q('CHANGES')} BIGINT NOT NULL)"
    )
    warehouse.commit()


def _last_seq(warehouse: Warehouse) -> int:
    _, rows = warehouse.query(f"SELECT coalesce(max({q('LAST_SEQ')}), 0) FROM {q(EXPORTS)}")
    return int(rows[0][0])


def _insert(warehouse: Warehouse, spells: list[tuple]) -> None:
    if not spells:
        return
    staged = _arrow(_SPELL, spells)
    types = _types(warehouse, _SPELL)
    warehouse.stage_arrow("new_spells", staged, types)
    try:
        columns = ", ".join(map(q, _SPELL))
        warehouse.execute(
            f"INSERT INTO {q(MEMBERSHIP)} ({columns}) SELECT {columns} FROM new_spells"
        )
    finally:
        warehouse.unstage("new_spells")


def _close_earlier(warehouse: Warehouse, closing: list[tuple]) -> None:
    if not closing:
        return
    columns = (*_KEY, "LEFT_AT", "LEFT_SEQ", "LEFT_TIME")
    warehouse.stage_arrow("leaves", _arrow(columns, closing), _types(warehouse, columns))
    try:
        matches = " AND ".join(f"m.{q(column)} = l.{q(column)}" for column in _KEY)
        ends = ", ".join(f"{q(c)} = l.{q(c)}" for c in ("LEFT_AT", "LEFT_SEQ", "LEFT_TIME"))
        warehouse.execute(
            f"UPDATE {q(MEMBERSHIP)} AS m SET {ends}"
            f" FROM leaves AS l WHERE {matches} AND m.{q('LEFT_AT')} IS NULL"
        )
    finally:
        warehouse.unstage("leaves")


def _kind(column: str) -> str:
    if column.endswith("_AT"):
        return "time"
    return "int" if column.endswith(("_SEQ", "_TIME")) else "text"


def _arrow(columns: tuple[str, ...], rows: list[tuple]):
    import pyarrow as pa  # the [currents] extra, checked by the command

    arrow_types = {"time": pa.timestamp("us", tz="UTC"), "int": pa.int64(), "text": pa.string()}
    values = zip(*rows, strict=True)
    return pa.table(
        {
            name: pa.array(column, arrow_types[_kind(name)])
            for name, column in zip(columns, values, strict=True)
        }
    )


def _types(warehouse: Warehouse, columns: tuple[str, ...]) -> dict[str, str]:
    types = _SQL_TYPES[warehouse.dialect]
    return {name: types[_kind(name)] for name in columns}
