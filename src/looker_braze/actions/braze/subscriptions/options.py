"""The settings and form answers of one subscriptions send, checked before a row is read."""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.actions.braze.options import (
    InvalidForm,
    InWorkspace,
    check_settings,
    refuse_key_in_form,
    shown,
    yes_no,
)
from looker_braze.actions.braze.subscriptions.definition import (
    FROM_ROWS,
    NOT_ACCEPTED,
    field_labels,
)
from looker_braze.braze.instances import Endpoint
from looker_braze.braze.subscriptions import KEY_KINDS, group_id, subscription_state
from looker_braze.errors import RejectRow
from looker_braze.hub.protocol import ActionRequest


@dataclass(frozen=True)
class SubscriptionOptions(InWorkspace):
    endpoint: Endpoint
    api_key: str
    key_kind: str  # external_id, email or phone
    group: str | None  # the form's group, for rows without one of their own
    state: str | None  # the form's state, likewise
    double_opt_in: bool
    dry_run: bool


def run_options(request: ActionRequest, extra_endpoints: tuple[str, ...]) -> SubscriptionOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    refuse_key_in_form(request, api_key)
    form = request.form_params
    errors: dict[str, str] = {}
    key_kind = (form.get("braze_key") or "external_id").strip()
    if key_kind not in KEY_KINDS:
        errors["braze_key"] = (
            f"Unique Key must be one of {', '.join(KEY_KINDS)} (got {shown(key_kind)}): "
            f"{NOT_ACCEPTED}."
        )
    group = _checked(form, "braze_subscription_group", group_id, errors)
    state = None  # empty, or "from the Look": each row's own
    if (form.get("braze_subscription_state") or "").strip().lower() != FROM_ROWS:
        state = _checked(form, "braze_subscription_state", subscription_state, errors)
    flags = {
        name: yes_no(form, name, default, errors)
        for name, default in (("braze_double_opt_in", False), ("braze_dry_run", False))
    }
    if errors:
        raise InvalidForm(errors)
    return SubscriptionOptions(
        endpoint=endpoint,
        api_key=api_key,
        key_kind=key_kind,
        group=group,
        state=state,
        double_opt_in=flags["braze_double_opt_in"],
        dry_run=flags["braze_dry_run"],
    )


def _checked(form, name: str, check, errors: dict[str, str]) -> str | None:
    """The field's value as Braze takes it; None when it is empty or wrong (then in errors)."""
    value = (form.get(name) or "").strip()
    if not value:
        return None
    try:
        return check(value)
    except RejectRow as exc:
        errors[name] = f"{field_labels()[name]}: {exc.reason}."
        return None
