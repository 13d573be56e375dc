"""API-triggered messaging in the simulator (the model; HTTP in triggers.py): POST
/campaigns/trigger/send and POST /canvas/trigger/send, as shared/spec/braze-activation.md §4
restates them, with the campaigns and Canvases of the workspace and every message they sent.

Faithful to the spec: at most 50 recipients (400 with Braze's text); an unknown campaign, or one
whose delivery is not API-triggered, is 400 "Invalid Campaign ID" [S12][S35]; a paused or
archived Canvas answers 201 with a ``notice`` and sends nothing [S29]; recipients naming the same
address in one call get one message [S31]; send_to_existing_only defaults to true, so a user
Braze does not know receives nothing [S31]; one dispatch_id per call [S27]. UNCONFIRMED in the
spec, and so choices here: the texts for an unknown Canvas, an invalid recipient object and
broadcast with recipients; the first of duplicate recipients wins; a paused Canvas's answer also
carries a dispatch_id.

Beyond the faults every endpoint has (5xx, drops, 429s: endpoint.py), ``lost_answer_rate`` is the
share of calls Braze ACTS on and whose answer is then lost (a dropped connection or a 504, drawn
half and half): a client that resends those messages a user twice.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from looker_braze.braze.triggers import (
    INVALID_CAMPAIGN_ID,
    MAX_PROPERTIES_BYTES,
    MAX_RECIPIENTS,
    NO_RECIPIENTS,
    PRIORITIZATION_VALUES,
    TOO_MANY_RECIPIENTS,
)

CANVAS_STATES = ("active", "paused", "archived")
# Braze's notices for a Canvas that cannot send [S29].
NOTICES = {
    "paused": "The Canvas is paused. Resume the Canvas to ensure trigger requests will take "
    "effect.",
    "archived": "The Canvas is archived. Unarchive the Canvas to ensure trigger requests will "
    "take effect.",
}
INVALID_CANVAS_ID = "Invalid Canvas ID"  # UNCONFIRMED text
_IDENTIFIERS = ("external_user_id", "braze_id", "email", "user_alias")
_PROFILE_KIND = {"external_user_id": "external_id", "braze_id": "braze_id", "email": "email"}
# Older Canvas docs call context canvas_entry_properties [S29b]: both are accepted.
_PROPERTIES = {
    "campaign": ("trigger_properties",),
    "canvas": ("context", "canvas_entry_properties"),
}

Answer = tuple[int, dict]


@dataclass
class Message:
    dispatch_id: str
    properties: dict


@dataclass
class Messaging:
    """The workspace's API-triggered campaigns and Canvases and what they sent."""

    seed: int = 0
    campaigns: dict[str, bool] = field(default_factory=dict)  # id -> API-triggered delivery
    canvases: dict[str, str] = field(default_factory=dict)  # id -> active | paused | archived
    lost_answer_rate: float = 0.0
    # (kind, id) -> user (external id, else braze id) -> messages, in order
    sent: dict[tuple[str, str], dict[str, list[Message]]] = field(default_factory=dict)
    calls: int = 0
    lost_answers: int = 0
    bodies: list[dict] = field(default_factory=list)  # every parsed body, for exact-payload tests

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lost = random.Random(self.seed + 1)  # its own draws: faults elsewhere stay the same

    def add_campaign(self, campaign_id: str, api_triggered: bool = True) -> None:
        self.campaigns[campaign_id] = api_triggered

    def set_canvas(self, canvas_id: str, state: str = "active") -> None:
        if state not in CANVAS_STATES:
            raise ValueError(f"a Canvas is one of {', '.join(CANVAS_STATES)}, not {state!r}")
        self.canvases[canvas_id] = state

    def set_lost_answer_rate(self, share: float) -> None:
        if not 0 <= share <= 1:
            raise ValueError(f"lost_answer_rate is a share between 0 and 1, not {share}")
        self.lost_answer_rate = share

    def draw_lost(self) -> bool:
        """Whether Braze's answer to this call is lost after it acted."""
        return bool(self.lost_answer_rate) and self._lost.random() < self.lost_answer_rate

    def lost_by_drop(self) -> bool:
        """How it is lost: a dropped connection (True) or a 504 (False), half and half."""
        return self._lost.random() < 0.5

    def messages(self, kind: str, target_id: str) -> dict[str, list[Message]]:
        return self.sent.get((kind, target_id), {})

    # -- the endpoint --------------------------------------------------------------------------

    def trigger(self, kind: str, payload: dict, find) -> Answer:
        """Braze's answer to a parsed, authorised trigger body; ``find(kind, key)`` is the
        workspace's uid lookup, ``find.member_id(uid)`` how a user is named."""
        self.bodies.append(payload)
        target_id = payload.get(f"{kind}_id")
        refused = self._target_problem(kind, target_id)
        if refused:
            return 400, {"message": refused}
        recipients = payload.get("recipients")
        if payload.get("broadcast") is True:
            if recipients is not None:
                return 400, {"message": "'recipients' cannot be used with 'broadcast': true"}
            return 400, {"message": "the simulator does not model broadcasts to a segment"}
        if not isinstance(recipients, list) or not recipients:
            return 400, {"message": NO_RECIPIENTS}
        if len(recipients) > MAX_RECIPIENTS:
            return 400, {"message": TOO_MANY_RECIPIENTS}
        planned = []
        for index, item in enumerate(recipients):
            problem = _recipient_problem(kind, item)
            if problem:
                return 400, {"message": f"recipients[{index}]: {problem}"}
            planned.append(item)
        self.calls += 1
        dispatch_id = f"{self._rng.getrandbits(64):016x}"
        answer = {"dispatch_id": dispatch_id, "message": "success"}
        if kind == "canvas" and self.canvases[target_id] != "active":
            answer["notice"] = NOTICES[self.canvases[target_id]]
            return 201, answer
        self._send(kind, target_id, dispatch_id, planned, find)
        return 201, answer

    def _target_problem(self, kind: str, target_id) -> str | None:
        if kind == "campaign":
            known = type(target_id) is str and self.campaigns.get(target_id, False)
            return None if known else INVALID_CAMPAIGN_ID
        return None if type(target_id) is str and target_id in self.canvases else INVALID_CANVAS_ID

    def _send(self, kind: str, target_id: str, dispatch_id: str, recipients: list, find) -> None:
        inbox = self.sent.setdefault((kind, target_id), defaultdict(list))
        addressed: set = set()
        for item in recipients:
            address = _address(item)
            if address in addressed:  # one message per address and call [S31]
                continue
            addressed.add(address)
            uid = find.find(*_lookup(item))
            if uid is None:  # send_to_existing_only (default true): nobody to send to
                continue
            properties = next((item[name] for name in _PROPERTIES[kind] if name in item), {})
            inbox[find.member_id(uid)].append(Message(dispatch_id, properties))


