"""The Looker Action API's messages: the only code that knows Looker's JSON keys and headers.

Incoming requests are validated with pydantic and turned into an ``ActionRequest``; outgoing
definitions, forms and results are plain dataclasses that render Looker's JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from looker_braze.errors import RejectRequest

if TYPE_CHECKING:
    from looker_braze.hub.body import SpooledData

# ---------------------------------------------------------------- incoming


class LookQuery(BaseModel):
    """The query a scheduled plan ran (``src/api_types/query.ts`` in the reference hub). Looker
    types ``limit`` and ``row_total`` as strings; anything unreadable counts as not given."""

    model_config = ConfigDict(extra="allow")

    limit: Any = None
    total: Any = None
    row_total: Any = None
    query_timezone: Any = None
    has_table_calculations: Any = None

    @property
    def row_limit(self) -> int | None:
        """The Look's row limit, when it is a positive whole number."""
        try:
            limit = int(str(self.limit).strip())
        except ValueError:
            return None
        return limit if limit > 0 else None

    @property
    def time_zone(self) -> str | None:
        zone = self.query_timezone
        return zone.strip() if isinstance(zone, str) and zone.strip() else None

    @property
    def table_calculations(self) -> bool:
        return self.has_table_calculations is True


class ScheduledPlan(BaseModel):
    model_config = ConfigDict(extra="allow")

    scheduled_plan_id: int | str | None = None
    title: str | None = None
    type: str | None = None
    url: str | None = None
    query_id: int | str | None = None
    query: LookQuery | None = None
    filters_differ_from_look: bool | None = None
    download_url: str | None = None
    async_callback_url: str | None = None

    @field_validator("query", mode="before")
    @classmethod
    def _query_object(cls, value):
        # Dashboards carry no query; anything but an object is as good as none.
        return value if isinstance(value, dict | LookQuery) else None


class Attachment(BaseModel):
    model_config = ConfigDict(extra="allow")

    mimetype: str | None = None
    extension: str | None = None
    # A string, or for JSON formats the JSON value itself (Looker's docs/action_api.md).
    data: str | dict | list | None = None

    @property
    def is_base64(self) -> bool:
        return (self.mimetype or "").replace(" ", "").lower().endswith(";base64")


# Where a large body's inline data lies; left on disk rather than parsed (hub/body.py).
ATTACHMENT_DATA = ("attachment", "data")


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str | None = None
    scheduled_plan: ScheduledPlan | None = None
    attachment: Attachment | None = None
    data: dict[str, str | None] | None = None
    form_params: dict[str, str | None] | None = None


@dataclass(frozen=True)
class LookerContext:
    """Who is calling: from the headers Looker sends with every request."""

    version: tuple[int, ...] | None = None
    instance_id: str | None = None
    webhook_id: str | None = None

    def at_least(self, *version: int) -> bool:
        return self.version is not None and self.version >= version


@dataclass(frozen=True)
class ActionRequest:
    type: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    form_params: Mapping[str, str] = field(default_factory=dict)
    scheduled_plan: ScheduledPlan | None = None
    attachment: Attachment | None = None
    looker: LookerContext = field(default_factory=LookerContext)
    # A large body's attachment data, still on disk (``attachment.data`` is then None).
    spooled_data: SpooledData | None = field(default=None, repr=False)

    @property
    def query(self) -> LookQuery | None:
        return self.scheduled_plan.query if self.scheduled_plan is not None else None

    @property
    def has_inline_data(self) -> bool:
        attachment = self.attachment
        return attachment is not None and (
            self.spooled_data is not None or attachment.data is not None
        )

    def with_spooled_data(self, spooled: SpooledData) -> ActionRequest:
        return replace(self, spooled_data=spooled)


_USER_AGENT = re.compile(r"LookerOutgoingWebhook/(\d+(?:\.\d+)*)", re.IGNORECASE | re.ASCII)
# Looker versions are like 23.4.0; a part longer than this is no version (int() of thousands of
# digits is refused by Python, and would be slow if it were not): the caller counts as unknown.
_MAX_VERSION_DIGITS = 9


def _version(text: str) -> tuple[int, ...] | None:
    parts = text.split(".")
    if any(len(part) > _MAX_VERSION_DIGITS for part in parts):
        return None
    return tuple(int(part) for part in parts)


def looker_context(headers: Mapping[str, str]) -> LookerContext:
    match = _USER_AGENT.search(headers.get("user-agent", ""))
    return LookerContext(
        version=_version(match.group(1)) if match else None,
        instance_id=headers.get("x-looker-instance"),
        webhook_id=headers.get("x-looker-webhook-id"),
    )


