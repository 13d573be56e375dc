"""The settings and form answers of one Braze send, checked before a single row is read.

Refusals quote what was typed, to help spot a typo, but never a value that holds the API key
(pasted into the wrong field) or looks like one: such a value would reach the answer, the log
and the run history."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from looker_braze.actions.braze.definition import (
    API_KEY_PARAM,
    DEFAULT_ALIAS_LABEL,
    DEFAULT_ARRAY_ATTRIBUTE,
    DEFAULT_LABEL,
    KEY_KINDS,
    field_labels,
)
from looker_braze.actions.braze.modes import Mode
from looker_braze.braze.attributes import IDENTIFIER_NAMES, MAX_STRING
from looker_braze.braze.instances import (
    KEY_IN_ENDPOINT,
    Endpoint,
    is_braze_key_shaped,
    looks_like_api_key,
    parse_endpoint,
)
from looker_braze.errors import FailRun, InvalidEndpoint
from looker_braze.hub.protocol import ActionRequest


def workspace(base_url: str, api_key: str) -> str:
    """A Braze workspace without the key itself: the endpoint and a hash of the key."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return f"{base_url}#{digest}"


class InvalidForm(FailRun):
    """Form answers Looker should show next to their fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InWorkspace:
    """The ``workspace`` of a send's options (every action's), which have its endpoint and key."""

    endpoint: Endpoint
    api_key: str

    @property
    def workspace(self) -> str:
        return workspace(self.endpoint.base_url, self.api_key)


@dataclass(frozen=True)
class RunOptions(InWorkspace):
    endpoint: Endpoint
    api_key: str
    key_kind: str
    label: str
    array_attribute: str
    alias_label: str
    update_existing_only: bool
    dry_run: bool
    mode: Mode = Mode.APPEND
    changes_only: bool = False  # skip labels and values Braze already accepted from this hub
    time_zone: str = "UTC"  # the zone of the Look's date-times, which carry no offset

    @property
    def tracks_state(self) -> bool:
        """Whether this send reads and records the audience's state."""
        return self.mode != Mode.APPEND or self.changes_only


def check_settings(
    request: ActionRequest, extra_endpoints: tuple[str, ...]
) -> tuple[Endpoint, str]:
    """The admin's settings (params): FailRun says which one to fix."""
    params = request.params
    if not any((params.get("braze_api_key"), params.get("braze_api_endpoint"))):
        raise FailRun(
            "The Braze action has no settings: set the Braze API Key and REST API Endpoint "
            "in Looker (Admin > Actions > Braze)."
        )
    api_key = (params.get("braze_api_key") or "").strip()
    _refuse_key_in_settings(request, api_key)
    endpoint = parse_endpoint(params.get("braze_api_endpoint"), extra_endpoints)
    if not api_key:
        raise FailRun("The Braze API Key is missing: set it in Looker (Admin > Actions > Braze).")
    return endpoint, api_key


# Shorter keys are not real Braze keys (UUIDs), and would match ordinary words by chance.
_MIN_KEY_TO_FIND = 8


def _refuse_key_in_settings(request: ActionRequest, api_key: str) -> None:
    """A setting other than the key's that holds the API key is refused without being quoted."""
    if len(api_key) < _MIN_KEY_TO_FIND:
        return
    if api_key in request.params.get("braze_api_endpoint", ""):
        raise InvalidEndpoint(KEY_IN_ENDPOINT)
    _refuse_key_in(request.params, api_key, "setting")


def refuse_key_in_form(request: ActionRequest, api_key: str) -> None:
    if len(api_key) >= _MIN_KEY_TO_FIND:
        _refuse_key_in(request.form_params, api_key, "form field")


def _refuse_key_in(values: Mapping[str, str], api_key: str, kind: str) -> None:
    labels = field_labels()
    for name, value in values.items():
        if name != API_KEY_PARAM and api_key in value:
            raise FailRun(
                f"The {labels.get(name, name)} {kind} holds the Braze API key: the key belongs "
                "only in the Braze API Key setting (Admin > Actions > Braze); type this "
                f"{kind}'s own value instead."
            )


def shown(value: str) -> str:
    """A typed value as quoted in a refusal: not when it may be a key, and never very long."""
    if looks_like_api_key(value):
        return "a value that looks like an API key"
    return f"'{value}'" if len(value) <= 100 else f"'{value[:100]}...'"


def run_options(request: ActionRequest, extra_endpoints: tuple[str, ...]) -> RunOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    refuse_key_in_form(request, api_key)
    form = request.form_params
    errors: dict[str, str] = {}
    key_kind = form.get("braze_key") or "external_id"
    if key_kind not in KEY_KINDS:
        errors["braze_key"] = (
            f"Unique Key must be one of {', '.join(KEY_KINDS)} (got {shown(key_kind)})."
        )
    label = (form.get("braze_segment") or DEFAULT_LABEL).strip()
    if len(label) > MAX_STRING:
        errors["braze_segment"] = f"Export Label is longer than {MAX_STRING} characters."
    attribute = (form.get("braze_attribute") or DEFAULT_ARRAY_ATTRIBUTE).strip()
    if attribute in IDENTIFIER_NAMES or not attribute or attribute.startswith("$"):
        errors["braze_attribute"] = f"{shown(attribute)} cannot be used as the array attribute."
    alias_label = (form.get("braze_alias_label") or DEFAULT_ALIAS_LABEL).strip()
    refuse_key_shaped(form, errors)
    flags = {name: yes_no(form, name, default, errors) for name, default in _FLAGS}
    mode = _mode(form, errors)
    send = (form.get("braze_send") or ("changes" if mode == Mode.SYNC else "everything")).lower()
    if send not in ("changes", "everything"):
        errors["braze_send"] = f"Send must be changes or everything (got {shown(send)})."
    if errors:
        raise InvalidForm(errors)
    return RunOptions(
        endpoint=endpoint,
        api_key=api_key,
        key_kind=key_kind,
        label=label or DEFAULT_LABEL,
        array_attribute=attribute,
        alias_label=alias_label,
        update_existing_only=flags["braze_update_existing_only"],
        dry_run=flags["braze_dry_run"],
        mode=mode,
        changes_only=send == "changes" and mode != Mode.REMOVE,
    )


# The fields people type into; the others are lists of choices, whose refusals use shown().
_TYPED_FIELDS = ("braze_segment", "braze_attribute", "braze_alias_label")


def refuse_key_shaped(
    form,
    errors: dict[str, str],
    fields: tuple[str, ...] = _TYPED_FIELDS,
    labels: dict[str, str] | None = None,
) -> None:
    """A typed field holding only a UUID is most likely a pasted Braze API key (perhaps of
    another workspace): refused, so it is never sent to Braze nor kept in the run history."""
    labels = labels or field_labels()
    for name in fields:
        if is_braze_key_shaped(form.get(name) or ""):
            errors[name] = (
                f"{labels[name]} looks like a Braze API key (a UUID): the key belongs only in the "
                "Braze API Key setting; type the field's own value."
            )


def _mode(form, errors: dict[str, str]) -> Mode:
    text = (form.get("braze_mode") or Mode.APPEND).strip().lower()
    try:
        return Mode(text)
    except ValueError:
        errors["braze_mode"] = f"Mode must be one of {Mode.names()} (got {shown(text)})."
        return Mode.APPEND


_FLAGS = (("braze_update_existing_only", True), ("braze_dry_run", False))


def yes_no(form, name: str, default: bool, errors: dict[str, str]) -> bool:
    value = (form.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    errors[name] = f"{name} must be yes or no (got {shown(value)})."
    return default
