"""``/catalogs...`` over HTTP (the catalogs themselves: catalogs.py), and their inspection."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from looker_braze.braze.catalog_rules import ID_FIELD, PERMISSIONS
from looker_braze.sim.braze.catalogs import ITEMS, MANAGEMENT, Answer, Catalogs
from looker_braze.sim.braze.endpoint import TrackEndpoint, _bearer_key, _read_body, _too_large
from looker_braze.sim.braze.limits import limit_headers

PREFIX = "/catalogs"


class CatalogEndpoint(TrackEndpoint):
    """``/catalogs...`` as raw ASGI: TrackEndpoint's faults, redirects and answer writing, with
    the catalog routes, permissions and rate limits inside."""

    async def _handle(self, scope, receive, queued: bool):
        method, parts = scope["method"], scope["path"].strip("/").split("/")
        route = _route(method, parts)
        if route is None:
            return 404, {"message": "Not Found"}, []
        permission, family = route
        sim = self.sim
        authorization = dict(scope["headers"]).get(b"authorization")
        refused = sim.authorize(_bearer_key(authorization) if authorization else None, permission)
        if refused:
            return (*refused, [])
        decision = sim.catalogs.admit(family)
        headers = limit_headers(decision, sim.limit_style, sim.config.lowercase_headers)
        if not decision.allowed:
            sim.counters.rate_limited_requests += 1
            return 429, {"message": "API rate limit exceeded"}, headers
        body = await _read_body(receive, sim.config.max_bytes)
        if body is None:
            return 413, _too_large(sim.config.max_bytes), headers
        try:
            payload = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return 400, {"message": "Invalid JSON in the request body"}, headers
        return (*_answer(sim.catalogs, method, parts, payload), headers)


def _route(method: str, parts: list[str]) -> tuple[str, str] | None:
    """(permission, rate-limit family) of a catalog request, None for an unknown one."""
    if parts == ["catalogs"] and method in ("GET", "POST"):
        return PERMISSIONS[method, "catalogs"], MANAGEMENT
    if len(parts) == 2 and method == "DELETE":
        return PERMISSIONS["DELETE", "catalog"], MANAGEMENT
    if len(parts) == 3 and parts[2] == "items" and (method, "items") in PERMISSIONS:
        return PERMISSIONS[method, "items"], ITEMS
    return None


def _answer(catalogs: Catalogs, method: str, parts: list[str], payload: Any) -> Answer:
    if len(parts) == 1:
        return catalogs.listing() if method == "GET" else catalogs.create(payload)
    if len(parts) == 2:
        return catalogs.delete(parts[1])
    return catalogs.items(method, parts[1], payload)


async def inspect_catalogs(request: Request) -> Response:
    catalogs = request.app.state.sim.catalogs.listing()[1]["catalogs"]
    return Response(orjson.dumps(catalogs), media_type="application/json")


async def inspect_items(request: Request) -> Response:
    catalog = request.app.state.sim.catalogs.catalogs.get(request.path_params["name"])
    if catalog is None:
        raise HTTPException(404, "no catalog with that name")
    items = [{ID_FIELD: item_id, **values} for item_id, values in sorted(catalog.items.items())]
    return Response(orjson.dumps(items), media_type="application/json")
