"""The simulator as an ASGI app: Braze's ``POST /users/track`` plus inspection under ``/sim/``.

Inspection endpoints take no Braze key: the simulator is a test tool, never a place for real
data. They are:
  GET  /sim/profile?external_id=.. | braze_id= | email= | phone= | alias_name=&alias_label=
  GET  /sim/events?<the same>  GET /sim/purchases?<the same>   -> JSON list, every one received
  GET  /sim/segment?attribute=looker_export&value=LABEL   -> {"attribute", "value", "count"}
  GET  /sim/segment/members?attribute=..&value=..[&limit=N]   -> JSON list of member ids
  GET  /sim/subscriptions?group=ID[&external_id= | email= | phone=]   -> a group's counts, or
                           one user's state; without group: every group and the stats
  GET  /sim/stats          POST /sim/reset          POST /sim/users {"count": N}
  GET  /sim/catalogs       GET  /sim/catalogs/{name}/items   (the catalogs: sim/braze/catalogs.py)
  GET  /sim/faults         PUT  /sim/faults {error_rate, latency_ms, drop_rate, rate_limit_*,
                                contract, max_objects, hourly_limit_*, queued_rate,
                                unknown_key_status, account_state, redirect_*, success_message}
  POST /campaigns/trigger/send, /canvas/trigger/send; GET /sim/messages, GET|PUT /sim/messaging
                                (sim/braze/triggers.py)
Everything else answers 404 with Braze's JSON shape; ``/users/track/`` (trailing slash) too:
Braze warns that path misbehaves, and a 404 makes a client's mistake visible at once.
"""

from __future__ import annotations

from itertools import islice

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from looker_braze.errors import ConfigError
from looker_braze.sim.braze import catalog_http as catalogs
from looker_braze.sim.braze.config import SimConfig
from looker_braze.sim.braze.endpoint import TRACK_PATH, TrackEndpoint
from looker_braze.sim.braze.simulator import BrazeSimulator
from looker_braze.sim.braze.subscription_endpoints import subscription_endpoints
from looker_braze.sim.braze.triggers import trigger_endpoints, trigger_routes

_LOOKUPS = ("external_id", "braze_id", "email", "phone")


class SimApp(Starlette):
    """Starlette app whose ``/users/track`` skips routing and middleware (see endpoint.py)."""

    def __init__(self, sim: BrazeSimulator) -> None:
        super().__init__(routes=_routes(), exception_handlers={HTTPException: _http_error})
        self.router.redirect_slashes = False  # /users/track/ must be a 404, not a redirect
        self.state.sim = sim
        # Braze's endpoints, raw ASGI: a dropped-connection fault needs the server's own send.
        self._raw = {
            TRACK_PATH: TrackEndpoint(sim),
            **trigger_endpoints(sim),
            **subscription_endpoints(sim),
        }
        self._catalogs = catalogs.CatalogEndpoint(sim)  # every path under /catalogs

    async def __call__(self, scope, receive, send) -> None:
        raw = self._raw.get(scope["path"]) if scope["type"] == "http" else None
        if raw is None and scope["type"] == "http" and scope["path"].startswith(catalogs.PREFIX):
            raw = self._catalogs
        if raw is not None:
            await raw(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(config: SimConfig | None = None) -> SimApp:
    """The simulator app; ``app.state.sim`` is its BrazeSimulator."""
    return SimApp(BrazeSimulator(config or SimConfig()))


def _json(data, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if not request.url.path.startswith("/sim/"):  # the stats count what Braze would have seen
        request.app.state.sim.counters.requests[str(exc.status_code)] += 1
    return _json({"message": exc.detail}, exc.status_code)


def _sim(request: Request) -> BrazeSimulator:
    return request.app.state.sim


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None:
        raise HTTPException(400, f"query parameter '{name}' is required")
    return value


def _who(request: Request) -> tuple[str, object]:
    """(kind, value) of the identifier in the query string."""
    params = request.query_params
    kind = next((name for name in _LOOKUPS if name in params), None)
    if kind is not None:
        return kind, params[kind]
    if "alias_name" in params:
        return "user_alias", (params["alias_name"], _param(request, "alias_label"))
    raise HTTPException(400, f"give one of {', '.join(_LOOKUPS)} or alias_name&alias_label")


async def profile(request: Request) -> Response:
    kind, key = _who(request)
    found = _sim(request).profile(kind, key)
    if found is None:
        raise HTTPException(404, f"no profile with that {kind}")
    return _json(found)


async def occurrences(request: Request) -> Response:
    """A user's events or purchases (the path's last part), every one as received."""
    kind, key = _who(request)
    found = _sim(request).occurrences(request.url.path.rsplit("/", 1)[1], kind, key)
    if found is None:
        raise HTTPException(404, f"no profile with that {kind}")
    return _json(found)


async def segment(request: Request) -> Response:
    attribute, value = _param(request, "attribute"), _param(request, "value")
    count = _sim(request).segment_count(attribute, value)
    return _json({"attribute": attribute, "value": value, "count": count})


async def segment_members(request: Request) -> Response:
    attribute, value = _param(request, "attribute"), _param(request, "value")
    limit = request.query_params.get("limit")
    if limit is not None and not limit.isdigit():
        raise HTTPException(400, "limit must be a whole number")
    members = _sim(request).segment_members(attribute, value)
    return _json(list(islice(members, int(limit) if limit else None)))


async def subscriptions(request: Request) -> Response:
    store, params = _sim(request).subscriptions, request.query_params
    group = params.get("group")
    if group is None:
        summaries = [store.summary(known) for known in store.groups]
        return _json({"groups": summaries, "stats": store.stats.snapshot()})
    kind = next((name for name in ("external_id", "email", "phone") if name in params), None)
    if kind is None:
        return _json(store.summary(group))
    return _json(
        {"group": group, kind: params[kind], "state": store.state(group, kind, params[kind])}
    )


async def stats(request: Request) -> Response:
    return _json(_sim(request).stats())


async def reset(request: Request) -> Response:
    _sim(request).reset()
    return _json({"message": "reset", "users": _sim(request).stats()["users"]})


async def seed_users(request: Request) -> Response:
    body = await _body(request)
    count = body.get("count") if isinstance(body, dict) else None
    if type(count) is not int or count < 0:
        raise HTTPException(400, 'send {"count": N} with N a whole number, 0 or more')
    added = _sim(request).seed_users(count)
    users = _sim(request).stats()["users"]
    return _json({"users": users, "first": added.start, "last": added.stop - 1})


async def faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "GET":
        return _json(sim.fault_settings())
    body = await _body(request)
    if not isinstance(body, dict):
        raise HTTPException(400, "send a JSON object of fault settings")
    try:
        return _json(sim.set_faults(**body))
    except ConfigError as exc:
        return _json({"message": "invalid fault settings", "errors": exc.problems}, 400)


async def _body(request: Request):
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None


def _routes() -> list[Route]:
    return [
        Route("/sim/profile", profile),
        Route("/sim/events", occurrences),
        Route("/sim/purchases", occurrences),
        Route("/sim/segment", segment),
        Route("/sim/segment/members", segment_members),
        Route("/sim/subscriptions", subscriptions),
        Route("/sim/stats", stats),
        Route("/sim/reset", reset, methods=["POST"]),
        Route("/sim/users", seed_users, methods=["POST"]),
        Route("/sim/faults", faults, methods=["GET", "PUT"]),
        *trigger_routes(),  # /sim/messages, /sim/messaging
        Route("/sim/catalogs", catalogs.inspect_catalogs),
        Route("/sim/catalogs/{name}/items", catalogs.inspect_items),
    ]
