"""API-triggered messages: POST /campaigns/trigger/send and POST /canvas/trigger/send.

Braze's rules, restated in shared/spec/braze-activation.md §4 (and owned here, for the action,
the check and the simulator to import):
  - at most 50 recipient objects a request [S12][S27]; more get 400 "The max number of
    external_ids and aliases per request was exceeded";
  - each recipient names the user by exactly one of external_user_id, braze_id, email (then with
    a ``prioritization``) or user_alias [S31]; its per-recipient properties are
    ``trigger_properties`` for a campaign, ``context`` for a Canvas, at most 50 KB [S28][S30];
  - success is 201 {"dispatch_id", "message": "success"}, one dispatch_id per call [S27][S29];
  - a paused or archived Canvas still answers 201, with a ``notice``, and sends nothing [S29];
  - the documented 400s (Invalid Campaign ID, No Recipients, too many recipients) send nothing
    [S12].
Braze has no idempotency key, so a trigger request is never repeated blindly: it goes with
``repeatable=False`` (requester.py), which raises OutcomeUnknown when Braze may have acted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from looker_braze.braze.answers import SUCCESS, Answer, failure
from looker_braze.braze.requester import Requester
from looker_braze.errors import FailRun, OutcomeUnknown

MAX_RECIPIENTS = 50  # per request [S12][S27]
MAX_PROPERTIES_BYTES = 50 * 1024  # trigger_properties / context, per object [S28][S30]
TOO_MANY_RECIPIENTS = "The max number of external_ids and aliases per request was exceeded"
INVALID_CAMPAIGN_ID = "Invalid Campaign ID"
NO_RECIPIENTS = "No Recipients"
# Values Braze takes in an email recipient's prioritization, most preferred first [S31].
PRIORITIZATION_VALUES = ("identified", "unidentified", "most_recently_updated",
                         "least_recently_updated")  # fmt: skip
DEFAULT_PRIORITIZATION = ("identified", "most_recently_updated")


class TargetKind(StrEnum):
    CAMPAIGN = "campaign"
    CANVAS = "canvas"


@dataclass(frozen=True)
class Target:
    """The campaign or Canvas a send triggers."""

    kind: TargetKind
    id: str

    @property
    def path(self) -> str:
        return f"/{'campaigns' if self.kind == TargetKind.CAMPAIGN else 'canvas'}/trigger/send"

    @property
    def id_field(self) -> str:
        return f"{self.kind}_id"

    @property
    def properties_field(self) -> str:
        """Where a recipient's own properties go: Liquid reads them as
        {{api_trigger_properties.${key}}} (campaigns) or {{context.${key}}} (Canvases)."""
        return "trigger_properties" if self.kind == TargetKind.CAMPAIGN else "context"

    @property
    def permission(self) -> str:
        return f"{'campaigns' if self.kind == TargetKind.CAMPAIGN else 'canvas'}.trigger.send"

    @property
    def key(self) -> str:
        """The target as the state store names it."""
        return f"{self.kind}:{self.id}"


# The recipient field of each identifier kind (the flag action's Unique Key names; no phone:
# the recipient object has no phone field [S31]).
RECIPIENT_FIELDS = {
    "external_id": "external_user_id",
    "braze_id": "braze_id",
    "email": "email",
    "user_alias": "user_alias",
}


def recipient(
    key_kind: str,
    identifier: str,
    *,
    alias_label: str = "",
    prioritization: tuple[str, ...] = DEFAULT_PRIORITIZATION,
) -> dict[str, Any]:
    """A recipient object without properties (send_to_existing_only is left at Braze's default,
    true: a user Braze does not know receives nothing)."""
    if key_kind == "user_alias":
        return {"user_alias": {"alias_name": identifier, "alias_label": alias_label}}
    if key_kind == "email":
        return {"email": identifier, "prioritization": list(prioritization)}
    return {RECIPIENT_FIELDS[key_kind]: identifier}


def properties_size(properties: dict[str, Any]) -> int:
    """The properties' size as Braze receives them (JSON, UTF-8)."""
    return len(orjson.dumps(properties))


def request_body(target: Target, recipients: list[dict[str, Any]]) -> bytes:
    """The body of one trigger request (no broadcast, no top-level properties)."""
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValueError(f"a trigger request takes 1 to {MAX_RECIPIENTS} recipients")
    return orjson.dumps({target.id_field: target.id, "recipients": recipients})


class TriggerNotActive(FailRun):
    """The Canvas is paused or archived: Braze answered 201 with a notice and sent nothing."""


class TriggerRefused(FailRun):
    """Braze refused the request (4xx): nothing was sent."""


class TriggerClient:
    """Sends one trigger request per call for one target; never repeats one blindly."""

    def __init__(self, requester: Requester, target: Target) -> None:
        self._requester = requester
        self.target = target

    async def send(self, recipients: list[dict[str, Any]]) -> str:
        """The call's dispatch_id once Braze accepted it. TriggerNotActive, TriggerRefused or
        another FailRun when Braze certainly sent nothing; OutcomeUnknown when it may have."""
        answer = await self._requester.send(
            "POST", self.target.path, request_body(self.target, recipients), repeatable=False
        )
        return self._read(answer)

    def _read(self, answer: Answer) -> str:
        payload = answer.payload
        message = str(payload.get("message") or "").strip()
        if 200 <= answer.status < 300:
            notice = payload.get("notice")
            if notice:
                raise TriggerNotActive(
                    f'Braze sent nothing: it answered "{notice}" for {self.target.kind} '
                    f"{self.target.id}. Fix that in Braze, then send again."
                )
            if message.lower() != SUCCESS:
                raise OutcomeUnknown(
                    f'Braze answered HTTP {answer.status} "{message or "no message"}" instead '
                    "of success: whether it sent the messages is unknown, so they were not sent "
                    "again. Check in Braze before sending again."
                )
            return str(payload.get("dispatch_id") or "")
        if 400 <= answer.status < 500 and answer.status not in (401, 403, 404):
            raise TriggerRefused(self._refusal(answer.status, message))
        raise failure(answer, self._requester.endpoint, self.target.permission)

    def _refusal(self, status: int, message: str) -> str:
        said = message or "no message"
        what = f"{self.target.kind} {self.target.id}"
        if INVALID_CAMPAIGN_ID.lower() in message.lower():
            return (
                f"Braze refused {what} (400 {said}): no API-triggered {self.target.kind} has "
                f"this id. Copy the id from the {self.target.kind}'s page in Braze (its delivery "
                "must be API-triggered); nothing was sent."
            )
        return f"Braze refused the trigger of {what} (HTTP {status} {said}); nothing was sent."
