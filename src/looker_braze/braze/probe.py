"""Does this REST API key work at this Braze host? One request that changes nothing.

The probe is ``POST /users/track`` with ``{"attributes": []}``: Braze authenticates the key and its
``users.track`` permission first, then refuses the empty body (400 "Valid data must be provided")
without touching a profile or billing a data point. So the answer tells the key apart:

    201, or 400 "Valid data must be provided"   the key works here and holds users.track
    401                                          unknown here: invalid, revoked, or of another
                                                 Braze instance or workspace
    403                                          known here, without users.track (or a plan issue)
    429                                          the workspace's quota is spent right now
    404, 3xx, other 4xx/5xx                      not a working /users/track endpoint
    no answer                                    unreachable (DNS, refused, timeout, TLS)

Redirects are not followed: a key must never travel on to a host nobody chose. Messages carry
Braze's own words, never the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import aiohttp
import orjson

from looker_braze.braze.answers import Forbidden, forbidden_kind
from looker_braze.braze.client import ALL_INVALID
from looker_braze.braze.requester import retry_after_seconds

PROBE_BODY = orjson.dumps({"attributes": []})


class KeyVerdict(StrEnum):
    ACCEPTED = "accepted"
    INVALID_KEY = "invalid_key"
    NO_PERMISSION = "no_permission"
    PLAN_REFUSED = "plan_refused"  # 403: the rate plan or an inactivated account, not the key
    RATE_LIMITED = "rate_limited"
    NOT_FOUND = "not_found"
    UNEXPECTED = "unexpected"
    UNREACHABLE = "unreachable"

    @property
    def knows_key(self) -> bool:
        """Whether the host recognised the key (it belongs to this host's instance)."""
        return self in (
            KeyVerdict.ACCEPTED,
            KeyVerdict.NO_PERMISSION,
            KeyVerdict.PLAN_REFUSED,
            KeyVerdict.RATE_LIMITED,
        )


@dataclass(frozen=True)
class KeyProbe:
    verdict: KeyVerdict
    status: int | None = None  # HTTP status; None when there was no answer
    detail: str = ""  # Braze's message, or what went wrong on the way; never the key
    retry_after: float | None = None  # seconds Braze asked to wait (429 only)


async def probe_key(
    session: aiohttp.ClientSession, base_url: str, api_key: str, timeout_seconds: float = 15.0
) -> KeyProbe:
    """Send the probe to ``base_url`` (e.g. https://rest.iad-01.braze.com) with ``api_key``."""
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    try:
        async with session.post(
            f"{base_url.rstrip('/')}/users/track",
            data=PROBE_BODY,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
            allow_redirects=False,
        ) as response:
            raw = await response.content.read(64 * 1024)  # an answer to read, not a download
            probe = _classify(response.status, _message(raw), response.headers)
    except TimeoutError:
        probe = KeyProbe(KeyVerdict.UNREACHABLE, detail=f"no answer within {timeout_seconds:g} s")
    except aiohttp.ClientError as exc:
        probe = KeyProbe(KeyVerdict.UNREACHABLE, detail=_network_problem(exc))
    except ValueError:  # aiohttp refuses header values with control characters; never echo them
        probe = KeyProbe(KeyVerdict.UNEXPECTED, detail="the key cannot be sent in an HTTP header")
    return _without_key(probe, api_key)


def sendable(api_key: str) -> bool:
    """Whether the key can travel in an Authorization header: no spaces or control characters
    (a key pasted with a line break, say)."""
    return bool(api_key) and all(c.isprintable() and not c.isspace() for c in api_key)


async def probe_hosts(
    session: aiohttp.ClientSession,
    api_key: str,
    targets: Mapping[str, str],
    timeout_seconds: float = 15.0,
) -> dict[str, KeyProbe]:
    """Probe several hosts at once; ``targets`` maps a name (a Braze host) to its base URL."""
    names = list(targets)
    probes = await asyncio.gather(
        *(probe_key(session, targets[name], api_key, timeout_seconds) for name in names)
    )
    return dict(zip(names, probes, strict=True))


def _classify(status: int, message: str, headers: Mapping[str, str]) -> KeyProbe:
    if status in (200, 201) or (status == 400 and ALL_INVALID in message):
        return KeyProbe(KeyVerdict.ACCEPTED, status, message)
    if status == 401:
        return KeyProbe(KeyVerdict.INVALID_KEY, status, message)
    if status == 403:
        plan = forbidden_kind(message) is Forbidden.PLAN
        return KeyProbe(
            KeyVerdict.PLAN_REFUSED if plan else KeyVerdict.NO_PERMISSION, status, message
        )
    if status == 429:
        return KeyProbe(KeyVerdict.RATE_LIMITED, status, message, retry_after_seconds(headers))
    if status == 404:
        return KeyProbe(KeyVerdict.NOT_FOUND, status, message)
    if 300 <= status < 400:
        where = headers.get("Location", "elsewhere")
        return KeyProbe(KeyVerdict.UNEXPECTED, status, f"redirected to {where}; not followed")
    return KeyProbe(KeyVerdict.UNEXPECTED, status, message)


def _message(raw: bytes) -> str:
    try:
        payload = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return _one_line(raw.decode(errors="replace"))
    if isinstance(payload, dict) and payload.get("message") is not None:
        return _one_line(str(payload["message"]))
    return ""


def _network_problem(exc: aiohttp.ClientError) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect ({_one_line(str(exc.os_error) or type(exc).__name__)})"
    return type(exc).__name__


def _one_line(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def _without_key(probe: KeyProbe, api_key: str) -> KeyProbe:
    """A host could echo what it was sent; the key must not travel on in a message."""
    if api_key and api_key in probe.detail:
        detail = probe.detail.replace(api_key, "<the key>")
        return KeyProbe(probe.verdict, probe.status, detail, probe.retry_after)
    return probe
