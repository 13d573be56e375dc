"""The settings and form answers of one events send, checked before a single row is read."""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.actions.braze.definition import DEFAULT_ALIAS_LABEL, KEY_KINDS
from looker_braze.actions.braze.events.definition import field_labels
from looker_braze.actions.braze.options import (
    InvalidForm,
    InWorkspace,
    check_settings,
    refuse_key_in_form,
    refuse_key_shaped,
    shown,
    yes_no,
)
from looker_braze.braze import events as rules
from looker_braze.braze.instances import Endpoint
from looker_braze.errors import RejectRow
from looker_braze.hub.protocol import ActionRequest

_TYPED_FIELDS = ("braze_event_name", "braze_currency", "braze_alias_label")


@dataclass(frozen=True)
class EventOptions(InWorkspace):
    endpoint: Endpoint
    api_key: str
    key_kind: str
    alias_label: str
    array: str  # rules.EVENTS or rules.PURCHASES
    event_name: str | None  # the form's, for rows without one
    currency: str | None  # the form's, for rows without one
    update_existing_only: bool
    resend_unknown: bool
    dry_run: bool
    time_zone: str = "UTC"  # the zone of the Look's date-times, which carry no offset
    properties_max_bytes: int = rules.PROPERTIES_MAX_BYTES

    @property
    def noun(self) -> str:
        return "purchase" if self.array == rules.PURCHASES else "event"


def event_options(
    request: ActionRequest, extra_endpoints: tuple[str, ...], properties_max_bytes: int
) -> EventOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    refuse_key_in_form(request, api_key)
    form = request.form_params
    errors: dict[str, str] = {}
    kind = (form.get("braze_kind") or "event").strip().lower()
    if kind not in rules.KINDS:
        errors["braze_kind"] = f"Send As must be event or purchase (got {shown(kind)})."
    key_kind = form.get("braze_key") or "external_id"
    if key_kind not in KEY_KINDS:
        errors["braze_key"] = (
            f"Unique Key must be one of {', '.join(KEY_KINDS)} (got {shown(key_kind)})."
        )
    refuse_key_shaped(form, errors, _TYPED_FIELDS, field_labels())
    currency = (form.get("braze_currency") or "").strip() or None
    if currency is not None:
        try:
            currency = rules.currency_code(currency)
        except RejectRow:
            errors["braze_currency"] = (
                f"Currency must be an ISO-4217 code such as USD or EUR (got {shown(currency)})."
            )
    flags = {
        name: yes_no(form, name, default, errors)
        for name, default in (
            ("braze_update_existing_only", True),
            ("braze_resend_unknown", False),
            ("braze_dry_run", False),
        )
    }
    if errors:
        raise InvalidForm(errors)
    return EventOptions(
        endpoint=endpoint,
        api_key=api_key,
        key_kind=key_kind,
        alias_label=(form.get("braze_alias_label") or DEFAULT_ALIAS_LABEL).strip(),
        array=rules.KINDS[kind],
        event_name=(form.get("braze_event_name") or "").strip() or None,
        currency=currency,
        update_existing_only=flags["braze_update_existing_only"],
        resend_unknown=flags["braze_resend_unknown"],
        dry_run=flags["braze_dry_run"],
        properties_max_bytes=properties_max_bytes,
    )
