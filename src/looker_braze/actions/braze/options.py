"""The settings and form answers of one Braze send, checked before a single row is read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from looker_braze.actions.braze.definition import (
    DEFAULT_ALIAS_LABEL,
    DEFAULT_ARRAY_ATTRIBUTE,
    DEFAULT_LABEL,
    KEY_KINDS,
)
from looker_braze.actions.braze.modes import Mode
from looker_braze.braze.attributes import IDENTIFIER_NAMES, MAX_STRING
from looker_braze.braze.instances import Endpoint, parse_endpoint
from looker_braze.errors import FailRun
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


@dataclass(frozen=True)
class RunOptions:
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

    @property
    def workspace(self) -> str:
        return workspace(self.endpoint.base_url, self.api_key)


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
    endpoint = parse_endpoint(params.get("braze_api_endpoint"), extra_endpoints)
    api_key = (params.get("braze_api_key") or "").strip()
    if not api_key:
        raise FailRun("The Braze API Key is missing: set it in Looker (Admin > Actions > Braze).")
    return endpoint, api_key


def run_options(request: ActionRequest, extra_endpoints: tuple[str, ...]) -> RunOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    form = request.form_params
    errors: dict[str, str] = {}
    key_kind = form.get("braze_key") or "external_id"
    if key_kind not in KEY_KINDS:
        errors["braze_key"] = (
            f"Unique Key must be one of {', '.join(KEY_KINDS)} (got '{key_kind}')."
        )
    label = (form.get("braze_segment") or DEFAULT_LABEL).strip()
    if len(label) > MAX_STRING:
        errors["braze_segment"] = f"Export Label is longer than {MAX_STRING} characters."
    attribute = (form.get("braze_attribute") or DEFAULT_ARRAY_ATTRIBUTE).strip()
    if attribute in IDENTIFIER_NAMES or not attribute or attribute.startswith("$"):
        errors["braze_attribute"] = f"'{attribute}' cannot be used as the array attribute."
    alias_label = (form.get("braze_alias_label") or DEFAULT_ALIAS_LABEL).strip()
    flags = {name: _yes_no(form, name, default, errors) for name, default in _FLAGS}
    mode = _mode(form, errors)
    send = (form.get("braze_send") or ("changes" if mode == Mode.SYNC else "everything")).lower()
    if send not in ("changes", "everything"):
        errors["braze_send"] = f"Send must be changes or everything (got '{send}')."
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


def _mode(form, errors: dict[str, str]) -> Mode:
    text = (form.get("braze_mode") or Mode.APPEND).strip().lower()
    try:
        return Mode(text)
    except ValueError:
        errors["braze_mode"] = f"Mode must be one of {Mode.names()} (got '{text}')."
        return Mode.APPEND


_FLAGS = (("braze_update_existing_only", True), ("braze_dry_run", False))


def _yes_no(form, name: str, default: bool, errors: dict[str, str]) -> bool:
    value = (form.get(name) or "").strip().lower()
    if not value:
        return default
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    errors[name] = f"{name} must be yes or no (got '{value}')."
    return default
