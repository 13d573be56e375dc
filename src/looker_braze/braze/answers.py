"""How Braze's answers to POST /users/track read: which objects a 2xx confirms, and what a
failure tells the user to fix. Never the API key: messages reach Looker users as they are.

Sources: Braze's API errors page (braze-inc/braze-docs _docs/_api/errors.md: "Queued responses",
202 {"message": "queued"}, in copies up to 2025; 401 "Invalid API key"; 403 "Access Denied" (the
key lacks a permission) vs 403 "Rate plan doesn't support or account is otherwise inactivated";
404 "Unknown REST API Key" in older copies, "Invalid URL" in the newest), Braze's users/track page
(_docs/_api/endpoints/user_data/post_user_track.md: "success" and "success" with non-fatal errors;
a fatal error has another message) and shared/spec/braze-users-track.md ("Real-world behaviours":
a 2xx may carry a message other than "success"; Braze never redirects its REST API).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from looker_braze.braze.instances import Endpoint
from looker_braze.errors import BrazeAuthFailed, FailRun, InvalidEndpoint, LookerBrazeError

if TYPE_CHECKING:
    from looker_braze.braze.batch import Batch
    from looker_braze.braze.client import BatchOutcome

SUCCESS, QUEUED = "success", "queued"
# How the reason of an object a 2xx did not confirm begins: Braze may or may not have kept it.
UNCONFIRMED = "not confirmed by Braze"
MESSAGE_CHARS = 80  # of Braze's message quoted in a reason: enough to recognise it
KEY_SETTINGS = "Braze: Settings > APIs and Identifiers > API Keys"
REST_EXAMPLE = "https://rest.iad-01.braze.com"


@dataclass(frozen=True)
class Answer:
    status: int
    payload: Mapping
    location: str | None = None  # of a redirect


def read_success(batch: Batch, answer: Answer, outcome: BatchOutcome) -> None:
    """A 2xx is read, not assumed: only "success" and "queued" confirm the unlisted objects."""
    payload = answer.payload
    message = str(payload.get("message") or "")
    verdict = message.strip().lower()
    if verdict == SUCCESS and not payload.get("errors"):
        outcome.accepted += batch.tags  # the usual answer, kept cheap
        return
    listed = error_indices(payload, len(batch), batch.array) if payload.get("errors") else {}
    if verdict in (SUCCESS, QUEUED):
        for i, tag in enumerate(batch.tags):
            if i in listed:
                outcome.rejected.append((tag, listed[i]))
            else:
                outcome.accepted.append(tag)
        if verdict == QUEUED:
            outcome.queued += len(batch) - len(listed)
        return
    short = _short(message) or "no message"
    outcome.messages.append(short)
    unconfirmed = f'{UNCONFIRMED} (HTTP {answer.status} "{short}")'
    outcome.rejected += [(tag, listed.get(i, unconfirmed)) for i, tag in enumerate(batch.tags)]


def error_indices(payload: Mapping, size: int, array: str = "attributes") -> dict[int, str]:
    """Braze's per-object errors of one request array: {"type": reason, "input_array": array,
    "index": i}; an error that names no array is taken to be about ``array``, the only one sent."""
    listed: dict[int, str] = {}
    for error in payload.get("errors") or ():
        if not isinstance(error, dict) or error.get("input_array", array) != array:
            continue
        index = error.get("index")
        if isinstance(index, int) and 0 <= index < size:
            listed.setdefault(index, str(error.get("type") or error.get("message") or "rejected"))
    return listed


def _short(message) -> str:
    text = " ".join(str(message or "").split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def _host_of(url: str | None) -> str | None:
    """host[:port] of a URL; nothing of its path, query or credentials."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if host is None:
        return None
    return f"{host}:{port}" if port else host


def failure(
    answer: Answer, endpoint: Endpoint, permission: str = "users.track"
) -> LookerBrazeError:
    """The run's failure for an answer no retry can change (3xx, 401, 403, 404, other 4xx);
    ``permission`` is the one the endpoint needs, named in a 403's fix."""
    where = f"{endpoint.base_url} ({endpoint.instance})"
    message = _short(answer.payload.get("message"))
    if 300 <= answer.status < 400:
        return InvalidEndpoint(_redirected(answer, endpoint))
    if answer.status == 401:
        return BrazeAuthFailed(
            f"Braze refused the API key (401) at {where}: check that the key in the action "
            "settings is a REST API key of this workspace and of this Braze instance."
        )
    if answer.status == 403:
        return _forbidden(where, message, permission)
    if answer.status == 404:
        return FailRun(
            f"Braze answered 404 Not Found at {where}. Braze gives it for an unknown REST API "
            "key (users/track reference) and for an invalid URL (API errors page): check that "
            "the API key in the action settings belongs to this workspace on this instance, and "
            f"that the endpoint is the workspace's REST endpoint, e.g. {REST_EXAMPLE}."
        )
    return FailRun(f"Braze answered HTTP {answer.status} at {where}. {message}".strip())


def _redirected(answer: Answer, endpoint: Endpoint) -> str:
    target = _host_of(answer.location) or _host_of(endpoint.base_url)
    if answer.location is None:
        target = "nowhere (no Location)"
    return (
        f"The Braze endpoint {endpoint.base_url} answered HTTP {answer.status}, a redirect to "
        f"{target}. Braze never redirects its REST API, so the redirect was not followed and "
        "nothing of this batch was sent: check that the endpoint in the action settings is your "
        f"instance's REST endpoint, e.g. {REST_EXAMPLE}, and that no proxy in between redirects."
    )


class Forbidden(StrEnum):
    """What a 403 means, by Braze's message: the fixes differ."""

    PERMISSION = "permission"  # "Access Denied": the key lacks the endpoint's permission
    PLAN = "plan"  # "Rate plan doesn't support or account is otherwise inactivated"
    UNKNOWN = "unknown"


def forbidden_kind(message: str) -> Forbidden:
    lowered = message.lower()
    if "access denied" in lowered or "permission" in lowered:
        return Forbidden.PERMISSION
    if "rate plan" in lowered or "inactiv" in lowered:
        return Forbidden.PLAN
    return Forbidden.UNKNOWN


def _forbidden(where: str, message: str, permission: str) -> BrazeAuthFailed:
    """403: a key without the permission, or a plan or account Braze refuses: different fixes."""
    said = f' Braze said: "{message}".' if message else ""
    kind = forbidden_kind(message)
    if kind is Forbidden.PERMISSION:
        return BrazeAuthFailed(
            f"Braze refused the request (403 Access Denied) at {where}: the API key lacks the "
            f"'{permission}' permission ({KEY_SETTINGS})."
        )
    if kind is Forbidden.PLAN:
        return BrazeAuthFailed(
            f"Braze refused the request (403 Forbidden) at {where}: the workspace's rate plan "
            f"does not include this API, or the Braze account is inactivated.{said} A new key "
            "will not help: ask your Braze administrator or Braze Support."
        )
    return BrazeAuthFailed(
        f"Braze refused the request (403) at {where}.{said} Either the API key lacks the "
        f"'{permission}' permission ({KEY_SETTINGS}), or the "
        "rate plan or account does not allow it (ask Braze Support)."
    )
