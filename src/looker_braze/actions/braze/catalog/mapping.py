"""From a Look's fields and rows to catalog items.

The one field tagged ``braze_catalog_id`` holds the item id; each field tagged
``braze_catalog[<field>]`` sets that catalog field (tags.py). Values are converted by the Look
field's type as the flag action converts attribute values (values.py: yesno -> boolean, numbers,
days, date-times read in the Look's time zone and sent in UTC, the rest as text). Braze's item
rules (catalog_rules.py) are checked per row before anything is sent: a row that breaks one is
rejected with the reason, never sent in part. A null cell leaves the field out of the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from looker_braze.actions.braze.catalog.modes import CatalogMode
from looker_braze.actions.braze.catalog.options import CatalogOptions
from looker_braze.actions.braze.catalog.tags import ID_TAG, field_name, is_malformed
from looker_braze.actions.braze.mapping import identifier_field, look_zone
from looker_braze.actions.braze.values import (
    BOOLEAN,
    DATE,
    NUMBER,
    TEXT,
    TIME,
    Converter,
    converter_for,
    value_kind,
)
from looker_braze.braze.catalog_rules import (
    ID_FIELD,
    item_id_problem,
    name_problem,
    value_problem,
)
from looker_braze.braze.catalogs import Catalog, CatalogField
from looker_braze.errors import DropValue, FailRun, RejectRow
from looker_braze.hub.cells import Values
from looker_braze.hub.document import Field, Fields

# The catalog field type a Look field's values make, for a catalog this hub creates.
CATALOG_TYPES = {BOOLEAN: "boolean", NUMBER: "number", DATE: "time", TIME: "time", TEXT: "string"}


@dataclass(frozen=True)
class ItemColumn:
    name: str  # the catalog field
    field: Field  # the Look field
    prepare: Converter


class ItemMapper:
    def __init__(self, fields: Fields, options: CatalogOptions) -> None:
        if fields.is_pivoted:
            raise FailRun(
                "This Look is pivoted: the catalog action needs one row per item. Remove the "
                "pivot and send again."
            )
        self.id_field = identifier_field(fields, ID_TAG, "the item id").name
        delete = options.mode == CatalogMode.DELETE
        self.columns = () if delete else _columns(fields, options)
        self.ignored_tags = tuple(
            f"{f.name}: {tag}" for f in fields.fields for tag in f.tags if is_malformed(tag)
        )
        # Rows come with the item fields' values in column order, then the id's.
        self.select = (*(c.field.name for c in self.columns), self.id_field)

    def item_id(self, row: Values | None) -> str:
        if row is None:
            raise RejectRow("row is not an object")
        item_id = _text(row[-1])
        problem = item_id_problem(item_id)
        if problem is not None:
            raise RejectRow(problem.message)
        return item_id

    def item(self, row: Values, item_id: str) -> dict[str, Any]:
        item: dict[str, Any] = {ID_FIELD: item_id}
        for column, value in zip(self.columns, row, strict=False):
            if value is None:
                continue
            try:
                value = column.prepare(value)
            except DropValue as exc:
                raise RejectRow(f"{column.name}: {exc.reason}") from None
            problem = value_problem(value)
            if problem is not None:
                raise RejectRow(f"{column.name}: {problem.message}")
            item[column.name] = value
        return item

    def catalog_fields(self) -> tuple[CatalogField, ...]:
        """The fields of a catalog made for this Look: id first, a string [S17]."""
        typed = (CatalogField(c.name, CATALOG_TYPES[value_kind(c.field)]) for c in self.columns)
        return (CatalogField(ID_FIELD, "string"), *typed)

    def check_fields(self, catalog: Catalog) -> None:
        """FailRun naming the first tagged field the catalog does not have."""
        for column in self.columns:
            if column.name not in catalog.field_names:
                raise FailRun(
                    f"The catalog '{catalog.name}' has no field '{column.name}' (tagged "
                    f"braze_catalog[{column.name}] on {column.field.name}): Braze refuses items "
                    "with unknown fields. Add the field to the catalog in Braze (Data Settings > "
                    f"Catalogs > {catalog.name}, or POST /catalogs/{catalog.name}/fields), or "
                    "remove the tag."
                )


def _columns(fields: Fields, options: CatalogOptions) -> tuple[ItemColumn, ...]:
    columns: dict[str, ItemColumn] = {}
    for f in fields.fields:
        for name in dict.fromkeys(n for tag in f.tags if (n := field_name(tag))):
            _check_name(name, f, columns)
            zone = look_zone(options.time_zone) if value_kind(f) == TIME else None
            columns[name] = ItemColumn(name, f, converter_for(f, zone))
    return tuple(columns.values())


def _check_name(name: str, f: Field, columns: dict[str, ItemColumn]) -> None:
    if name == ID_FIELD:
        raise FailRun(
            f"Field {f.name} is tagged braze_catalog[{ID_FIELD}]: the item id comes from the "
            f"field tagged '{ID_TAG}'. Remove the tag."
        )
    problem = name_problem(name, "field name")
    if problem is not None:
        raise FailRun(f"Field {f.name} is tagged braze_catalog[{name}]: {problem.message}.")
    if name in columns:
        raise FailRun(
            f"Two fields are tagged braze_catalog[{name}] ({columns[name].field.name} and "
            f"{f.name}): tag only one."
        )


def _text(value: Any) -> Any:
    """An id cell as text (Looker numbers ids when the column is numeric); other values are
    left for item_id_problem to refuse."""
    if isinstance(value, str):
        return value.strip()  # CHAR columns pad with spaces
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value
