"""``POST /users/track`` as raw ASGI: the simulator's hot path.

Why raw ASGI rather than a Starlette route: the simulator must keep up with ~2,000 requests/s
of 75 objects on one core, and Starlette's request/response objects and middleware cost more per
request than the whole object processing. This module only moves bytes; BrazeSimulator decides.

Order of checks, outermost first (what sits in front of Braze's application answers before it):
  1. injected faults: latency, a dropped connection, a 5xx (Braze's infrastructure);
  2. a redirect (a proxy or a host that is not Braze's REST API): nothing is read or applied;
  3. method (405), declared size (413);
  4. the Bearer key: missing 401, unknown 401 (or 404 with unknown_key_status=404), then the
     account (403 rate plan / inactivated), then the key's permission (403 Access Denied);
  5. the quota: the hourly window of an MAU contract, then the burst window (429);
  6. content type (415), body size (413), JSON (400), the deprecated ``api_key`` in the body when
     no Authorization header came (then step 4 and 5 for it);
  7. the objects: more than the contract takes (400 Max Input Length Exceeded), none (400), then
     each object; the answer is 201 with the configured success message, or 202 "queued" for
     the share drawn as queued (the objects applied all the same).
"""

from __future__ import annotations

import asyncio
import logging

import orjson

from looker_braze.sim.braze.config import TRACK_PERMISSION
from looker_braze.sim.braze.faults import drop_connection
from looker_braze.sim.braze.simulator import BrazeSimulator

TRACK_PATH = "/users/track"
log = logging.getLogger(__name__)

_GATEWAY_PAGE = b"<html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>"
_REASONS = {
    500: b"Internal Server Error",
    502: b"Bad Gateway",
    503: b"Service Unavailable",
    504: b"Gateway Timeout",
}
_JSON = b"application/json"
UNSUPPORTED_TYPE = "Unsupported Media Type: send Content-Type: application/json"


class ClientGone(Exception):
    """The client disconnected before its request body was complete."""


class TrackEndpoint:
    permission = TRACK_PERMISSION  # the key's permission this endpoint needs

    def __init__(self, sim: BrazeSimulator) -> None:
        self.sim = sim

    async def __call__(self, scope, receive, send) -> None:
        fault = self.sim.faults.draw()
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.drop:
            self.sim.counters.requests["dropped"] += 1
            await drop_connection(send)
        elif fault.status:
            await self._send_server_error(send, fault.status)
        elif fault.redirect:
            await self._send_redirect(send)
        else:
            await self._answer(scope, receive, send, fault.queued, fault.lose_answer)

    async def _answer(self, scope, receive, send, queued: bool, lose: bool = False) -> None:
        try:
            status, body, headers = await self._handle(scope, receive, queued)
        except ClientGone:
            return
        except Exception:  # a simulator bug must not look like a dropped connection
            log.exception("the simulator failed on a /users/track request")
            status, body, headers = 500, {"message": "Internal Server Error"}, []
        if lose:  # applied, but the client never learns it
            self.sim.counters.requests["answer_lost"] += 1
            await drop_connection(send)
            return
        await self._send(send, status, orjson.dumps(body), _JSON, headers)

    async def _handle(self, scope, receive, queued: bool):
        if scope["method"] != "POST":
            return 405, {"message": "Method Not Allowed: use POST"}, [(b"allow", b"POST")]
        headers = dict(scope["headers"])
        refused, limit = self._check_headers(headers)
        if refused:
            return (*refused, limit)
        body = await _read_body(receive, self.sim.config.max_bytes)
        if body is None:
            return 413, _too_large(self.sim.config.max_bytes), limit
        self.sim.counters.bytes_received += len(body)
        return self._answer_body(body, b"authorization" not in headers, limit, queued)

    def _check_headers(self, headers: dict):
        """(refusal or None, rate limit headers) from what the headers alone tell."""
        if _declared_size(headers) > self.sim.config.max_bytes:
            return (413, _too_large(self.sim.config.max_bytes)), []
        limit = []
        authorization = headers.get(b"authorization")
        if authorization is not None:
            refused, limit = _authorize(self.sim, _bearer_key(authorization), self.permission)
            if refused:
                return refused, limit
        if not _is_json(headers.get(b"content-type")):
            return (415, {"message": UNSUPPORTED_TYPE}), limit
        return None, limit

    def _answer_body(self, body: bytes, key_in_body: bool, limit: list, queued: bool):
        payload, refused = json_object(body)
        if refused is not None:
            return 400, refused, limit
        if key_in_body:  # the deprecated way: {"api_key": ...}
            key = payload.get("api_key")
            refused, limit = _authorize(self.sim, key if type(key) is str else None)
            if refused:
                return (*refused, limit)
        return (*self.sim.track(payload, queued), limit)

    async def _send_server_error(self, send, status: int) -> None:
        if status == 500:
            body, kind = orjson.dumps({"message": "Internal Server Error"}), _JSON
        else:
            reason = _REASONS[status]
            body, kind = _GATEWAY_PAGE % (status, status, reason), b"text/html"
        await self._send(send, status, body, kind, [])

    async def _send_redirect(self, send) -> None:
        status, location = self.sim.redirect
        self.sim.counters.redirected_requests += 1
        await self._send(send, status, b"", b"text/html", [(b"location", location.encode())])

    async def _send(self, send, status: int, body: bytes, kind: bytes, headers: list) -> None:
        self.sim.counters.requests[str(status)] += 1
        headers = [(b"content-type", kind), (b"content-length", b"%d" % len(body)), *headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def json_object(body: bytes) -> tuple[dict, dict | None]:
    """The body as a JSON object, or Braze's 400 answer when it is not one."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return {}, {"message": f"Invalid JSON in the request body: {exc}"}
    if type(payload) is not dict:
        return {}, {"message": "The request body must be a JSON object"}
    return payload, None


def _authorize(sim: BrazeSimulator, key: str | None, permission: str = TRACK_PERMISSION):
    """(refusal or None, rate limit headers): a request counts against the quota once its key
    is known to be good."""
    refused = sim.authorize(key, permission)
    if refused:
        return refused, []
    allowed, limit = sim.admit()
    if not allowed:
        return (429, {"message": "API rate limit exceeded"}), limit
    return None, limit


def _bearer_key(authorization: bytes) -> str | None:
    scheme, _, key = authorization.decode("latin-1").strip().partition(" ")
    return (key.strip() or None) if scheme.lower() == "bearer" else None


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(b";")[0].strip().lower() == _JSON


def _declared_size(headers: dict) -> int:
    length = headers.get(b"content-length", b"0")
    return int(length) if length.isdigit() else 0


def _too_large(limit: int) -> dict:
    return {"message": f"Payload Too Large: a request body may hold at most {limit} bytes"}


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it exceeds ``limit`` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
