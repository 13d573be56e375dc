"""The Braze Currents event types, their Avro writer schemas and the warehouse names they map to.

Each event type is declared once as a list of field specs in a small notation, ``name[?][:type]``:
``?`` marks a nullable field (Avro ``["null", type]`` with default null) and the type defaults to
``string``. ``LATER_FIELDS`` lists the optional fields later schema versions added; version 1 is
the 2018 schema, version 2 adds them. The generator writes with these schemas, the loader maps
whatever schema a file carries to warehouse types with ``sql_type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

NAMESPACE = "com.braze.currents.avro.inner"
LATEST_VERSION = 2

_MESSAGE = (
    "id user_id external_user_id? time:int timezone? campaign_id? campaign_name? "
    "message_variation_id? canvas_id? canvas_name? canvas_variation_id? canvas_step_id? send_id?"
)
_DEVICE = "platform? os_version? device_model? device_id?"
_EMAIL = f"{_MESSAGE} email_address"
_PUSH_OPEN = f"{_MESSAGE} app_id {_DEVICE} button_action_type? button_string?"
_IN_APP = f"{_MESSAGE} app_id card_id? {_DEVICE}"
_CARD = f"{_MESSAGE} content_card_id app_id? {_DEVICE}"
_CONVERSION_HEAD = "id user_id external_user_id? app_id? time:int timezone?"
_CAMPAIGN = "campaign_id campaign_name? message_variation_id? send_id?"
_CANVAS = "canvas_id canvas_name? canvas_variation_id canvas_step_id?"
_BEHAVIOUR = "id user_id external_user_id? app_id time:int session_id"

_SPECS: dict[str, str] = {
    "users.messages.email.Send": _EMAIL,
    "users.messages.email.Delivery": f"{_EMAIL} sending_ip?",
    "users.messages.email.Open": f"{_EMAIL} user_agent?",
    "users.messages.email.Click": f"{_EMAIL} url? user_agent?",
    "users.messages.email.Bounce": f"{_EMAIL} sending_ip?",
    "users.messages.email.SoftBounce": f"{_EMAIL} sending_ip?",
    "users.messages.email.MarkAsSpam": f"{_EMAIL} user_agent?",
    "users.messages.email.Unsubscribe": _EMAIL,
    "users.messages.pushnotification.Send": f"{_MESSAGE} app_id platform device_id?",
    "users.messages.pushnotification.Open": f"{_PUSH_OPEN} canvas_step_message_variation_id?",
    "users.messages.pushnotification.Bounce": f"{_MESSAGE} app_id platform? device_id?",
    "users.messages.pushnotification.IosForeground": _PUSH_OPEN,
    "users.messages.inappmessage.Impression": _IN_APP,
    "users.messages.inappmessage.Click": f"{_IN_APP} button_id?",
    "users.messages.webhook.Send": _MESSAGE,
    "users.messages.contentcard.Send": f"{_MESSAGE} content_card_id",
    "users.messages.contentcard.Impression": _CARD,
    "users.messages.contentcard.Click": _CARD,
    "users.messages.contentcard.Dismiss": _CARD,
    "users.campaigns.Conversion": (
        f"{_CONVERSION_HEAD} {_CAMPAIGN} conversion_behavior_index?:int conversion_behavior?"
    ),
    "users.campaigns.EnrollInControl": f"{_CONVERSION_HEAD} {_CAMPAIGN}",
    "users.canvas.Entry": (
        f"id user_id external_user_id? time:int timezone? {_CANVAS} in_control_group:boolean"
    ),
    "users.canvas.Conversion": (
        f"{_CONVERSION_HEAD} {_CANVAS} conversion_behavior_index?:int conversion_behavior?"
    ),
    "users.behaviors.app.FirstSession": (
        f"{_BEHAVIOUR} {_DEVICE} gender? country? timezone? language? sdk_version?"
    ),
    "users.behaviors.app.SessionStart": f"{_BEHAVIOUR} {_DEVICE}",
    "users.behaviors.app.SessionEnd": f"{_BEHAVIOUR} {_DEVICE} duration?:double",
    "users.behaviors.CustomEvent": (
        f"id user_id external_user_id? app_id? time:int {_DEVICE} name properties"
    ),
    "users.behaviors.Purchase": (
        f"id user_id external_user_id? app_id? time:int {_DEVICE} "
        "product_id price:double currency properties"
    ),
    "users.behaviors.Location": (
        f"id user_id external_user_id? app_id? time:int {_DEVICE} latitude:double "
        "longitude:double altitude?:double ll_accuracy?:double alt_accuracy?:double"
    ),
    "users.behaviors.InstallAttribution": "id user_id external_user_id? time:int source",
    "users.behaviors.Uninstall": "id user_id external_user_id? time:int app_id",
}

# Optional fields added by schema version 2 (Braze only ever adds null-default fields).
LATER_FIELDS: dict[str, str] = {
    "users.messages.email.Open": "machine_open? is_amp?:boolean",
    "users.messages.email.Click": "is_amp?:boolean",
    "users.messages.email.Bounce": "bounce_reason?",
    "users.messages.email.SoftBounce": "bounce_reason?",
    "users.messages.pushnotification.Send": "message_extras?",
    "users.behaviors.app.SessionStart": "sdk_version?",
}

EVENT_TYPES: tuple[str, ...] = tuple(_SPECS)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Avro primitive: string, int, long, float, double, boolean
    nullable: bool

    @classmethod
    def parse(cls, spec: str) -> Field:
        name, _, avro_type = spec.partition(":")
        return cls(name.rstrip("?"), avro_type or "string", name.endswith("?"))

    def avro(self) -> dict[str, Any]:
        if self.nullable:
            return {"name": self.name, "type": ["null", self.type], "default": None}
        return {"name": self.name, "type": self.type}


@cache
def fields(event_type: str, version: int = LATEST_VERSION) -> tuple[Field, ...]:
    """The fields of ``event_type`` in schema ``version`` (1 = 2018, 2 = with later fields)."""
    specs = _SPECS[event_type] + (" " + LATER_FIELDS.get(event_type, "") if version > 1 else "")
    return tuple(Field.parse(spec) for spec in specs.split())


@cache
def writer_schema(event_type: str, version: int = LATEST_VERSION) -> dict[str, Any]:
    """The Avro writer schema Braze embeds in files of ``event_type`` (as a plain dict)."""
    group, _, record = event_type.rpartition(".")
    return {
        "type": "record",
        "name": record,
        "namespace": f"{NAMESPACE}.{group}",
        "fields": [field.avro() for field in fields(event_type, version)],
    }


def table_name(event_type: str) -> str:
    """`users.messages.email.Send` -> `USERS_MESSAGES_EMAIL_SEND`, the name the blocks expect."""
    return event_type.replace(".", "_").upper()


def event_type_from_record_name(full_name: str) -> str | None:
    """`com.braze...inner.users.messages.email.Send` -> `users.messages.email.Send` (or None)."""
    _, marker, event_type = full_name.rpartition(".inner.")
    return event_type if marker and event_type else None


TABLES: dict[str, str] = {table_name(event_type): event_type for event_type in EVENT_TYPES}

_SQL_TYPES = {
    "duckdb": {
        "string": "VARCHAR",
        "int": "BIGINT",
        "long": "BIGINT",
        "float": "DOUBLE",
        "double": "DOUBLE",
        "boolean": "BOOLEAN",
    },
    "postgres": {
        "string": "TEXT",
        "int": "BIGINT",
        "long": "BIGINT",
        "float": "DOUBLE PRECISION",
        "double": "DOUBLE PRECISION",
        "boolean": "BOOLEAN",
    },
}


def sql_type(avro_type: str, dialect: str) -> str:
    """Warehouse column type for an Avro primitive; anything else is kept as JSON text."""
    types = _SQL_TYPES[dialect]
    return types.get(avro_type, types["string"])
