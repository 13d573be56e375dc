"""The row checks of a Look, counted with the hub's own mapper in memory that does not grow with
the rows (identifiers are remembered by SeenIds, ~8 bytes each; examples: the first of a kind).

Rows without a usable identifier are counted by the reason the hub gives (RejectRow); duplicates
are rows whose identifier an earlier row had (the hub sends the first one only); invalid values
are counted on every row with a usable identifier, duplicates included, since the data holds
them, and they are what the hub's ValueNotes would report for the rows it sends.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from looker_braze.actions.braze.mapping import RowMapper, ValueNotes
from looker_braze.actions.seen import SeenIds
from looker_braze.braze.emails import normalise_email
from looker_braze.braze.phones import normalise_phone
from looker_braze.errors import DropValue, RejectRow
from looker_braze.hub.cells import Values

SHAPE_SAMPLE = 1000  # identifiers looked at to tell whether they are emails or phone numbers


@dataclass(frozen=True)
class Example:
    row: int  # 1-based position in the Look's data
    value: Any
    reason: str = ""


class RowTally:
    def __init__(self, mapper: RowMapper | None) -> None:
        self.mapper = mapper
        self.rows = 0
        self.users = 0  # distinct usable identifiers
        self.data_points = 0  # what sending the first row of each user costs
        self.duplicates = 0
        self.first_duplicate: Example | None = None
        self.invalid_ids: Counter[str] = Counter()  # hub's reason -> rows
        self.invalid_id_examples: dict[str, Example] = {}
        self.dropped: Counter[str] = Counter()  # attribute -> values left out
        self.dropped_examples: dict[str, Example] = {}
        self.truncated: Counter[str] = Counter()  # attribute -> values cut to 255 characters
        self.truncated_examples: dict[str, Example] = {}
        self.id_shapes: Counter[str] = Counter()  # "email" / "phone" / "other", on a sample
        self._seen = SeenIds()
        self._notes = ValueNotes()
        self._position = {c.attribute: i for i, c in enumerate(mapper.columns)} if mapper else {}
        self.select = mapper.select if mapper else ()  # the fields whose values add() reads

    def add(self, rows: list[Values | None]) -> None:
        first = self.rows + 1
        self.rows += len(rows)
        if self.mapper is None:
            return
        identified = self._identified(rows, first)
        if not identified:
            return
        numbers, kept, identifiers = zip(*identified, strict=True)
        fresh = self._seen.add_many(identifiers)
        # Every row with a usable id is built, duplicates included (see the module's docstring).
        built = self.mapper.build_many(kept, identifiers, self._notes)
        for number, identifier, (_, points), is_new in zip(
            numbers, identifiers, built, fresh, strict=True
        ):
            if is_new:
                self.users += 1
                self.data_points += points
            else:
                self.duplicates += 1
                self.first_duplicate = self.first_duplicate or Example(number, identifier)
        if self._notes.dropped or self._notes.truncated:
            self._note_values(identified)

    def _identified(self, rows: list[Values | None], first: int) -> list[tuple[int, Values, str]]:
        assert self.mapper is not None
        identify, identified = self.mapper.identifier, []
        for number, row in enumerate(rows, first):
            try:
                identified.append((number, row, identify(row)))
            except RejectRow as exc:
                self.invalid_ids[exc.reason] += 1
                if exc.reason not in self.invalid_id_examples:
                    value = None if row is None else row[-1]
                    self.invalid_id_examples[exc.reason] = Example(number, value, exc.reason)
        if sum(self.id_shapes.values()) < SHAPE_SAMPLE:
            self.id_shapes.update(_shape(i) for _, _, i in identified[:SHAPE_SAMPLE])
        return identified

    def _note_values(self, identified: list[tuple[int, Values, str]]) -> None:
        notes = self._notes
        for (attribute, _), count in notes.dropped.items():
            self.dropped[attribute] += count
        for attribute, count in notes.truncated.items():
            self.truncated[attribute] += count
        dropped, truncated = {a for a, _ in notes.dropped}, set(notes.truncated)
        notes.dropped.clear()
        notes.truncated.clear()
        if dropped - self.dropped_examples.keys() or truncated - self.truncated_examples.keys():
            self._find_examples(identified, dropped, truncated)

    def _find_examples(
        self, identified: list[tuple[int, Values, str]], dropped: set, truncated: set
    ) -> None:
        """The first row of the block that shows each attribute's problem: built again one by
        one, which happens once per attribute and problem kind, not once per row."""
        assert self.mapper is not None
        for number, row, identifier in identified:
            probe = ValueNotes()
            self.mapper.build(row, identifier, probe)
            for attribute, reason in probe.dropped:
                if attribute not in self.dropped_examples:
                    value = row[self._position[attribute]]
                    self.dropped_examples[attribute] = Example(number, value, reason)
            for attribute in probe.truncated:
                self.truncated_examples.setdefault(attribute, Example(number, None))
            found = self.dropped_examples.keys(), self.truncated_examples.keys()
            if dropped <= found[0] and truncated <= found[1]:
                return


def _shape(identifier: str) -> str:
    if identifier.isdigit():  # plain digits are more often numeric ids than 10-digit phones
        return "other"
    for shape, check in (("email", normalise_email), ("phone", normalise_phone)):
        try:
            check(identifier)
        except DropValue:
            continue
        return shape
    return "other"