def _address(item: dict) -> tuple:
    name = next(n for n in _IDENTIFIERS if n in item)
    value = item[name]
    if name == "user_alias":
        return name, value["alias_name"], value["alias_label"]
    return name, value.lower() if name == "email" else value


def _lookup(item: dict) -> tuple[str, Any]:
    name = next(n for n in _IDENTIFIERS if n in item)
    if name == "user_alias":
        return "user_alias", (item[name]["alias_name"], item[name]["alias_label"])
    return _PROFILE_KIND[name], item[name]


def _recipient_problem(kind: str, item) -> str | None:
    if not isinstance(item, dict):
        return "a recipient must be an object"
    named = [n for n in _IDENTIFIERS if n in item]
    if len(named) != 1:
        return f"give exactly one of {', '.join(_IDENTIFIERS)}"
    name = named[0]
    value = item[name]
    if name == "user_alias":
        alias = value if isinstance(value, dict) else {}
        named = _texts(alias.get("alias_name"), alias.get("alias_label"))
        if not named:
            return "user_alias needs alias_name and alias_label"
        if "send_to_existing_only" in item:
            return "send_to_existing_only cannot be used with user_alias"
    elif not _texts(value):
        return f"{name} must be a non-empty string"
    if name == "email":
        problem = _prioritization_problem(item.get("prioritization"))
        if problem:
            return problem
    for prop in _PROPERTIES[kind]:
        if prop in item:
            if not isinstance(item[prop], dict):
                return f"{prop} must be an object"
            if len(orjson.dumps(item[prop])) > MAX_PROPERTIES_BYTES:
                return f"{prop} is larger than {MAX_PROPERTIES_BYTES // 1024} KB"
    if item.get("send_to_existing_only") is False and not isinstance(item.get("attributes"), dict):
        return "attributes are required when send_to_existing_only is false"
    return None


def _prioritization_problem(value) -> str | None:
    if not isinstance(value, list) or not value:
        return "prioritization is required when email is used"
    if any(v not in PRIORITIZATION_VALUES for v in value):
        return f"prioritization takes {', '.join(PRIORITIZATION_VALUES)}"
    if "identified" in value and "unidentified" in value:
        return "prioritization takes at most one of identified and unidentified"
    return None


def _texts(*values) -> bool:
    return all(type(v) is str and v for v in values)
