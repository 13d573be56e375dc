"""POST /v2/subscription/status/set: subscription group states, many groups a request.

Braze's rules (shared/spec/braze-activation.md §2.1, [S6] braze.com/docs/api/endpoints/
subscription_groups/post_update_user_subscription_group_status_v2):
- a body is ``{"subscription_groups": [entry, ...]}``; an entry names one group, one state
  (``subscribed`` or ``unsubscribed``) and ONE identifier array, ``external_ids``, ``emails`` or
  ``phones``, of at most 50 values; phones in E.164;
- ``emails`` and ``phones`` never appear in one request, and with them email groups and SMS
  groups need separate requests. A send here uses one identifier kind throughout (the form's
  Unique Key), so its requests never mix emails and phones; a Look whose groups mix email and
  SMS channels under ``emails`` is refused by Braze entry by entry (see ``SubscriptionClient``);
- how many entries a request may hold is not documented (UNCONFIRMED): MAX_GROUPS_PER_REQUEST is
  RudderStack's chunk size [S25], and a request Braze refuses is resent one entry at a time;
- writes are idempotent (setting a state twice leaves it set), so every failure is retried;
- states are not billed as data points [S10].
Alias and braze_id identifiers are not accepted by this endpoint, so no send offers them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import orjson

from looker_braze.braze.answers import QUEUED, SUCCESS, Answer, failure
from looker_braze.braze.batch import BatchSize
from looker_braze.braze.client import BatchOutcome
from looker_braze.braze.instances import looks_like_api_key
from looker_braze.braze.requester import Requester
from looker_braze.errors import LookerBrazeError, RejectRow

log = logging.getLogger(__name__)

V2_PATH = "/v2/subscription/status/set"
PERMISSION = "subscription.status.set"
MAX_IDS_PER_ARRAY = 50  # [S6]
MAX_GROUPS_PER_REQUEST = 25  # UNCONFIRMED: Braze documents no cap; RudderStack chunks at 25
MAX_BYTES = 4_000_000  # Braze's request size limit on most endpoints [S2]
# An entry closes early past this many bytes, so that a full request stays under MAX_BYTES
# however long the identifiers are.
ENTRY_BYTES = (MAX_BYTES - 1_000) // MAX_GROUPS_PER_REQUEST
STATES = ("subscribed", "unsubscribed")
# The identifier array of each Unique Key the endpoint accepts.
ID_ARRAYS = {"external_id": "external_ids", "email": "emails", "phone": "phones"}
KEY_KINDS = tuple(ID_ARRAYS)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def subscription_state(value: Any) -> str:
    """``subscribed`` or ``unsubscribed`` from any capitalisation; RejectRow otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    if text not in STATES:
        raise RejectRow(
            f"subscription state must be subscribed or unsubscribed (got {_shown(value)})"
        )
    return text


def group_id(value: Any) -> str:
    """A subscription group id as Braze writes it (a lower-case UUID); RejectRow otherwise."""
    text = str(value).strip().lower() if value is not None else ""
    if not _UUID.fullmatch(text):
        raise RejectRow(
            f"subscription group id is not a UUID (got {_shown(value)}): copy it from Braze, "
            "Audience > Subscriptions"
        )
    return text


def _shown(value: Any) -> str:
    """A refused value as a reason quotes it: short, and never one that may be a secret."""
    if value is None or not str(value).strip():
        return "nothing"
    text = str(value).strip()
    if looks_like_api_key(text):
        return "a value that looks like an API key"
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


# ---------------------------------------------------------------- requests


@dataclass
class Entry:
    """One ``subscription_groups`` entry: a group, a state, up to 50 identifiers."""

    group: str
    state: str
    ids: list[str] = field(default_factory=list)
    tags: list[Hashable] = field(default_factory=list)
    size: int = 0  # bytes of the identifiers, encoded

    def as_json(self, array: str, double_opt_in: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "subscription_group_id": self.group,
            "subscription_state": self.state,
            array: self.ids,
        }
        if double_opt_in:
            entry["use_double_opt_in_logic"] = True
        return entry


@dataclass
class SubscriptionRequest:
    """One request's entries; ``tags`` follow the identifiers in order, for the outcome (each
    identifier's tag is its own object: the Dispatcher tells them apart by identity)."""

    entries: list[Entry]
    array: str  # external_ids, emails or phones
    double_opt_in: bool = False

    @property
    def tags(self) -> list[Hashable]:
        return [tag for entry in self.entries for tag in entry.tags]

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.entries) + 120 * len(self.entries)

    def __len__(self) -> int:
        return sum(len(entry.ids) for entry in self.entries)

    def as_json(self) -> dict[str, Any]:
        return {
            "subscription_groups": [
                entry.as_json(self.array, self.double_opt_in) for entry in self.entries
            ]
        }

    def body(self) -> bytes:
        return orjson.dumps(self.as_json())

    def single(self, entry: Entry) -> SubscriptionRequest:
        return SubscriptionRequest([entry], self.array, self.double_opt_in)

    def subset(self, indices: list[int]) -> SubscriptionRequest:
        """The identifiers at these positions of ``tags`` (the Dispatcher's unsettled rest)."""
        wanted, position, entries = set(indices), 0, []
        for entry in self.entries:
            kept = Entry(entry.group, entry.state)
            for identifier, tag in zip(entry.ids, entry.tags, strict=True):
                if position in wanted:
                    kept.ids.append(identifier)
                    kept.tags.append(tag)
                    kept.size += len(orjson.dumps(identifier)) + 1
                position += 1
            if kept.ids:
                entries.append(kept)
        return SubscriptionRequest(entries, self.array, self.double_opt_in)


