"""The subscription endpoints over HTTP, with everything in front of Braze's application that
``/users/track`` has (endpoint.py's order): injected faults (latency, dropped connections, 5xx,
redirects, 202 "queued"), the Bearer key and its permission, the shared v1/v2 rate limit (429
with the configured headers), content type, body size and JSON. SubscriptionStore decides the
rest (subscriptions.py)."""

from __future__ import annotations

from urllib.parse import parse_qs

from looker_braze.sim.braze.config import (
    SUBSCRIPTION_GET_PERMISSION,
    SUBSCRIPTION_SET_PERMISSION,
)
from looker_braze.sim.braze.endpoint import (
    UNSUPPORTED_TYPE,
    TrackEndpoint,
    _bearer_key,
    _is_json,
    _read_body,
    _too_large,
    json_object,
)
from looker_braze.sim.braze.limits import limit_headers
from looker_braze.sim.braze.simulator import BrazeSimulator
from looker_braze.sim.braze.subscriptions import GET_PATH, V1_SET_PATH, V2_SET_PATH

RATE_LIMITED = "API rate limit exceeded"


class _SubscriptionEndpoint(TrackEndpoint):
    """TrackEndpoint's faults and framing; its own checks and answers (``_handle``)."""

    method = "POST"
    permission = SUBSCRIPTION_SET_PERMISSION

    async def _handle(self, scope, receive, queued: bool):
        sim = self.sim
        if scope["method"] != self.method:
            allow = self.method.encode()
            return 405, {"message": f"Method Not Allowed: use {self.method}"}, [(b"allow", allow)]
        headers = dict(scope["headers"])
        authorization = headers.get(b"authorization")
        key = _bearer_key(authorization) if authorization is not None else None
        refused = sim.authorize(key, self.permission)
        if refused:
            return (*refused, [])
        allowed, limit = self._admit()
        if not allowed:
            return 429, {"message": RATE_LIMITED}, limit
        status, body = await self._answer_request(scope, receive, headers)
        if queued and status == 201:
            sim.counters.queued_answers += 1
            return 202, {"message": "queued"}, limit
        if status == 201 and body.get("message") == "success":
            body["message"] = sim.fault_settings()["success_message"]  # as /users/track's
        return status, body, limit

    def _admit(self) -> tuple[bool, list]:
        limiter = self.sim.subscription_limiter
        if limiter is None:
            return True, []
        decision = limiter.take()
        if not decision.allowed:
            self.sim.counters.rate_limited_requests += 1
        headers = limit_headers(decision, self.sim.limit_style, self.sim.config.lowercase_headers)
        return decision.allowed, headers

    async def _answer_request(self, scope, receive, headers: dict) -> tuple[int, dict]:
        if not _is_json(headers.get(b"content-type")):
            return 415, {"message": UNSUPPORTED_TYPE}
        body = await _read_body(receive, self.sim.config.max_bytes)
        if body is None:
            return 413, _too_large(self.sim.config.max_bytes)
        self.sim.counters.bytes_received += len(body)
        payload, refused = json_object(body)
        return (400, refused) if refused is not None else self.apply(payload)

    def apply(self, payload) -> tuple[int, dict]:
        limit = self.sim.fault_settings()["max_subscription_groups"]
        return self.sim.subscriptions.set_v2(payload, limit)


class _V1Endpoint(_SubscriptionEndpoint):
    def apply(self, payload) -> tuple[int, dict]:
        return self.sim.subscriptions.set_v1(payload)


class _StatusGetEndpoint(_SubscriptionEndpoint):
    method = "GET"
    permission = SUBSCRIPTION_GET_PERMISSION

    def _admit(self) -> tuple[bool, list]:
        return True, []  # its own 250,000 an hour: not simulated

    async def _answer_request(self, scope, receive, headers: dict) -> tuple[int, dict]:
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        group = params.get("subscription_group_id", [None])[0]
        return self.sim.subscriptions.status_get(group, params)


def subscription_endpoints(sim: BrazeSimulator) -> dict[str, TrackEndpoint]:
    """Path -> raw ASGI endpoint, served before routing (as /users/track is: a dropped
    connection needs the server's own ``send``)."""
    return {
        V2_SET_PATH: _SubscriptionEndpoint(sim),
        V1_SET_PATH: _V1Endpoint(sim),
        GET_PATH: _StatusGetEndpoint(sim),
    }
