"""The `fields` metadata of a generated Look, as Looker writes it in json_detail.

Field names follow Looker's `view.field` (and timeframe) naming; tags carry the Braze mapping:
the identifier field is tagged `braze_id`, attribute fields `braze[<attribute>]`.
"""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.sim.looks.spec import LookSpec

ID_FIELDS = {
    "external_id": "users.external_id",
    "braze_id": "users.braze_id",
    "email": "users.email",
    "phone": "users.phone",
    "user_alias": "users.alias_name",
}
ALT_ID_FIELD = "users.alt_id"
MEASURE_FIELD = "orders.count"
PIVOT_FIELD = "orders.channel"
PIVOT_VALUES = ("web", "app")
TABLE_CALCULATION = "ltv_per_order"
MALFORMED_TAGS = {
    "users.nickname": "braze[",
    "users.segment": "braze[]",
    "users.region": "braze(region)",
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    tags: tuple[str, ...] = ()
    measure: bool = False
    value_format: str | None = None

    @property
    def view(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def label_short(self) -> str:
        words = self.name.split(".", 1)[-1].replace("_", " ").split()
        return " ".join(w.upper() if w in ("id", "dob") else w.capitalize() for w in words)

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "count", "sum", "average", "count_distinct")

    def to_json(self, lite: bool) -> dict:
        view_label = self.view.capitalize()
        field = {
            "name": self.name,
            "label": f"{view_label} {self.label_short}",
            "label_short": self.label_short,
            "type": self.type,
            "is_numeric": self.is_numeric,
            "hidden": False,
            "tags": list(self.tags),
        }
        if not lite:
            field |= _full_metadata(self, view_label)
        return field


def _full_metadata(field: FieldDef, view_label: str) -> dict:
    return {
        "view": field.view,
        "view_label": view_label,
        "measure": field.measure,
        "primary_key": field.name in ID_FIELDS.values(),
        "align": "right" if field.is_numeric else "left",
        "is_filter": False,
        "can_filter": True,
        "sortable": True,
        "value_format": field.value_format,
        "field_group_label": None,
        "lookml_link": f"/projects/shop/files/{field.view}.view.lkml",
        "suggest_explore": "users",
        "suggest_dimension": field.name,
        "enumerations": None,
    }


ATTRIBUTE_FIELDS = {
    "first_name": FieldDef("users.first_name", "string"),
    "email": FieldDef("users.email", "string"),
    "country": FieldDef("users.country", "string"),
    "gender": FieldDef("users.gender", "string"),
    "dob": FieldDef("users.dob_date", "date_date"),
    "lifetime_value": FieldDef("users.lifetime_value", "number", value_format="$#,##0.00"),
    "is_vip": FieldDef("users.is_vip", "yesno"),
    "last_order_at": FieldDef("users.last_order_time", "date_time"),
    "loyalty_tier": FieldDef("users.loyalty_tier", "string"),
}


def attribute_field(attribute: str) -> FieldDef:
    plain = ATTRIBUTE_FIELDS[attribute]
    tags = (f"braze[{attribute}]",)
    return FieldDef(plain.name, plain.type, tags, value_format=plain.value_format)


def id_field(spec: LookSpec) -> FieldDef:
    return FieldDef(ID_FIELDS[spec.id_kind], "string", ("braze_id",) if spec.id_tags else ())


def dimensions(spec: LookSpec) -> list[FieldDef]:
    """Every dimension column, in the order cells appear in a row."""
    dims = [id_field(spec)]
    if spec.id_tags == 2:
        dims.append(FieldDef(ALT_ID_FIELD, "string", ("braze_id",)))
    dims += [attribute_field(a) for a in spec.attribute_fields]
    if spec.malformed_tags:
        dims += [FieldDef(name, "string", (tag,)) for name, tag in MALFORMED_TAGS.items()]
    return dims


def measure() -> FieldDef:
    return FieldDef(MEASURE_FIELD, "count", (), measure=True)


def fields_json(spec: LookSpec) -> dict:
    """The json_detail `fields` object."""
    pivots = [FieldDef(PIVOT_FIELD, "string").to_json(spec.lite)] if spec.pivoted else []
    return {
        "dimensions": [f.to_json(spec.lite) for f in dimensions(spec)],
        "measures": [measure().to_json(spec.lite)],
        "table_calculations": [_table_calculation()] if spec.table_calculation else [],
        "pivots": pivots,
    }


def _table_calculation() -> dict:
    return {
        "name": TABLE_CALCULATION,
        "label": "LTV per Order",
        "expression": "${users.lifetime_value} / ${orders.count}",
        "is_table_calculation": True,
        "is_numeric": True,
        "value_format": "#,##0.00",
        "can_pivot": False,
        "sortable": True,
    }


def pivots_json() -> list[dict]:
    """The top-level `pivots` list of a pivoted json_detail document."""
    return [
        {"key": value, "is_total": False, "data": {PIVOT_FIELD: value}, "metadata": {}}
        for value in PIVOT_VALUES
    ]