def parse_action_request(body: bytes, headers: Mapping[str, str]) -> ActionRequest:
    """Parse an execute or form request body; RejectRequest says what is wrong with it."""
    payload = _load_json_object(body)
    try:
        parsed = _Payload.model_validate(payload)
    except ValidationError as exc:
        raise RejectRequest(_first_problem(exc)) from None
    return ActionRequest(
        type=parsed.type,
        params=_strings(parsed.data),
        form_params=_strings(parsed.form_params),
        scheduled_plan=parsed.scheduled_plan,
        attachment=parsed.attachment,
        looker=looker_context(headers),
    )


def _load_json_object(body: bytes) -> dict[str, Any]:
    if not body.strip(b" \t\r\n"):  # JSON's white space only, as the spooled path reads it
        return {}
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RejectRequest(f"The request body is not valid JSON ({exc}).") from None
    if not isinstance(payload, dict):
        raise RejectRequest("The request body must be a JSON object.")
    return payload


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"Invalid request: '{where}': {error['msg']}."


def _strings(values: Mapping[str, str | None] | None) -> dict[str, str]:
    # Looker sends every param and form value as a string; an absent value means "not set".
    return {key: value for key, value in (values or {}).items() if value is not None}


# ---------------------------------------------------------------- outgoing


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    required: bool = False
    sensitive: bool = False
    description: str = ""
    user_attribute_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "label": self.label,
            "required": self.required,
            "sensitive": self.sensitive,
            "description": self.description,
        }
        if self.user_attribute_name:
            out["user_attribute_name"] = self.user_attribute_name
        return out


@dataclass(frozen=True)
class FormOption:
    name: str
    label: str


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str = "string"  # string | textarea | select | oauth_link
    description: str = ""
    default: str | None = None
    required: bool = False
    interactive: bool = False
    options: tuple[FormOption, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "description": self.description,
            "required": self.required,
        }
        if self.default is not None:
            out["default"] = self.default
        if self.interactive:
            out["interactive"] = True
        if self.options:
            out["options"] = [{"name": o.name, "label": o.label} for o in self.options]
        return out


@dataclass(frozen=True)
class Form:
    fields: tuple[FormField, ...] = ()
    error: str | None = None
    state: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        if self.error:
            # The reference hub answers a form it cannot build with only the error.
            return {"fields": [], "error": self.error}
        out: dict[str, Any] = {"fields": [f.to_json() for f in self.fields]}
        if self.state is not None:
            out["state"] = dict(self.state)
        return out


@dataclass(frozen=True)
class ActionDefinition:
    name: str
    label: str
    description: str
    params: tuple[Param, ...] = ()
    required_fields: tuple[Mapping[str, Any], ...] = ()
    supported_action_types: tuple[str, ...] = ("query",)
    supported_formats: tuple[str, ...] = ("json_detail",)
    supported_formattings: tuple[str, ...] = ("unformatted",)
    supported_visualization_formattings: tuple[str, ...] = ("noapply",)
    supported_download_settings: tuple[str, ...] = ("url",)
    icon_data_uri: str | None = None
    has_form: bool = True

    def to_json(self, base_url: str) -> dict[str, Any]:
        action_url = f"{base_url}/actions/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "url": f"{action_url}/execute",
            "form_url": f"{action_url}/form" if self.has_form else None,
            "icon_data_uri": self.icon_data_uri,
            "params": [p.to_json() for p in self.params],
            "required_fields": [dict(r) for r in self.required_fields],
            "supported_action_types": list(self.supported_action_types),
            "supported_formats": list(self.supported_formats),
            "supported_formattings": list(self.supported_formattings),
            "supported_visualization_formattings": list(self.supported_visualization_formattings),
            "supported_download_settings": list(self.supported_download_settings),
            "uses_oauth": False,
            "delegate_oauth": False,
        }


_WHAT = {
    "query": "a Look's or an Explore's results",
    "cell": "one cell",
    "dashboard": "a dashboard",
}


def unsupported_type(definition: ActionDefinition, request: ActionRequest) -> str | None:
    """Why the action cannot take this execute's ``type``, or None. The reference hub refuses
    such requests too (``validateAndExecute`` in ``src/hub/action.ts``)."""
    if request.type in definition.supported_action_types:
        return None
    takes = " or ".join(
        f"{_WHAT.get(kind, kind)} (type '{kind}')" for kind in definition.supported_action_types
    )
    sent = f"a '{request.type}' request" if request.type else "a request without a type"
    return f"The {definition.label} action takes {takes}; Looker sent {sent}, which it cannot use."


@dataclass(frozen=True)
class ActionResult:
    success: bool
    message: str = ""
    refresh_query: bool = False
    validation_errors: Mapping[str, str] = field(default_factory=dict)
    state: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        looker: dict[str, Any] = {
            "success": self.success,
            "message": self.message,
            "refresh_query": self.refresh_query,
            "validation_errors": dict(self.validation_errors),
        }
        if self.state is not None:
            looker["state"] = dict(self.state)
        return {"looker": looker}
