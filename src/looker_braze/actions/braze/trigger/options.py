"""The settings and form answers of one braze_trigger send, checked before a row is read.

The send key: which earlier sends count as "the same send", whose recipients are never messaged
again (state/triggers.py records them, per workspace and campaign or Canvas):
    label:<Send Label>   when the form names the send: the same label is the same send, whichever
                         schedule or user sends it; a new label is a deliberate new send, which
                         may message the same users again;
    default              without a label: one send per campaign or Canvas, so re-running a
                         schedule, or sending the Look again by hand, messages nobody twice.
Not the scheduled plan's id: Looker's execute request does not tell a recurring schedule from a
one-off send, and a one-off send comes with a plan of its own (the Looker sender, sim/looker, does
the same), so a key from it would let a second manual send message everyone again.
"""

from __future__ import annotations

from dataclasses import dataclass

from looker_braze.actions.braze.definition import DEFAULT_ALIAS_LABEL
from looker_braze.actions.braze.options import (
    InvalidForm,
    InWorkspace,
    check_settings,
    refuse_key_in_form,
    shown,
    yes_no,
)
from looker_braze.actions.braze.trigger.definition import (
    DEFAULT_PRIORITIZATION_TEXT,
    KEY_KINDS,
    PRIORITIZATIONS,
)
from looker_braze.braze.attributes import MAX_STRING
from looker_braze.braze.instances import Endpoint, is_braze_key_shaped
from looker_braze.braze.triggers import Target, TargetKind
from looker_braze.hub.protocol import ActionRequest


@dataclass(frozen=True)
class TriggerOptions(InWorkspace):
    endpoint: Endpoint
    api_key: str
    target: Target
    recipient_cap: int
    send_key: str
    key_kind: str
    alias_label: str
    prioritization: tuple[str, ...]
    dry_run: bool


def trigger_options(request: ActionRequest, extra_endpoints: tuple[str, ...]) -> TriggerOptions:
    endpoint, api_key = check_settings(request, extra_endpoints)
    refuse_key_in_form(request, api_key)
    form = request.form_params
    errors: dict[str, str] = {}
    kind_text = (form.get("braze_target_kind") or TargetKind.CAMPAIGN).strip().lower()
    if kind_text not in tuple(TargetKind):
        errors["braze_target_kind"] = f"Send must be campaign or canvas (got {shown(kind_text)})."
    target_id = (form.get("braze_target_id") or "").strip()
    if not target_id or len(target_id) > MAX_STRING:
        errors["braze_target_id"] = (
            "Campaign or Canvas ID is required: copy the API identifier from its page in Braze."
        )
    cap = _cap(form.get("braze_recipient_cap") or "", errors)
    label = (form.get("braze_send_label") or "").strip()
    if len(label) > MAX_STRING or is_braze_key_shaped(label):
        errors["braze_send_label"] = (
            f"Send Label must be at most {MAX_STRING} characters and not an API key."
        )
    key_kind = form.get("braze_key") or "external_id"
    if key_kind not in KEY_KINDS:
        errors["braze_key"] = (
            f"Unique Key must be one of {', '.join(KEY_KINDS)} (got {shown(key_kind)})."
        )
    order = form.get("braze_prioritization") or DEFAULT_PRIORITIZATION_TEXT
    if order not in PRIORITIZATIONS:
        errors["braze_prioritization"] = (
            f"Users Sharing an Email must be one of {', '.join(PRIORITIZATIONS)} "
            f"(got {shown(order)})."
        )
    dry_run = yes_no(form, "braze_dry_run", False, errors)
    if errors:
        raise InvalidForm(errors)
    return TriggerOptions(
        endpoint=endpoint,
        api_key=api_key,
        target=Target(TargetKind(kind_text), target_id),
        recipient_cap=cap,
        send_key=send_key(label),
        key_kind=key_kind,
        alias_label=(form.get("braze_alias_label") or DEFAULT_ALIAS_LABEL).strip(),
        prioritization=tuple(order.split(",")),
        dry_run=dry_run,
    )


DEFAULT_SEND = "default"


def send_key(label: str) -> str:
    """The module docstring's rule."""
    return f"label:{label}" if label else DEFAULT_SEND


def _cap(text: str, errors: dict[str, str]) -> int:
    digits = text.strip().replace(",", "").replace("_", "")
    if not (digits.isascii() and digits.isdigit()) or int(digits) < 1:
        errors["braze_recipient_cap"] = (
            f"Recipient Cap must be a whole number, 1 or more (got {shown(text.strip())})."
        )
        return 0
    return int(digits)