class RequestPlanner:
    """Packs (group, state, identifier) into requests: ``add`` returns the requests that filled
    up, ``flush`` the rest. An entry closes at 50 identifiers (or ENTRY_BYTES); a request at
    ``max_groups`` closed entries."""

    def __init__(
        self,
        key_kind: str,
        double_opt_in: bool = False,
        max_groups: int = MAX_GROUPS_PER_REQUEST,
        max_ids: int = MAX_IDS_PER_ARRAY,
    ) -> None:
        self.array = ID_ARRAYS[key_kind]
        self.double_opt_in = double_opt_in
        self.max_groups = max_groups
        self.max_ids = max_ids
        self._open: dict[tuple[str, str], Entry] = {}
        self._closed: list[Entry] = []

    def add(
        self, group: str, state: str, identifier: str, tag: Hashable
    ) -> list[SubscriptionRequest]:
        size = len(orjson.dumps(identifier)) + 1
        if size > ENTRY_BYTES:
            raise RejectRow(f"identifier longer than {ENTRY_BYTES:,} bytes")
        key = (group, state)
        entry = self._open.get(key)
        if entry is not None and entry.size + size > ENTRY_BYTES:
            self._close(key)
            entry = None
        if entry is None:
            entry = self._open[key] = Entry(group, state)
        entry.ids.append(identifier)
        entry.tags.append(tag)
        entry.size += size
        if len(entry.ids) >= self.max_ids:
            self._close(key)
        return self._ready()

    def _close(self, key: tuple[str, str]) -> None:
        self._closed.append(self._open.pop(key))

    def _ready(self) -> list[SubscriptionRequest]:
        ready = []
        while len(self._closed) >= self.max_groups:
            entries, self._closed = self._closed[: self.max_groups], self._closed[self.max_groups :]
            ready.append(self._request(entries))
        return ready

    def flush(self) -> list[SubscriptionRequest]:
        """Every entry not yet in a request, packed ``max_groups`` a request."""
        entries = self._closed + list(self._open.values())
        self._closed, self._open = [], {}
        return [
            self._request(entries[start : start + self.max_groups])
            for start in range(0, len(entries), self.max_groups)
        ]

    def _request(self, entries: list[Entry]) -> SubscriptionRequest:
        return SubscriptionRequest(entries, self.array, self.double_opt_in)


# ---------------------------------------------------------------- the client


class SubscriptionClient:
    """Sends SubscriptionRequests and reads Braze's answers (the Dispatcher's client):
        2xx "success" / "queued"   every identifier accepted ("queued": 202, maintenance)
        2xx, other message         not confirmed: rejected with Braze's message
        400, 413, other 4xx        several entries: each is sent again alone (writes are
                                   idempotent), so one bad group id rejects only its own rows;
                                   one entry: its identifiers are rejected with Braze's message
        3xx, 401, 403, 404         the run fails (answers.failure)
    Rate limits, 429s and 5xx retries are the Requester's."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        self.batch_size = BatchSize(MAX_GROUPS_PER_REQUEST)  # the Dispatcher reports it; fixed

    async def send(self, request: SubscriptionRequest) -> BatchOutcome:
        """Braze's outcome for every identifier of ``request``. When the run must stop while
        its entries go one by one, the error carries in ``settled`` what Braze had settled, as
        the Dispatcher expects (braze/client.py), so those count as what they are."""
        outcome = BatchOutcome()
        try:
            await self._send_into(request, outcome)
        except LookerBrazeError as exc:
            exc.settled = outcome  # type: ignore[attr-defined]
            raise
        return outcome

    async def _send_into(self, request: SubscriptionRequest, outcome: BatchOutcome) -> None:
        answer = await self._requester.send("POST", V2_PATH, request.body())
        if 200 <= answer.status < 300:
            _read_success(request, answer, outcome)
        elif _is_refusal(answer.status) and len(request.entries) > 1:
            for entry in request.entries:
                await self._send_into(request.single(entry), outcome)
        elif _is_refusal(answer.status):
            reason = _refusal_reason(answer)
            outcome.rejected += [(tag, reason) for tag in request.tags]
        else:
            raise self._fatal(answer)

    def _fatal(self, answer: Answer) -> LookerBrazeError:
        return failure(answer, self._requester.endpoint, PERMISSION)


def _is_refusal(status: int) -> bool:
    """A 4xx about the request itself, not the key, the URL or the rate."""
    return 400 <= status < 500 and status not in (401, 403, 404, 429)


def _refusal_reason(answer: Answer) -> str:
    message = " ".join(str(answer.payload.get("message") or "").split())[:120]
    return f"Braze refused it ({answer.status}{': ' + message if message else ''})"


def _read_success(request: SubscriptionRequest, answer: Answer, outcome: BatchOutcome) -> None:
    message = str(answer.payload.get("message") or "").strip()
    verdict = message.lower()
    tags = request.tags
    if verdict in (SUCCESS, QUEUED):
        outcome.accepted += tags
        if verdict == QUEUED:
            outcome.queued += len(tags)
        return
    shown = message[:80] or "no message"
    outcome.messages.append(shown)
    outcome.rejected += [(tag, f"Braze answered '{shown}', not 'success'") for tag in tags]
